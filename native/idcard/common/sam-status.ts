// Runs anywhere (pure). SW3 result codes of the SAM protocol (hardware-protocols.md §1.4).
// The code string is stable (`SAM_STATUS_41`); descriptions are for logs and technicians.
import type { IdCardError } from './types';

export const SAM_STATUS_DESCRIPTIONS: ReadonlyMap<number, string> = new Map([
  [0x90, 'Success'],
  [0x91, 'The card has no data for this item'],
  [0x9f, 'Find card succeeded'],
  [0x10, 'Checksum error in the terminal frame'],
  [0x11, 'Length error or receive timeout'],
  [0x21, 'Bad command or parameter'],
  [0x23, 'Operation not permitted'],
  [0x24, 'Unrecognised error'],
  [0x31, 'Card failed to authenticate the reader'],
  [0x32, 'Reader failed to authenticate the card'],
  [0x33, 'Information verification error'],
  [0x34, 'No card found yet'],
  [0x40, 'Unknown card type'],
  [0x41, 'Card read failed'],
  [0x47, 'Could not get a random number'],
  [0x50, 'Card write failed'],
  [0x60, 'SAM self-test failed'],
  [0x61, 'User login failed'],
  [0x66, 'SAM not authorised or keys not downloaded'],
  [0x80, 'Find card failed (no card)'],
  [0x81, 'Select card failed'],
]);

/** Every SW3 that reports a failure (all of §1.4 but 90, 91 and 9F). */
export const FAILING_SW3: readonly number[] = [...SAM_STATUS_DESCRIPTIONS.keys()].filter(
  (sw3) => sw3 !== 0x90 && sw3 !== 0x91 && sw3 !== 0x9f,
);

export function hexByte(value: number): string {
  return value.toString(16).toUpperCase().padStart(2, '0');
}

export function samStatusCode(sw3: number): `SAM_STATUS_${string}` {
  return `SAM_STATUS_${hexByte(sw3)}`;
}

export function describeSamStatus(sw3: number): string {
  return SAM_STATUS_DESCRIPTIONS.get(sw3) ?? 'Undocumented status';
}

export function samStatusError(sw3: number): IdCardError {
  return { code: samStatusCode(sw3), sw3: hexByte(sw3), detail: describeSamStatus(sw3) };
}
