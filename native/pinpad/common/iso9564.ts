// Runs anywhere (pure). ISO 9564 format 0 (hardware-protocols.md §5): PIN field
// `0 | len | digits | F…` (16 nibbles) XOR account field `0000 | 12 rightmost account digits
// excluding the check digit`. Only the PIN pad (and the simulated card, which must check the
// PIN) ever build or open these — the kiosk forwards ciphertext.
//
// SM4 pads encipher a 16-byte block: the format-0 block is followed by eight FF bytes here. Real
// pads differ (vendor-specific, **unconfirmed**); the layout is local to the pad and card sims.

export const FORMAT0_BLOCK_BYTES = 8;

/** The 12 account digits for format 0 from an account or ID number ("11010519491231002X" → "105194912310"). */
export function pinAccountDigits(accountNumber: string): string {
  const withoutCheck = accountNumber.slice(0, -1).replace(/\D/g, '');
  return withoutCheck.slice(-12).padStart(12, '0');
}

function accountField(accountDigits: string): Uint8Array {
  const field = new Uint8Array(8);
  const digits = `0000${accountDigits}`;
  for (let i = 0; i < 8; i++) field[i] = (Number(digits[i * 2]) << 4) | Number(digits[i * 2 + 1]);
  return field;
}

/** Builds the clear format-0 block. PIN: 4–12 digits; account: 12 digits. */
export function formatZeroBlock(pinDigits: string, accountDigits: string): Uint8Array | undefined {
  if (!/^\d{4,12}$/.test(pinDigits) || !/^\d{12}$/.test(accountDigits)) return undefined;
  const nibbles = [0, pinDigits.length, ...Array.from(pinDigits, Number)];
  while (nibbles.length < 16) nibbles.push(0xf);
  const account = accountField(accountDigits);
  const block = new Uint8Array(8);
  for (let i = 0; i < 8; i++) block[i] = ((nibbles[i * 2]! << 4) | nibbles[i * 2 + 1]!) ^ account[i]!;
  return block;
}

/** Opens a clear format-0 block; undefined when it is not well formed. */
export function readFormatZeroBlock(block: Uint8Array, accountDigits: string): string | undefined {
  if (block.length < 8 || !/^\d{12}$/.test(accountDigits)) return undefined;
  const account = accountField(accountDigits);
  const nibbles: number[] = [];
  for (let i = 0; i < 8; i++) {
    const byte = block[i]! ^ account[i]!;
    nibbles.push(byte >> 4, byte & 0x0f);
  }
  if (nibbles[0] !== 0) return undefined;
  const length = nibbles[1]!;
  if (length < 4 || length > 12) return undefined;
  let digits = '';
  for (let i = 0; i < length; i++) {
    const nibble = nibbles[2 + i]!;
    if (nibble > 9) return undefined;
    digits += String(nibble);
  }
  for (let i = 2 + length; i < 16; i++) if (nibbles[i] !== 0xf) return undefined;
  return digits;
}

/** The block the cipher sees: 8 bytes for 3DES, the format-0 block + FF×8 for SM4. */
export function padToCipherBlock(block: Uint8Array, blockBytes: 8 | 16): Uint8Array {
  if (blockBytes === 8) return block.slice(0, 8);
  const out = new Uint8Array(16).fill(0xff);
  out.set(block.subarray(0, 8), 0);
  return out;
}

/** KCV: the first bytes of the key encrypting zeros — 3 bytes for 3DES, 4 for SM4 (our pads' convention). */
export function keyCheckValueBytes(algorithm: 'tdes' | 'sm4'): number {
  return algorithm === 'tdes' ? 3 : 4;
}
