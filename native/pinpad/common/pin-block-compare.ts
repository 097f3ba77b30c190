// Runs anywhere (pure). "Is the confirmation the same PIN as the new one?" without seeing either:
// format 0 under one working key and one account is deterministic, so equal PINs give equal
// blocks. Compared in constant time so the comparison leaks nothing about where blocks differ.
import type { PinEntry } from './types';

export function samePin(a: PinEntry, b: PinEntry): boolean {
  if (a.algorithm !== b.algorithm || a.keyCheckValue !== b.keyCheckValue || a.pinBlock.length !== b.pinBlock.length) return false;
  let difference = 0;
  for (let i = 0; i < a.pinBlock.length; i++) difference |= a.pinBlock[i]! ^ b.pinBlock[i]!;
  return difference === 0;
}
