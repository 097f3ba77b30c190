// Runs in Node (main process, dev host, CLI). Verification of a ledger file: the hash chain, the
// signatures, the checkpoints and the head anchor. Used by Ledger.verifyChain(), by the start-up
// tail check and by `kioskctl ledger verify`; it only reads.
//
// Speed: an Ed25519 verification costs ~100 µs, a million of them far more than the 5 s budget
// for a million entries. A checkpoint signs the Merkle root of its entries' hashes and a digest of
// their signatures, so one checkpoint signature stands for all of them: entries inside a
// checkpoint have their hashes re-computed and their signatures hashed, and only when a
// checkpoint fails are the entry signatures in its range checked one by one, to name the entry.
// Entries after the last checkpoint are checked one by one. `signatures: 'all'` checks every one.
import type { Database, Statement } from 'better-sqlite3';
import { createHash, type KeyObject } from 'node:crypto';
import { computeEntryHash, GENESIS_PREV_HASH, HASH_BYTES } from './entry-hash';
import { readHeadAnchor } from './head-anchor';
import { merkleRoot } from './merkle';
import { keyIdOf, publicKeyObject, UNSIGNED_PLACEHOLDER, verifyCheckpointSignature, verifyEntrySignature, PUBLIC_KEY_BYTES } from './signing';

export type VerifyFailureCode =
  /** The entry's stored hash is not the hash of its contents: the entry (or its hash) was changed. */
  | 'hash_mismatch'
  /** The entry is missing (deleted, or lost with a truncated WAL): the numbering jumps past it, or the ledger ends before it. */
  | 'gap'
  /** The entry is intact but not where it belongs: it links to another predecessor, or was moved from another seq. */
  | 'reordered'
  /** The entry's signature is missing, damaged, or made with a key other than the ledger's (or the pinned) key. */
  | 'bad_signature'
  /** A checkpoint does not match the entries it covers, is not signed by the key, or breaks the run of checkpoints. */
  | 'checkpoint_mismatch';

export interface VerifyFailure {
  readonly code: VerifyFailureCode;
  /** The first bad entry (for a checkpoint, the last entry it covers). */
  readonly seq: number;
  /** Why, for people; names fields and numbers, never entry contents. */
  readonly detail: string;
}

export interface VerifyOptions {
  /** The key pinned at enrolment. Without it the key recorded in the file is used (and can only show damage, not a re-signed forgery). */
  readonly publicKey?: Uint8Array;
  /** 'checkpointed' (default) lets a checkpoint signature stand for the entry signatures it covers. */
  readonly signatures?: 'checkpointed' | 'all';
  /** Verify only from the last checkpoint on (the start-up check). */
  readonly tailOnly?: boolean;
  /** The head anchor file to compare the end of the ledger with; null to skip. */
  readonly anchorPath?: string | null;
  /** Treat a missing head anchor as lost entries (the kiosk's own start-up check). */
  readonly requireAnchor?: boolean;
  /**
   * The first `checkpoints` checkpoint ranges were already checked by verifyRangeInBulk (on worker
   * threads, parallel-verify.ts), the last of them ending in `lastHash`. Their numbering is still
   * checked here.
   */
  readonly verifiedInBulk?: { readonly checkpoints: number; readonly lastHash: Uint8Array; readonly kioskId: string };
}

export interface VerifyReport {
  readonly count: number;
  readonly head: { readonly seq: number; readonly hash: string } | null;
  /** First seq verified (1 unless tailOnly). */
  readonly verifiedFrom: number;
  readonly checkpoints: number;
  /** Entries before this seq were written unsigned by slice 1; null if no key is recorded. */
  readonly signedFromSeq: number | null;
  readonly publicKey: string | null;
  readonly anchor: 'matched' | 'absent' | 'unreadable' | 'not_checked';
}

export type VerifyOutcome = { readonly ok: true; readonly value: VerifyReport } | { readonly ok: false; readonly error: VerifyFailure };

export interface LedgerMeta {
  readonly publicKey: Buffer | null;
  readonly signingKeyId: string | null;
  readonly signedFromSeq: number | null;
  readonly values: ReadonlyMap<string, string>;
}

export function readLedgerMeta(db: Database): LedgerMeta {
  const exists = db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'ledger_meta'").get();
  const values = new Map<string, string>();
  if (exists !== undefined) {
    for (const row of db.prepare('SELECT name, value FROM ledger_meta').all() as { name: string; value: string }[]) values.set(row.name, row.value);
  }
  const publicKeyHex = values.get('public_key');
  const publicKey = publicKeyHex !== undefined && /^[0-9a-f]{64}$/.test(publicKeyHex) ? Buffer.from(publicKeyHex, 'hex') : null;
  const signedFrom = Number(values.get('signed_from_seq'));
  return {
    publicKey,
    signingKeyId: values.get('signing_key_id') ?? null,
    signedFromSeq: Number.isSafeInteger(signedFrom) && signedFrom >= 1 ? signedFrom : null,
    values,
  };
}

export interface CheckpointRow {
  readonly number: number;
  readonly first_seq: number;
  readonly last_seq: number;
  readonly merkle_root: Buffer;
  readonly signatures_digest: Buffer;
  readonly recorded_at: string;
  readonly signature: Buffer;
  readonly signing_key_id: string;
}

type EntryTuple = [number, string, string, string, string, string, Buffer, Buffer, Buffer | null, string | null];
const ENTRY_SELECT = 'SELECT seq, recorded_at, kiosk_id, session_id, kind, body, prev_hash, hash, signature, signing_key_id FROM entries';

function fail(code: VerifyFailureCode, seq: number, detail: string): VerifyOutcome {
  return { ok: false, error: { code, seq, detail } };
}

function hasTable(db: Database, name: string): boolean {
  return db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?").get(name) !== undefined;
}

/** Throws only what SQLite throws (the caller maps it to a LedgerError). */
export function verifyLedgerDatabase(db: Database, options: VerifyOptions = {}): VerifyOutcome {
  const meta = readLedgerMeta(db);
  const signedFrom = meta.signedFromSeq;
  const pinned = options.publicKey === undefined ? null : Buffer.from(options.publicKey);
  if (pinned !== null && pinned.length !== PUBLIC_KEY_BYTES) throw new RangeError('a pinned Ed25519 public key is 32 bytes');
  const firstSigned = signedFrom ?? 1;
  if (pinned !== null && (meta.publicKey === null || !meta.publicKey.equals(pinned))) {
    return fail('bad_signature', firstSigned, meta.publicKey === null ? 'the ledger records no signing key' : `the ledger is signed with key ${keyIdOf(meta.publicKey)}, not the pinned ${keyIdOf(pinned)}`);
  }
  // The key and the first signed seq come together (registerSigningKey); one without the other,
  // or a key id that is not the key's, means the metadata was changed.
  const anyKeyMeta = meta.values.has('public_key') || meta.values.has('signed_from_seq') || meta.values.has('signing_key_id');
  if (anyKeyMeta && (meta.publicKey === null || signedFrom === null || meta.signingKeyId !== keyIdOf(meta.publicKey))) {
    return fail('bad_signature', signedFrom ?? 1, 'the signing key recorded in the ledger is damaged');
  }
  const key = pinned ?? meta.publicKey;
  const keyObject: KeyObject | null = key === null ? null : publicKeyObject(key);
  const keyId = key === null ? null : keyIdOf(key);
  const checkAll = options.signatures === 'all';

  const allCheckpoints: CheckpointRow[] = hasTable(db, 'checkpoints') ? (db.prepare('SELECT * FROM checkpoints ORDER BY number').all() as CheckpointRow[]) : [];
  let checkpoints = allCheckpoints;
  let startSeq = 1;
  if (options.tailOnly === true && allCheckpoints.length > 0) {
    checkpoints = allCheckpoints.slice(-1);
    startSeq = Math.max(1, Math.min(checkpoints[0]!.first_seq, Number.MAX_SAFE_INTEGER));
  }
  let expectedPrev: Buffer = GENESIS_PREV_HASH;
  if (startSeq > 1) {
    const before = db.prepare('SELECT hash FROM entries WHERE seq = ?').get(startSeq - 1) as { hash: Buffer } | undefined;
    if (before === undefined) return fail('gap', startSeq - 1, `entry ${startSeq - 1} is missing`);
    expectedPrev = before.hash;
  }

  let expectedSeq = startSeq;
  let head: VerifyReport['head'] = null;
  let lastKioskId = '';
  // The checkpoint expected next, and the range being collected for it.
  let checkpointIndex = 0;
  let expectedCheckpointNumber = checkpoints[0]?.number ?? 1;
  let expectedCheckpointFirst = startSeq;
  if (options.tailOnly !== true && checkpoints.length > 0 && checkpoints[0]!.number !== 1) expectedCheckpointNumber = 1;
  let inRange: CheckpointRow | null = null;
  let leaves: Buffer[] = [];
  let rangeSignatures: (Buffer | null)[] = [];
  let rangeSeqs: number[] = [];
  let digest = createHash('sha256');

  // Fast path: whole checkpoint ranges checked in bulk. It only answers "all fine"; at the first
  // range it cannot vouch for, the entry-by-entry loop below takes over from that range's start
  // and names the failure, so the two paths always report the same thing.
  if (!checkAll && signedFrom !== null && keyObject !== null && keyId !== null) {
    const prefix = options.tailOnly === true ? undefined : options.verifiedInBulk;
    if (prefix !== undefined && prefix.checkpoints > 0 && prefix.checkpoints <= checkpoints.length) {
      const runs = checkpoints.slice(0, prefix.checkpoints).every((checkpoint, index) => checkpoint.number === index + 1 && checkpoint.first_seq === (index === 0 ? 1 : checkpoints[index - 1]!.last_seq + 1) && checkpoint.first_seq >= signedFrom);
      if (runs) {
        const last = checkpoints[prefix.checkpoints - 1]!;
        expectedPrev = Buffer.from(prefix.lastHash);
        lastKioskId = prefix.kioskId;
        head = { seq: last.last_seq, hash: expectedPrev.toString('hex') };
        expectedSeq = last.last_seq + 1;
        expectedCheckpointNumber = last.number + 1;
        expectedCheckpointFirst = last.last_seq + 1;
        checkpointIndex = prefix.checkpoints;
      }
    }
    while (checkpointIndex < checkpoints.length) {
      const checkpoint = checkpoints[checkpointIndex]!;
      if (checkpoint.number !== expectedCheckpointNumber || checkpoint.first_seq !== expectedCheckpointFirst || checkpoint.first_seq < signedFrom) break;
      const verified = verifyRangeInBulk(db, checkpoint, expectedPrev, keyObject, keyId);
      if (verified === null) break;
      expectedPrev = verified.lastHash;
      lastKioskId = verified.kioskId;
      head = { seq: checkpoint.last_seq, hash: verified.lastHash.toString('hex') };
      expectedSeq = checkpoint.last_seq + 1;
      expectedCheckpointNumber = checkpoint.number + 1;
      expectedCheckpointFirst = checkpoint.last_seq + 1;
      checkpointIndex++;
    }
  }

  const statement = db.prepare(`${ENTRY_SELECT} WHERE seq >= ? ORDER BY seq`).raw();
  for (const tuple of statement.iterate(expectedSeq) as IterableIterator<EntryTuple>) {
    const [seq, recordedAt, kioskId, sessionId, kind, body, prevHash, hash, signature, signingKeyId] = tuple;
    if (seq !== expectedSeq) return fail('gap', expectedSeq, `entry ${expectedSeq} is missing (the next stored entry is ${seq})`);
    const prevOk = prevHash.length === HASH_BYTES;
    const recomputed = computeEntryHash({ seq, recordedAt, kioskId, sessionId, kind, body, prevHash: prevOk ? prevHash : GENESIS_PREV_HASH });
    if (!prevOk || !recomputed.equals(hash)) {
      const belongsAt = prevOk ? displacedFrom(db, seq, tuple) : null;
      if (belongsAt !== null) return fail('reordered', seq, `entry ${seq} holds the intact entry ${belongsAt}`);
      return fail('hash_mismatch', seq, `entry ${seq} does not hash to its stored hash`);
    }
    if (!prevHash.equals(expectedPrev)) return fail('reordered', seq, `entry ${seq} does not link to entry ${seq - 1}`);

    const signed = signedFrom !== null && seq >= signedFrom;
    if (signed) {
      if (signature === null || signature.length !== 64) return fail('bad_signature', seq, `entry ${seq} has no signature`);
      if (signingKeyId !== keyId) return fail('bad_signature', seq, `entry ${seq} names signing key ${String(signingKeyId)}`);
    } else if (signature !== null || signingKeyId !== null) {
      // Entries before signing started have none; a signature here means signed_from_seq was moved.
      return fail('bad_signature', seq, `entry ${seq} is signed but the ledger says signing started at ${String(signedFrom)}`);
    }

    // Checkpoint bookkeeping.
    if (inRange === null && seq === expectedCheckpointFirst && checkpointIndex < checkpoints.length) {
      const next = checkpoints[checkpointIndex]!;
      if (next.number !== expectedCheckpointNumber || next.first_seq !== expectedCheckpointFirst) {
        return fail('checkpoint_mismatch', seq, `checkpoint ${next.number} covers ${next.first_seq}..${next.last_seq}; expected checkpoint ${expectedCheckpointNumber} from ${expectedCheckpointFirst}`);
      }
      inRange = next;
      leaves = [];
      rangeSignatures = [];
      rangeSeqs = [];
      digest = createHash('sha256');
    }
    if (inRange !== null) {
      leaves.push(hash);
      rangeSignatures.push(signed ? signature : null);
      rangeSeqs.push(seq);
      digest.update(signed && signature !== null ? signature : UNSIGNED_PLACEHOLDER);
      if (checkAll && signed && !verifyEntrySignature(keyObject!, hash, signature)) return fail('bad_signature', seq, `entry ${seq}'s signature does not verify`);
      if (seq === inRange.last_seq) {
        const checkpoint = inRange;
        const fields = {
          kioskId,
          number: checkpoint.number,
          firstSeq: checkpoint.first_seq,
          lastSeq: checkpoint.last_seq,
          merkleRoot: checkpoint.merkle_root,
          signaturesDigest: checkpoint.signatures_digest,
          recordedAt: checkpoint.recorded_at,
        };
        const rootOk = merkleRoot(leaves).equals(checkpoint.merkle_root);
        const digestOk = digest.digest().equals(checkpoint.signatures_digest);
        const signatureOk = keyObject !== null && checkpoint.signing_key_id === keyId && verifyCheckpointSignature(keyObject, fields, checkpoint.signature);
        if (!rootOk || !digestOk || !signatureOk) {
          // Name the entry if one is to blame: a damaged entry signature changes the digest, a
          // re-keyed ledger fails both the checkpoint and its entries.
          for (let index = 0; index < rangeSeqs.length; index++) {
            const entrySignature = rangeSignatures[index] ?? null;
            if (entrySignature !== null && (keyObject === null || !verifyEntrySignature(keyObject, leaves[index]!, entrySignature))) {
              return fail('bad_signature', rangeSeqs[index]!, `entry ${rangeSeqs[index]!}'s signature does not verify`);
            }
          }
          const why = !rootOk ? 'Merkle root' : !digestOk ? 'signatures digest' : 'signature';
          return fail('checkpoint_mismatch', seq, `checkpoint ${checkpoint.number} (${checkpoint.first_seq}..${checkpoint.last_seq}): its ${why} does not match`);
        }
        inRange = null;
        checkpointIndex++;
        expectedCheckpointNumber = checkpoint.number + 1;
        expectedCheckpointFirst = checkpoint.last_seq + 1;
      }
    } else if (signed && !verifyEntrySignature(keyObject!, hash, signature)) {
      return fail('bad_signature', seq, `entry ${seq}'s signature does not verify`);
    }

    expectedPrev = hash;
    lastKioskId = kioskId;
    head = { seq, hash: hash.toString('hex') };
    expectedSeq++;
  }
  const count = expectedSeq - 1;
  if (inRange !== null || checkpointIndex < checkpoints.length) {
    const checkpoint = inRange ?? checkpoints[checkpointIndex]!;
    // A genuine (validly signed, in sequence) checkpoint past the end means entries were lost;
    // anything else is a damaged checkpoint.
    const genuine =
      keyObject !== null &&
      head !== null &&
      checkpoint.number === expectedCheckpointNumber &&
      checkpoint.first_seq === expectedCheckpointFirst &&
      checkpoint.signing_key_id === keyId &&
      verifyCheckpointSignature(
        keyObject,
        {
          kioskId: lastKioskId,
          number: checkpoint.number,
          firstSeq: checkpoint.first_seq,
          lastSeq: checkpoint.last_seq,
          merkleRoot: checkpoint.merkle_root,
          signaturesDigest: checkpoint.signatures_digest,
          recordedAt: checkpoint.recorded_at,
        },
        checkpoint.signature,
      );
    if (genuine && checkpoint.last_seq > count) return fail('gap', count + 1, `checkpoint ${checkpoint.number} covers entries up to ${checkpoint.last_seq}, the ledger ends at ${count}`);
    return fail('checkpoint_mismatch', Math.min(checkpoint.last_seq, Math.max(count, 1)), `checkpoint ${checkpoint.number} (${checkpoint.first_seq}..${checkpoint.last_seq}) does not match the entries`);
  }

  let anchor: VerifyReport['anchor'] = 'not_checked';
  if (options.anchorPath != null && keyObject !== null && signedFrom !== null) {
    const reading = readHeadAnchor(options.anchorPath, keyObject);
    anchor = reading.state === 'present' ? 'matched' : reading.state;
    if (reading.state === 'present') {
      const anchored = reading.anchor;
      if (anchored.seq > count) return fail('gap', count + 1, `the ledger ends at ${count} but entry ${anchored.seq} was committed (head anchor)`);
      const stored = db.prepare('SELECT hash FROM entries WHERE seq = ?').get(anchored.seq) as { hash: Buffer } | undefined;
      if (stored === undefined || !stored.hash.equals(anchored.hash)) return fail('hash_mismatch', anchored.seq, `entry ${anchored.seq} is not the one the head anchor names`);
    } else if (options.requireAnchor === true && count >= signedFrom) {
      return fail('gap', count + 1, `the head anchor is ${reading.state}, so lost entries after ${count} could not be ruled out`);
    }
  }
  return {
    ok: true,
    value: {
      count,
      head,
      verifiedFrom: startSeq,
      checkpoints: checkpoints.length === allCheckpoints.length ? allCheckpoints.length : allCheckpoints.length,
      signedFromSeq: signedFrom,
      publicKey: key === null ? null : key.toString('hex'),
      anchor,
    },
  };
}

// No ORDER BY inside group_concat: it sorts (doubling the query's cost), while a rowid range scan
// already yields seq order. Correctness does not rest on that: out-of-order blobs would fail the
// hash checks below and send the range to the entry-by-entry path.
const BULK_BLOBS = `SELECT count(*), group_concat(hex(prev_hash), ''), group_concat(hex(hash), ''), group_concat(hex(signature), ''),
  sum(signing_key_id IS NOT ? OR signature IS NULL OR length(signature) <> 64 OR length(hash) <> 32 OR length(prev_hash) <> 32)
  FROM entries WHERE seq BETWEEN ? AND ?`;
const BULK_TEXT = 'SELECT seq, recorded_at, kiosk_id, session_id, kind, body FROM entries WHERE seq BETWEEN ? AND ? ORDER BY seq';

const bulkStatements = new WeakMap<Database, { readonly blobs: Statement; readonly text: Statement }>();

function bulkStatementsFor(db: Database): { readonly blobs: Statement; readonly text: Statement } {
  let statements = bulkStatements.get(db);
  if (statements === undefined) bulkStatements.set(db, (statements = { blobs: db.prepare(BULK_BLOBS).raw(), text: db.prepare(BULK_TEXT).raw() }));
  return statements;
}

/**
 * Checks one checkpoint's range at once: every entry's hash and link, the signature metadata, the
 * Merkle root, the signatures digest and the checkpoint signature. The blobs come as one hex string
 * per column (SQLite's group_concat), because a Buffer per blob per row costs more than all the
 * hashing. null means "not all fine", never why.
 */
export function verifyRangeInBulk(db: Database, checkpoint: CheckpointRow, expectedPrev: Buffer, keyObject: KeyObject, keyId: string): { lastHash: Buffer; kioskId: string } | null {
  const first = checkpoint.first_seq;
  const count = checkpoint.last_seq - first + 1;
  const statements = bulkStatementsFor(db);
  const [rowCount, prevHex, hashHex, signatureHex, badMetadata] = statements.blobs.get(keyId, first, checkpoint.last_seq) as [number, string | null, string | null, string | null, number | null];
  if (rowCount !== count || badMetadata !== 0 || prevHex === null || hashHex === null || signatureHex === null) return null;
  const prevs = Buffer.from(prevHex, 'hex');
  const hashes = Buffer.from(hashHex, 'hex');
  const signatures = Buffer.from(signatureHex, 'hex');
  if (prevs.length !== count * HASH_BYTES || hashes.length !== count * HASH_BYTES || signatures.length !== count * 64) return null;
  if (expectedPrev.compare(prevs, 0, HASH_BYTES) !== 0) return null;
  // Every later prev_hash is the stored hash before it: one comparison of the two shifted columns.
  if (prevs.compare(hashes, 0, (count - 1) * HASH_BYTES, HASH_BYTES, count * HASH_BYTES) !== 0) return null;
  const rows = statements.text.all(first, checkpoint.last_seq) as [number, string, string, string, string, string][];
  if (rows.length !== count) return null;
  const leaves: Buffer[] = new Array<Buffer>(count);
  for (let index = 0; index < count; index++) {
    const [seq, recordedAt, kioskId, sessionId, kind, body] = rows[index]!;
    const at = index * HASH_BYTES;
    if (seq !== first + index) return null;
    const recomputed = computeEntryHash({ seq, recordedAt, kioskId, sessionId, kind, body, prevHash: prevs.subarray(at, at + HASH_BYTES) });
    if (recomputed.compare(hashes, at, at + HASH_BYTES) !== 0) return null;
    leaves[index] = recomputed;
  }
  const kioskId = rows[count - 1]![2];
  if (checkpoint.signing_key_id !== keyId) return null;
  if (!merkleRoot(leaves).equals(checkpoint.merkle_root)) return null;
  if (!createHash('sha256').update(signatures).digest().equals(checkpoint.signatures_digest)) return null;
  const fields = {
    kioskId,
    number: checkpoint.number,
    firstSeq: first,
    lastSeq: checkpoint.last_seq,
    merkleRoot: checkpoint.merkle_root,
    signaturesDigest: checkpoint.signatures_digest,
    recordedAt: checkpoint.recorded_at,
  };
  if (!verifyCheckpointSignature(keyObject, fields, checkpoint.signature)) return null;
  return { lastHash: leaves[count - 1]!, kioskId };
}

/**
 * For an entry whose hash does not match where it is stored: if it is an intact entry from another
 * seq (its prev_hash names the entry before that seq), that seq; otherwise null. Only runs on
 * failure, so the full-table look-up by hash costs nothing on the normal path.
 */
function displacedFrom(db: Database, storedAt: number, tuple: EntryTuple): number | null {
  const [, recordedAt, kioskId, sessionId, kind, body, prevHash, hash] = tuple;
  const candidates = new Set<number>();
  if (prevHash.equals(GENESIS_PREV_HASH)) candidates.add(1);
  else {
    // Where its predecessor is stored now, which is its own seq less one unless that moved too.
    const predecessor = db.prepare('SELECT seq FROM entries WHERE hash = ?').get(prevHash) as { seq: number } | undefined;
    if (predecessor !== undefined) candidates.add(predecessor.seq + 1);
    // Two swapped entries each sit where the other belongs: search nearby seqs too.
    for (let distance = 1; distance <= DISPLACEMENT_WINDOW; distance++) {
      candidates.add(storedAt - distance);
      candidates.add(storedAt + distance);
    }
  }
  for (const claimed of candidates) {
    if (claimed < 1 || claimed === storedAt) continue;
    if (computeEntryHash({ seq: claimed, recordedAt, kioskId, sessionId, kind, body, prevHash }).equals(hash)) return claimed;
  }
  return null;
}

const DISPLACEMENT_WINDOW = 1024;
