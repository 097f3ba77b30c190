// Runs anywhere (pure). Just enough ISO 7816-3 ATR parsing to know which protocols the card
// offers: TS, T0, the interface bytes chained by TDi, historical bytes, TCK. A card that offers
// only T=0 sends no TD1. TCK is present only when a protocol other than T=0 is offered; a wrong
// TCK is tolerated (some readers strip or rewrite it) but reported.
import { err, ok, type Result } from '../../common/result';
import type { AnswerToReset, SscardError } from './types';

export interface ParsedAtr extends AnswerToReset {
  readonly convention: 'direct' | 'inverse';
  readonly checkByteValid: boolean | undefined;
}

export function parseAtr(bytes: Uint8Array): Result<ParsedAtr, SscardError> {
  const fail = (detail: string) => err<SscardError>({ code: 'CARD_ATR_INVALID', detail });
  if (bytes.length < 2) return fail(`${bytes.length} bytes`);
  const ts = bytes[0]!;
  if (ts !== 0x3b && ts !== 0x3f) return fail(`TS ${ts.toString(16)}`);
  const protocols = new Set<0 | 1>();
  let at = 1;
  let y = bytes[at]! >> 4;
  const historicalCount = bytes[at]! & 0x0f;
  at += 1;
  let level = 1;
  for (;;) {
    let td: number | undefined;
    for (const mask of [0x1, 0x2, 0x4, 0x8]) {
      if ((y & mask) === 0) continue;
      if (at >= bytes.length) return fail('interface bytes run past the end');
      if (mask === 0x8) td = bytes[at];
      at += 1;
    }
    if (td === undefined) break;
    const protocol = td & 0x0f;
    if (protocol === 0 || protocol === 1) protocols.add(protocol);
    y = td >> 4;
    level += 1;
    if (level > 8) return fail('too many interface levels');
  }
  if (protocols.size === 0) protocols.add(0);
  if (at + historicalCount > bytes.length) return fail('historical bytes run past the end');
  const historicalBytes = bytes.slice(at, at + historicalCount);
  at += historicalCount;
  const needsTck = [...protocols].some((p) => p !== 0);
  let checkByteValid: boolean | undefined;
  if (needsTck && at < bytes.length) {
    let x = 0;
    for (let i = 1; i <= at; i++) x ^= bytes[i]!;
    checkByteValid = x === 0;
  }
  return ok({
    bytes: bytes.slice(),
    protocols: [...protocols],
    historicalBytes,
    convention: ts === 0x3b ? 'direct' : 'inverse',
    checkByteValid,
  });
}

/** Appends TCK to an ATR body (simulator). */
export function withCheckByte(body: Uint8Array): Uint8Array {
  const out = new Uint8Array(body.length + 1);
  out.set(body);
  let x = 0;
  for (let i = 1; i < body.length; i++) x ^= body[i]!;
  out[body.length] = x;
  return out;
}
