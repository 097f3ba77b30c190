// Runs in Node (main process, dev host, CLI). Inclusion proofs: everything needed to show, without
// the database, that an entry is part of this kiosk's ledger: the entry's fields (so its hash can
// be recomputed), its signature, the signed checkpoint covering it, and the Merkle path from the
// entry's hash to the checkpoint's root. The format is documented in docs/ledger-format.md.
import type { Database } from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { toString as qrCodeToString } from 'qrcode';
import { err, ok, type Result } from '../../native/common/result';
import { computeEntryHash } from './entry-hash';
import { inclusionPath, rootFromInclusionPath } from './merkle';
import { keyIdOf, publicKeyObject, verifyCheckpointSignature, verifyEntrySignature } from './signing';
import { readLedgerMeta } from './verify';

export const PROOF_FORMAT = 'branch-kiosk/ledger-proof/v1';

export interface InclusionProof {
  readonly format: typeof PROOF_FORMAT;
  /** The ledger's public key (hex); check it against the key you trust (checkProof's pinned key). */
  readonly publicKey: string;
  readonly entry: {
    readonly seq: number;
    readonly recordedAt: string;
    readonly kioskId: string;
    readonly sessionId: string;
    readonly kind: string;
    /** Canonical JSON, exactly as hashed. */
    readonly body: string;
    readonly prevHash: string;
    readonly hash: string;
    readonly signature: string;
  };
  readonly checkpoint: {
    readonly number: number;
    readonly firstSeq: number;
    readonly lastSeq: number;
    readonly merkleRoot: string;
    readonly signaturesDigest: string;
    readonly recordedAt: string;
    readonly signature: string;
  };
  /** Sibling hashes from the entry up to the root (RFC 9162 inclusion path; leaf index = seq - firstSeq). */
  readonly path: readonly string[];
}

/** null if the entry does not exist, is unsigned, or no checkpoint covers it yet. */
export function buildInclusionProof(db: Database, seq: number): InclusionProof | null {
  if (!Number.isSafeInteger(seq) || seq < 1) return null;
  const meta = readLedgerMeta(db);
  if (meta.publicKey === null) return null;
  const checkpoint = db.prepare('SELECT * FROM checkpoints WHERE first_seq <= ? AND last_seq >= ? ORDER BY number LIMIT 1').get(seq, seq) as
    | { number: number; first_seq: number; last_seq: number; merkle_root: Buffer; signatures_digest: Buffer; recorded_at: string; signature: Buffer }
    | undefined;
  if (checkpoint === undefined) return null;
  const entry = db.prepare('SELECT * FROM entries WHERE seq = ?').get(seq) as
    | { seq: number; recorded_at: string; kiosk_id: string; session_id: string; kind: string; body: string; prev_hash: Buffer; hash: Buffer; signature: Buffer | null }
    | undefined;
  if (entry === undefined || entry.signature === null) return null;
  const leaves = db.prepare('SELECT hash FROM entries WHERE seq BETWEEN ? AND ? ORDER BY seq').pluck().all(checkpoint.first_seq, checkpoint.last_seq) as Buffer[];
  if (leaves.length !== checkpoint.last_seq - checkpoint.first_seq + 1) return null;
  return {
    format: PROOF_FORMAT,
    publicKey: meta.publicKey.toString('hex'),
    entry: {
      seq: entry.seq,
      recordedAt: entry.recorded_at,
      kioskId: entry.kiosk_id,
      sessionId: entry.session_id,
      kind: entry.kind,
      body: entry.body,
      prevHash: entry.prev_hash.toString('hex'),
      hash: entry.hash.toString('hex'),
      signature: entry.signature.toString('hex'),
    },
    checkpoint: {
      number: checkpoint.number,
      firstSeq: checkpoint.first_seq,
      lastSeq: checkpoint.last_seq,
      merkleRoot: checkpoint.merkle_root.toString('hex'),
      signaturesDigest: checkpoint.signatures_digest.toString('hex'),
      recordedAt: checkpoint.recorded_at,
      signature: checkpoint.signature.toString('hex'),
    },
    path: inclusionPath(leaves, seq - checkpoint.first_seq).map((node) => node.toString('hex')),
  };
}

export type ProofFailureCode = 'malformed' | 'hash_mismatch' | 'bad_signature' | 'checkpoint_mismatch';

export interface ProofFailure {
  readonly code: ProofFailureCode;
  readonly detail: string;
}

export interface ProofChecked {
  readonly seq: number;
  readonly kioskId: string;
  readonly checkpoint: number;
  readonly keyId: string;
}

const HEX = (bytes: number) => new RegExp(`^[0-9a-f]{${bytes * 2}}$`);

/**
 * Checks a proof on its own. Without `pinnedPublicKey` it can only show the proof is consistent
 * with the key it carries: pin the kiosk's key (from enrolment) to know who signed it.
 */
export function checkInclusionProof(proof: unknown, pinnedPublicKey?: Uint8Array): Result<ProofChecked, ProofFailure> {
  const malformed = (detail: string) => err<ProofFailure>({ code: 'malformed', detail });
  if (typeof proof !== 'object' || proof === null) return malformed('not an object');
  const candidate = proof as Partial<InclusionProof>;
  if (candidate.format !== PROOF_FORMAT) return malformed(`format is not ${PROOF_FORMAT}`);
  const { entry, checkpoint, path, publicKey } = candidate;
  if (typeof publicKey !== 'string' || !HEX(32).test(publicKey)) return malformed('publicKey');
  if (typeof entry !== 'object' || entry === null || typeof checkpoint !== 'object' || checkpoint === null || !Array.isArray(path)) return malformed('entry, checkpoint or path missing');
  for (const name of ['recordedAt', 'kioskId', 'sessionId', 'kind', 'body'] as const) if (typeof entry[name] !== 'string') return malformed(`entry.${name}`);
  for (const name of ['prevHash', 'hash'] as const) if (typeof entry[name] !== 'string' || !HEX(32).test(entry[name])) return malformed(`entry.${name}`);
  if (typeof entry.signature !== 'string' || !HEX(64).test(entry.signature)) return malformed('entry.signature');
  for (const name of ['merkleRoot', 'signaturesDigest'] as const) if (typeof checkpoint[name] !== 'string' || !HEX(32).test(checkpoint[name])) return malformed(`checkpoint.${name}`);
  if (typeof checkpoint.signature !== 'string' || !HEX(64).test(checkpoint.signature) || typeof checkpoint.recordedAt !== 'string') return malformed('checkpoint.signature');
  for (const value of [entry.seq, checkpoint.number, checkpoint.firstSeq, checkpoint.lastSeq]) if (!Number.isSafeInteger(value) || (value as number) < 1) return malformed('numbers');
  if (!path.every((node) => typeof node === 'string' && HEX(32).test(node))) return malformed('path');

  const key = Buffer.from(publicKey, 'hex');
  if (pinnedPublicKey !== undefined && !key.equals(Buffer.from(pinnedPublicKey))) {
    return err({ code: 'bad_signature', detail: `the proof is signed with key ${keyIdOf(key)}, not the pinned ${keyIdOf(pinnedPublicKey)}` });
  }
  const keyObject = publicKeyObject(key);
  const hash = computeEntryHash({ ...entry, seq: entry.seq, prevHash: Buffer.from(entry.prevHash, 'hex') });
  if (hash.toString('hex') !== entry.hash) return err({ code: 'hash_mismatch', detail: `entry ${entry.seq} does not hash to its stated hash` });
  if (!verifyEntrySignature(keyObject, hash, Buffer.from(entry.signature, 'hex'))) return err({ code: 'bad_signature', detail: `entry ${entry.seq}'s signature does not verify` });
  const root = rootFromInclusionPath(hash, entry.seq - checkpoint.firstSeq!, checkpoint.lastSeq! - checkpoint.firstSeq! + 1, path.map((node) => Buffer.from(node, 'hex')));
  if (root === null || root.toString('hex') !== checkpoint.merkleRoot) return err({ code: 'checkpoint_mismatch', detail: `the path does not lead from entry ${entry.seq} to checkpoint ${checkpoint.number}'s root` });
  const signed = verifyCheckpointSignature(
    keyObject,
    {
      kioskId: entry.kioskId,
      number: checkpoint.number!,
      firstSeq: checkpoint.firstSeq!,
      lastSeq: checkpoint.lastSeq!,
      merkleRoot: Buffer.from(checkpoint.merkleRoot, 'hex'),
      signaturesDigest: Buffer.from(checkpoint.signaturesDigest, 'hex'),
      recordedAt: checkpoint.recordedAt,
    },
    Buffer.from(checkpoint.signature, 'hex'),
  );
  if (!signed) return err({ code: 'checkpoint_mismatch', detail: `checkpoint ${checkpoint.number}'s signature does not verify` });
  return ok({ seq: entry.seq, kioskId: entry.kioskId, checkpoint: checkpoint.number!, keyId: keyIdOf(key) });
}

/** A short digest of a proof, for printing beside a receipt reference. */
export function proofDigest(proof: InclusionProof): string {
  return createHash('sha256').update(JSON.stringify(proof)).digest('hex').slice(0, 16);
}

/**
 * The proof as a QR code (SVG) for a receipt: the compact JSON, low error correction so a
 * 1,000-entry checkpoint's proof (about 1.7 kB) still fits one code.
 */
export function proofQrSvg(proof: InclusionProof): Promise<string> {
  return qrCodeToString(JSON.stringify(proof), { type: 'svg', errorCorrectionLevel: 'L' });
}
