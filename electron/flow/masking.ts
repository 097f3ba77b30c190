// Runs anywhere (pure). What the screen may show of a person: enough for them to recognise
// their own card, too little for an onlooker to learn who they are.

const MASK = '*';

/** "测试甲" → "测**": the first character only. Works on code points, not UTF-16 units. */
export function maskName(name: string): string {
  const characters = Array.from(name.trim());
  if (characters.length === 0) return '';
  return characters[0] + MASK.repeat(Math.max(1, characters.length - 1));
}

/** "11010519491231002X" → "1101********002X": the region's first four and the last four. */
export function maskIdNumber(idNumber: string): string {
  const clean = idNumber.trim();
  if (clean.length <= 8) return MASK.repeat(clean.length);
  return `${clean.slice(0, 4)}${MASK.repeat(8)}${clean.slice(-4)}`;
}
