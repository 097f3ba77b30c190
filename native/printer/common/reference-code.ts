// Runs anywhere (pure). The short reference a citizen can read out to staff: 8 symbols of
// Crockford base32 (no I, L, O, U: nothing to confuse on a phone call), shown as XXXX-XXXX.
// 40 bits: unique enough per branch for years; the ledger keeps the mapping.
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** Five random bytes (from the caller's CSPRNG) → "K7Q2-9MXA". */
export function formatReferenceCode(random: Uint8Array): string {
  if (random.length < 5) throw new RangeError('five random bytes');
  let bits = 0n;
  for (let i = 0; i < 5; i++) bits = (bits << 8n) | BigInt(random[i]!);
  let out = '';
  for (let i = 7; i >= 0; i--) out += ALPHABET[Number((bits >> BigInt(i * 5)) & 31n)];
  return `${out.slice(0, 4)}-${out.slice(4)}`;
}
