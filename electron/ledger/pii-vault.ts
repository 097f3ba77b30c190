// Runs in Node (main process, dev host, CLI). Sealing of personal data (names, ID numbers,
// addresses, card numbers) with AES-256-GCM.
//
// Two levels of key: each person (keyed ID-number hash) gets a random 32-byte data key, stored only
// wrapped under a key-encryption key (KEK) that the key store holds. Retention deletes the wrapped
// data key, after which that person's sealed values can never be opened again (crypto-shredding),
// whatever copies of the ciphertext survive in backups. Rotating the KEK re-wraps the small data
// keys; sealed values and ledger entries are not touched, so the chain is never rewritten.
//
// Associated data binds each sealed value to its person and field, so a sealed name cannot be
// moved to another person or passed off as an address.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { sha256 } from './entry-hash';

export const PII_KEK_BYTES = 32;
export const PII_DATA_KEY_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/** Key store name of KEK version `version`: letters, digits and dashes (safeStorage's rule). */
export function piiKekName(version: number): string {
  return `ledger-pii-kek-v${version}`;
}

export const PII_FIELDS = ['name', 'idNumber', 'address', 'cardNumber'] as const;
export type PiiField = (typeof PII_FIELDS)[number];

function seal(key: Uint8Array, plaintext: Uint8Array, associatedData: string): Buffer {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(Buffer.from(associatedData, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([nonce, body, cipher.getAuthTag()]);
}

/** null if the value was not sealed under this key for this associated data (or was changed). */
function open(key: Uint8Array, sealed: Uint8Array, associatedData: string): Buffer | null {
  if (sealed.length < NONCE_BYTES + TAG_BYTES) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, NONCE_BYTES));
    decipher.setAAD(Buffer.from(associatedData, 'utf8'));
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    return Buffer.concat([decipher.update(sealed.subarray(NONCE_BYTES, sealed.length - TAG_BYTES)), decipher.final()]);
  } catch {
    return null;
  }
}

export function wrapDataKey(kek: Uint8Array, dataKey: Uint8Array, subjectKey: string): Buffer {
  return seal(kek, dataKey, `branch-kiosk/pii-data-key/v1|${subjectKey}`);
}

export function unwrapDataKey(kek: Uint8Array, wrapped: Uint8Array, subjectKey: string): Buffer | null {
  return open(kek, wrapped, `branch-kiosk/pii-data-key/v1|${subjectKey}`);
}

export function sealPiiValue(dataKey: Uint8Array, subjectKey: string, field: PiiField, value: string): Buffer {
  return seal(dataKey, Buffer.from(value, 'utf8'), `branch-kiosk/pii-value/v1|${subjectKey}|${field}`);
}

export function openPiiValue(dataKey: Uint8Array, subjectKey: string, field: PiiField, sealed: Uint8Array): string | null {
  const plain = open(dataKey, sealed, `branch-kiosk/pii-value/v1|${subjectKey}|${field}`);
  return plain === null ? null : plain.toString('utf8');
}

/** What the hashed entry body records about a sealed value: SHA-256 of the sealed bytes. */
export function sealedCommitment(sealed: Uint8Array): string {
  return sha256(sealed).toString('hex');
}

export function newDataKey(): Buffer {
  return randomBytes(PII_DATA_KEY_BYTES);
}
