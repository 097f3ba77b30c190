// Runs anywhere (pure). Card text is UCS-2 little-endian. Decoded by hand so that a damaged
// block (odd length, a lone surrogate) becomes a typed error instead of U+FFFD in a name.
import { err, ok, type Result } from '../../common/result';
import type { IdCardError } from './types';

export function decodeUcs2Le(bytes: Uint8Array, field = 'text'): Result<string, IdCardError> {
  if (bytes.length % 2 !== 0) {
    return err({ code: 'ID_CARD_TEXT_MALFORMED', detail: `${field}: odd UCS-2 byte length ${bytes.length}` });
  }
  const units: number[] = [];
  for (let i = 0; i < bytes.length; i += 2) units.push(bytes[i]! | (bytes[i + 1]! << 8));
  for (let i = 0; i < units.length; i++) {
    const unit = units[i]!;
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = units[i + 1];
      if (next === undefined || next < 0xdc00 || next > 0xdfff) {
        return err({ code: 'ID_CARD_TEXT_MALFORMED', detail: `${field}: unpaired high surrogate at unit ${i}` });
      }
      i++;
    } else if (unit >= 0xdc00 && unit <= 0xdfff) {
      return err({ code: 'ID_CARD_TEXT_MALFORMED', detail: `${field}: unpaired low surrogate at unit ${i}` });
    }
  }
  let text = '';
  for (let i = 0; i < units.length; i += 4096) text += String.fromCharCode(...units.slice(i, i + 4096));
  return ok(text);
}

/**
 * Encodes `text` as UCS-2LE, padded with `pad` to `byteLength` (when given). Used by the
 * simulator and tests; throws on overflow because that is a programming error there.
 */
export function encodeUcs2Le(text: string, byteLength?: number, pad = ' '): Uint8Array {
  const size = byteLength ?? text.length * 2;
  if (text.length * 2 > size) throw new RangeError(`text of ${text.length} units does not fit ${size} bytes`);
  const out = new Uint8Array(size);
  const padUnit = pad.charCodeAt(0);
  for (let i = 0; i < size / 2; i++) {
    const unit = i < text.length ? text.charCodeAt(i) : padUnit;
    out[i * 2] = unit & 0xff;
    out[i * 2 + 1] = unit >> 8;
  }
  return out;
}

/** Cards pad with spaces; some writers use NUL or the ideographic space instead. */
export function trimPadding(text: string): string {
  return text.replace(/^[\s\u0000\u3000]+|[\s\u0000\u3000]+$/g, '');
}
