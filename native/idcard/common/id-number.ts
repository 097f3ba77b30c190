// Runs anywhere (pure). GB 11643 citizen ID numbers: ISO 7064 MOD 11-2 check character.
// The same check covers 'J' cards (81/82/83 prefix) and 2023 permanent-residence cards (9 prefix).
// The region code is never validated: it records where someone first registered and may be
// long out of date (GB/T 2260 changes).

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;
const CHECK_CHARACTERS = '10X98765432';

/** The check character for the first 17 digits, or undefined when they are not 17 digits. */
export function checkCharacter(first17: string): string | undefined {
  if (!/^\d{17}$/.test(first17)) return undefined;
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += (first17.charCodeAt(i) - 48) * WEIGHTS[i]!;
  return CHECK_CHARACTERS[sum % 11];
}

/** True for an 18-character number whose last character matches the MOD 11-2 check ('x' accepted as 'X'). */
export function isValidIdNumber(idNumber: string): boolean {
  if (idNumber.length !== 18) return false;
  const expected = checkCharacter(idNumber.slice(0, 17));
  return expected !== undefined && expected === idNumber[17]!.toUpperCase();
}
