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
  const seq = Buffer.alloc(8);
  seq.writeBigUInt64BE(BigInt(fields.seq));
  return createHash('sha256')
    .update(lengthPrefixed(ENTRY_HASH_TAG))
    .update(seq)
    .update(lengthPrefixed(fields.recordedAt))
    .update(lengthPrefixed(fields.kioskId))
    .update(lengthPrefixed(fields.sessionId))
    .update(lengthPrefixed(fields.kind))
    .update(lengthPrefixed(fields.body))
    .update(fields.prevHash)
    .digest();
}

function lengthPrefixed(text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
}
