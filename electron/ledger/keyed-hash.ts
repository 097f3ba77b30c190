// Runs in Node (main process, dev host, CLI). The keyed hash that stands in for an ID number in
// the ledger: entries for one person can be found again (by whoever holds the ledger key and the
// card), but the number cannot be read back or brute-forced from the file. A plain SHA-256 would
// not do: an 18-digit ID number with a birth date and check digit has few enough possibilities to
// enumerate in hours.
import { createHmac } from 'node:crypto';

/** The key store entry that holds the HMAC key. */
export const ID_NUMBER_KEY_NAME = 'ledger-id-number-hmac';
export const ID_NUMBER_KEY_BYTES = 32;

/**
 * The form that is hashed: surrounding whitespace removed, letters upper-cased. The only letter in
 * an 18-character resident ID number is the check character X, which readers and people write
 * either way; upper-casing also settles the letters of older foreign permanent-residence numbers.
 * Never change this once keys exist, or look-ups of earlier entries stop matching.
 */
export function normaliseIdNumber(idNumber: string): string {
  return idNumber.trim().toUpperCase();
}

/** HMAC-SHA-256 of the normalised ID number under `key`, as 64 lowercase hex characters. */
export function keyedIdNumberHash(key: Uint8Array, idNumber: string): string {
  if (key.length < 16) throw new RangeError('the ID number key is too short');
  return createHmac('sha256', key).update(normaliseIdNumber(idNumber), 'utf8').digest('hex');
}
