// Runs in Node (main process, dev host, CLI). The hash that chains ledger entries together.
//
// hash = SHA-256 of, in order:
//   tag          the ASCII text `branch-kiosk/ledger-entry/v1`, length-prefixed
//   seq          8 bytes, unsigned big-endian
//   recorded_at  length-prefixed UTF-8 (ISO-8601 UTC with milliseconds, as stored)
//   kiosk_id     length-prefixed UTF-8
//   session_id   length-prefixed UTF-8
//   kind         length-prefixed UTF-8
//   body         length-prefixed UTF-8 (the canonical JSON, as stored)
//   prev_hash    32 raw bytes (the previous entry's hash; 32 zero bytes for seq 1)
// where length-prefixed means a 4-byte unsigned big-endian byte count, then the bytes. Fixed
// widths and length prefixes make the encoding unambiguous: no two different entries share one,
// whatever their strings contain. The tag names the format, so a later format (say, one that
// covers encrypted PII columns) is a new tag and old entries still verify under v1.
//
// Never change this encoding once entries exist: every stored hash depends on it.
import * as crypto from 'node:crypto';
import { createHash } from 'node:crypto';

export const ENTRY_HASH_TAG = 'branch-kiosk/ledger-entry/v1';
export const HASH_BYTES = 32;
/** prev_hash of the first entry. */
export const GENESIS_PREV_HASH: Buffer = Buffer.alloc(HASH_BYTES);

export interface HashedEntryFields {
  readonly seq: number;
  readonly recordedAt: string;
  readonly kioskId: string;
  readonly sessionId: string;
  readonly kind: string;
  /** Canonical JSON, exactly as stored. */
  readonly body: string;
  readonly prevHash: Uint8Array;
}

export function computeEntryHash(fields: HashedEntryFields): Buffer {
  if (!Number.isSafeInteger(fields.seq) || fields.seq < 1) throw new RangeError('seq must be a positive safe integer');
  if (fields.prevHash.length !== HASH_BYTES) throw new RangeError(`prevHash must be ${HASH_BYTES} bytes`);
  // One reused buffer and one one-shot hash: verifying a million entries is dominated by this
  // function. The bytes are exactly those of the documented encoding above.
  const { recordedAt, kioskId, sessionId, kind, body } = fields;
  // UTF-8 needs at most 3 bytes per UTF-16 code unit.
  const bound = TAG_PREFIXED.length + 8 + HASH_BYTES + 20 + 3 * (recordedAt.length + kioskId.length + sessionId.length + kind.length + body.length);
  if (scratch.length < bound) scratch = Buffer.allocUnsafe(Math.max(bound, 2 * scratch.length));
  const bytes = scratch;
  let offset = TAG_PREFIXED.copy(bytes, 0);
  // The seq as two 32-bit halves: the same 8 big-endian bytes as writeBigUInt64BE, without a BigInt.
  bytes.writeUInt32BE(Math.floor(fields.seq / 0x1_0000_0000), offset);
  bytes.writeUInt32BE(fields.seq >>> 0, offset + 4);
  offset += 8;
  offset = writeLengthPrefixed(bytes, offset, recordedAt);
  offset = writeLengthPrefixed(bytes, offset, kioskId);
  offset = writeLengthPrefixed(bytes, offset, sessionId);
  offset = writeLengthPrefixed(bytes, offset, kind);
  offset = writeLengthPrefixed(bytes, offset, body);
  bytes.set(fields.prevHash, offset);
  return sha256(bytes.subarray(0, offset + HASH_BYTES));
}

let scratch: Buffer = Buffer.allocUnsafe(4096);

function writeLengthPrefixed(bytes: Buffer, offset: number, text: string): number {
  const length = bytes.write(text, offset + 4, 'utf8');
  bytes.writeUInt32BE(length, offset);
  return offset + 4 + length;
}

const TAG_PREFIXED = lengthPrefixed(ENTRY_HASH_TAG);

/** SHA-256 in one call (crypto.hash, Node 20.12+), falling back to createHash elsewhere. */
export const sha256: (data: Uint8Array) => Buffer =
  typeof (crypto as { hash?: unknown }).hash === 'function'
    ? (data) => (crypto as unknown as { hash(algorithm: string, data: Uint8Array, encoding: 'buffer'): Buffer }).hash('sha256', data, 'buffer')
    : (data) => createHash('sha256').update(data).digest();

export function lengthPrefixed(text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
}
