// Runs in Node (CLI, benchmarks). Verification of a ledger file on several threads: the checkpoint
// ranges are split into one contiguous share per worker, each worker checks its ranges in bulk
// (verify.ts: verifyRangeInBulk) on its own read-only connection, and the main thread then runs
// the ordinary verifier from the first range a worker could not vouch for. The answer is always
// the serial one; only the time changes. A million entries cost about twice the 5 s budget on one
// core of the reference machine, hence this.
//
// Worker threads need a script file: the bundled `dist/cli/ledger-verify-worker.cjs` (entry
// electron/ledger/verify-worker.ts), or any bundle that calls runVerifyWorkerIfAsked() first.
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { GENESIS_PREV_HASH } from './entry-hash';
import { keyIdOf, publicKeyObject } from './signing';
import { readLedgerMeta, verifyLedgerDatabase, verifyRangeInBulk, type CheckpointRow, type VerifyOptions, type VerifyOutcome } from './verify';

const WORKER_KIND = 'branch-kiosk/ledger-verify-worker';
/** Below this many entries in bulk ranges, starting threads costs more than it saves. */
const PARALLEL_THRESHOLD = 50_000;

interface WorkerRequest {
  readonly kind: typeof WORKER_KIND;
  readonly path: string;
  readonly publicKey: string;
  readonly checkpoints: readonly CheckpointRow[];
  /** Hex of the stored hash of the entry before the first range. */
  readonly expectedPrev: string;
}

interface WorkerReply {
  /** How many ranges, from the first, verified. */
  readonly verified: number;
  readonly lastHash: string | null;
  readonly kioskId: string | null;
}

export interface ParallelVerifyOptions extends Omit<VerifyOptions, 'verifiedInBulk'> {
  /** A script that runs runVerifyWorkerIfAsked(); without one (or a file that is not there) the check runs on this thread only. */
  readonly workerScript?: string;
  /** Default: the number of CPUs. */
  readonly workers?: number;
  /** Fewer entries than this in checkpointed ranges are checked on this thread. Default 50,000. */
  readonly parallelThreshold?: number;
  /** Told how many checkpoint ranges the workers vouched for (0 if none ran or all fell back). */
  readonly onWorkersDone?: (checkpointsVerified: number) => void;
}

/** Verifies the ledger at `path` through a read-only connection, on worker threads when it pays. */
export async function verifyLedgerFile(path: string, options: ParallelVerifyOptions = {}): Promise<VerifyOutcome> {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const { workerScript, workers: requestedWorkers, parallelThreshold, onWorkersDone, ...verifyOptions } = options;
    const workers = Math.max(1, requestedWorkers ?? availableParallelism());
    let verifiedInBulk: VerifyOptions['verifiedInBulk'];
    if (workerScript !== undefined && existsSync(workerScript) && workers > 1 && options.signatures !== 'all' && options.tailOnly !== true) {
      verifiedInBulk = await verifyPrefixInWorkers(db, path, workerScript, workers, options.publicKey, parallelThreshold ?? PARALLEL_THRESHOLD);
    }
    onWorkersDone?.(verifiedInBulk?.checkpoints ?? 0);
    return verifyLedgerDatabase(db, { ...verifyOptions, ...(verifiedInBulk === undefined ? {} : { verifiedInBulk }) });
  } finally {
    db.close();
  }
}

async function verifyPrefixInWorkers(
  db: Database.Database,
  path: string,
  workerScript: string,
  workers: number,
  pinned: Uint8Array | undefined,
  threshold: number,
): Promise<VerifyOptions['verifiedInBulk']> {
  const meta = readLedgerMeta(db);
  const key = pinned === undefined ? meta.publicKey : Buffer.from(pinned);
  if (key === null || meta.signedFromSeq === null) return undefined;
  // Only the leading run of well-numbered, fully signed checkpoints goes to the workers; whatever
  // follows is the serial verifier's.
  const all = db.prepare('SELECT * FROM checkpoints ORDER BY number').all() as CheckpointRow[];
  let run = 0;
  while (run < all.length) {
    const checkpoint = all[run]!;
    if (checkpoint.number !== run + 1 || checkpoint.first_seq !== (run === 0 ? 1 : all[run - 1]!.last_seq + 1) || checkpoint.first_seq < meta.signedFromSeq) break;
    run++;
  }
  if (run === 0 || all[run - 1]!.last_seq < threshold) return undefined;
  const total = all[run - 1]!.last_seq;
  const shares: CheckpointRow[][] = [];
  let start = 0;
  for (let share = 0; share < workers && start < run; share++) {
    const target = (total * (share + 1)) / workers;
    let end = start;
    while (end < run && (all[end]!.last_seq <= target || end === start || share === workers - 1)) end++;
    shares.push(all.slice(start, end));
    start = end;
  }
  const replies = await Promise.all(
    shares.map((checkpoints) => {
      const first = checkpoints[0]!.first_seq;
      const before = first === 1 ? GENESIS_PREV_HASH : ((db.prepare('SELECT hash FROM entries WHERE seq = ?').pluck().get(first - 1) as Buffer | undefined) ?? null);
      if (before === null) return Promise.resolve<WorkerReply>({ verified: 0, lastHash: null, kioskId: null });
      const request: WorkerRequest = { kind: WORKER_KIND, path, publicKey: key.toString('hex'), checkpoints, expectedPrev: before.toString('hex') };
      return new Promise<WorkerReply>((resolve) => {
        const worker = new Worker(workerScript, { workerData: request });
        // A worker that fails to start or crashes vouches for nothing; the serial path takes over.
        worker.once('message', (reply: WorkerReply) => resolve(reply));
        worker.once('error', () => resolve({ verified: 0, lastHash: null, kioskId: null }));
        worker.once('exit', () => resolve({ verified: 0, lastHash: null, kioskId: null }));
      });
    }),
  );
  // The verified prefix: whole shares until the first that stopped short (its verified part counts too).
  let verified = 0;
  let lastHash: string | null = null;
  let kioskId: string | null = null;
  for (const [index, reply] of replies.entries()) {
    if (reply.verified > 0 && reply.lastHash !== null && reply.kioskId !== null) {
      verified += reply.verified;
      lastHash = reply.lastHash;
      kioskId = reply.kioskId;
    }
    if (reply.verified < shares[index]!.length) break;
  }
  if (verified === 0 || lastHash === null || kioskId === null) return undefined;
  return { checkpoints: verified, lastHash: Buffer.from(lastHash, 'hex'), kioskId };
}

/** In a worker thread started by verifyLedgerFile, does the work and returns true; otherwise false. */
export function runVerifyWorkerIfAsked(): boolean {
  if (isMainThread || (workerData as Partial<WorkerRequest> | null)?.kind !== WORKER_KIND) return false;
  const request = workerData as WorkerRequest;
  const db = new Database(request.path, { readonly: true, fileMustExist: true });
  try {
    const key = Buffer.from(request.publicKey, 'hex');
    const keyObject = publicKeyObject(key);
    const keyId = keyIdOf(key);
    let expectedPrev: Buffer = Buffer.from(request.expectedPrev, 'hex');
    let reply: WorkerReply = { verified: 0, lastHash: null, kioskId: null };
    for (const [index, checkpoint] of request.checkpoints.entries()) {
      const row = { ...checkpoint, merkle_root: Buffer.from(checkpoint.merkle_root), signatures_digest: Buffer.from(checkpoint.signatures_digest), signature: Buffer.from(checkpoint.signature) };
      const verified = verifyRangeInBulk(db, row, expectedPrev, keyObject, keyId);
      if (verified === null) break;
      expectedPrev = verified.lastHash;
      reply = { verified: index + 1, lastHash: verified.lastHash.toString('hex'), kioskId: verified.kioskId };
    }
    parentPort!.postMessage(reply);
  } finally {
    db.close();
  }
  return true;
}
