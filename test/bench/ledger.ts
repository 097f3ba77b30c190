// Runs in Node (bundled by esbuild, see the README). The ledger benchmark of issue 4, in one run:
//   1. durable appends per second: each its own transaction, synchronous=FULL, hashing + signing +
//      AES-256-GCM sealing (recordPerson: an entry, its index row and two sealed values), beside
//      bare SQLite inserts of the same rows with the same settings, and their ratio;
//   2. the same for plain appends (hash + sign, an id_card_read with its index row);
//   3. verification time of a 1,000,000-entry ledger (generated directly, with real hashes,
//      signatures and checkpoints, signing on worker threads).
// Prints figures only; asserts nothing.
import Database from 'better-sqlite3';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { computeEntryHash, GENESIS_PREV_HASH } from '../../electron/ledger/entry-hash';
import { canonicalJson } from '../../electron/ledger/canonical-json';
import { openLedger, type Ledger } from '../../electron/ledger/ledger';
import { runMigrations } from '../../electron/ledger/migrations/index';
import { merkleRoot } from '../../electron/ledger/merkle';
import { signCheckpoint, signEntryHash, signingKeyFromSeed } from '../../electron/ledger/signing';
import { verifyLedgerDatabase } from '../../electron/ledger/verify';
import { runLedgerCommand } from '../../electron/cli/ledger-command';
import { runVerifyWorkerIfAsked, verifyLedgerFile } from '../../electron/ledger/parallel-verify';
import type { KeyStore } from '../../electron/ledger/key-store';

const APPENDS = Number(process.env.LEDGER_BENCH_APPENDS ?? 2000);
const VERIFY_ENTRIES = Number(process.env.LEDGER_BENCH_VERIFY_ENTRIES ?? 1_000_000);
const CHECKPOINT_EVERY = 1000;
const SEED = Buffer.alloc(32, 0x5a);

class MemoryKeyStore implements KeyStore {
  private readonly secrets = new Map<string, Buffer>();
  getOrCreateSecret(name: string, bytes: number): Buffer {
    let secret = this.secrets.get(name);
    if (secret === undefined) this.secrets.set(name, (secret = name === 'ledger-signing-ed25519' ? Buffer.from(SEED) : randomBytes(bytes)));
    return Buffer.from(secret);
  }
}

const clock = { now: () => Date.now(), setTimer: () => () => {} };
const seconds = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e9;
/** CPU time of the whole process (all threads) since `start`: less disturbed than wall time by other load on the machine. */
const cpuSeconds = (start: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
};
// Synthetic identities only.
const idNumberOf = (i: number) => `1101051949123${String(i % 10_000).padStart(4, '0')}X`;

function openBenchLedger(path: string): Ledger {
  const opened = openLedger({ path, kioskId: 'kiosk-bench', keyStore: new MemoryKeyStore(), clock, checkpointEvery: CHECKPOINT_EVERY });
  if (!opened.ok) throw new Error(`${opened.error.code} ${opened.error.detail ?? ''}`);
  return opened.value;
}

/** The same pragmas as openLedger. */
function openBare(path: string): Database.Database {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('secure_delete = ON');
  runMigrations(db);
  return db;
}

interface Timing {
  wall: number;
  cpu: number;
  count: number;
}

function timed(timing: Timing, count: number, work: () => void): void {
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  work();
  timing.wall += seconds(start);
  timing.cpu += cpuSeconds(cpu);
  timing.count += count;
}

/**
 * Ledger appends and bare inserts of the very rows they stored, in alternating batches, so a disk
 * whose fsync time drifts (shared machines) weighs on both alike.
 */
function benchAppends(dir: string): void {
  const ledger = openBenchLedger(join(dir, 'appends.db'));
  const source = new Database(join(dir, 'appends.db'), { readonly: true });
  const bare = openBare(join(dir, 'bare.db'));
  const insertEntry = bare.prepare('INSERT INTO entries VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
  const insertKey = bare.prepare('INSERT INTO id_number_keys VALUES (?, ?)');
  const insertValue = bare.prepare('INSERT INTO pii_values VALUES (?, ?, ?, ?)');
  const insertSubject = bare.prepare('INSERT OR IGNORE INTO pii_subjects VALUES (?, ?, ?, ?)');
  const insertCheckpoint = bare.prepare('INSERT INTO checkpoints VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  const readEntries = source.prepare('SELECT * FROM entries WHERE seq > ? ORDER BY seq').raw();
  const readKeys = source.prepare('SELECT id_number_key, seq FROM id_number_keys WHERE seq = ?').raw();
  const readValues = source.prepare('SELECT * FROM pii_values WHERE seq = ?').raw();
  const readSubject = source.prepare('SELECT * FROM pii_subjects WHERE subject_key = ?').raw();
  const readCheckpoint = source.prepare('SELECT * FROM checkpoints WHERE last_seq = ?').raw();
  // One bare transaction holds exactly what the ledger's transaction for that entry wrote.
  const insertOne = bare.transaction((row: unknown[]) => {
    insertEntry.run(...row);
    for (const key of readKeys.all(row[0])) insertKey.run(...(key as unknown[]));
    for (const value of readValues.all(row[0]) as unknown[][]) {
      const subject = readSubject.get(value[2]) as unknown[] | undefined;
      if (subject !== undefined) insertSubject.run(...subject);
      insertValue.run(...value);
    }
    const checkpoint = readCheckpoint.get(row[0]) as unknown[] | undefined;
    if (checkpoint !== undefined) insertCheckpoint.run(...checkpoint);
  });

  const kinds = {
    sealed: { ledger: { wall: 0, cpu: 0, count: 0 }, bare: { wall: 0, cpu: 0, count: 0 } },
    plain: { ledger: { wall: 0, cpu: 0, count: 0 }, bare: { wall: 0, cpu: 0, count: 0 } },
  };
  const batch = 100;
  let replayed = 0;
  let person = 0;
  for (let round = 0; round < Math.ceil(APPENDS / batch) + 1; round++) {
    const warmUp = round === 0; // the first round only warms caches and the file
    for (const kind of ['sealed', 'plain'] as const) {
      const ledgerTiming = warmUp ? { wall: 0, cpu: 0, count: 0 } : kinds[kind].ledger;
      timed(ledgerTiming, batch, () => {
        for (let i = 0; i < batch; i++, person++) {
          const appended =
            kind === 'sealed'
              ? ledger.recordPerson({ sessionId: `s${person}`, idNumber: idNumberOf(person), name: '测试甲' })
              : ledger.append({ sessionId: `p${person}`, kind: 'id_card_read', body: { cardType: 'resident', idNumberKey: ledger.idNumberKey(idNumberOf(person)), idNumberValid: true, photoDecodable: true, expired: false, outcome: 'ok' } });
          if (!appended.ok) throw new Error(appended.error.code);
        }
      });
      // Read outside the timing, insert inside it.
      const rows = readEntries.all(replayed) as unknown[][];
      replayed += rows.length;
      const bareTiming = warmUp ? { wall: 0, cpu: 0, count: 0 } : kinds[kind].bare;
      timed(bareTiming, rows.length, () => {
        for (const row of rows) insertOne.immediate(row);
      });
    }
  }
  source.close();
  ledger.close();
  bare.close();

  const rate = (timing: Timing) => timing.count / timing.wall;
  const cpuPer = (timing: Timing) => (1e6 * timing.cpu) / timing.count;
  console.log(`durable appends (${kinds.sealed.ledger.count} of each kind), each its own transaction, synchronous=FULL, WAL, alternating batches of ${batch}:`);
  for (const [label, timing] of [
    ['recordPerson: hash + Ed25519 sign + AES-256-GCM seal (ID number, name)', kinds.sealed],
    ['append id_card_read: hash + Ed25519 sign', kinds.plain],
  ] as const) {
    console.log(
      `  ${label}: ledger ${rate(timing.ledger).toFixed(0)}/s, bare SQLite inserts of the same rows ${rate(timing.bare).toFixed(0)}/s, ` +
        `ratio ${((100 * rate(timing.ledger)) / rate(timing.bare)).toFixed(1)}%; CPU per append ${cpuPer(timing.ledger).toFixed(0)} µs vs ${cpuPer(timing.bare).toFixed(0)} µs`,
    );
  }
}

/** Worker: signs a slice of entry hashes. */
function signingWorker(): void {
  const { seed, hashes } = workerData as { seed: Uint8Array; hashes: Uint8Array };
  const key = signingKeyFromSeed(Buffer.from(seed));
  const out = Buffer.alloc((hashes.length / 32) * 64);
  for (let offset = 0, index = 0; offset < hashes.length; offset += 32, index++) signEntryHash(key, hashes.subarray(offset, offset + 32)).copy(out, index * 64);
  parentPort!.postMessage(out, [out.buffer]);
}

async function generateLedger(path: string, count: number): Promise<void> {
  const key = signingKeyFromSeed(SEED);
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  runMigrations(db);
  const insertMeta = db.prepare('INSERT INTO ledger_meta VALUES (?, ?)');
  insertMeta.run('public_key', key.publicKey.toString('hex'));
  insertMeta.run('signing_key_id', key.keyId);
  insertMeta.run('signed_from_seq', '1');
  insertMeta.run('pii_kek_version', '1');

  const bodies = ['{"flow":"card_activation","language":"zh-CN"}', '{"outcome":"completed"}', canonicalJson({ cardType: 'resident', expired: false, idNumberKey: 'ab'.repeat(32), idNumberValid: true, outcome: 'ok', photoDecodable: true }).ok ? '' : ''];
  bodies[2] = (canonicalJson({ cardType: 'resident', expired: false, idNumberKey: 'ab'.repeat(32), idNumberValid: true, outcome: 'ok', photoDecodable: true }) as { value: string }).value;
  const kinds = ['session_started', 'session_ended', 'id_card_read'];
  const base = Date.parse('2025-01-01T00:00:00.000Z');
  const hashes = Buffer.alloc(count * 32);
  const rows: [string, string, string, string][] = new Array(count);
  let prevHash: Buffer = GENESIS_PREV_HASH;
  let start = process.hrtime.bigint();
  for (let i = 0; i < count; i++) {
    const seq = i + 1;
    const recordedAt = new Date(base + i * 1000).toISOString();
    const sessionId = `s${Math.floor(i / 3)}`;
    const hash = computeEntryHash({ seq, recordedAt, kioskId: 'kiosk-bench', sessionId, kind: kinds[i % 3]!, body: bodies[i % 3]!, prevHash });
    hash.copy(hashes, i * 32);
    rows[i] = [recordedAt, sessionId, kinds[i % 3]!, bodies[i % 3]!];
    prevHash = hash;
  }
  const hashSeconds = seconds(start);
  start = process.hrtime.bigint();
  const workers = Math.max(1, availableParallelism());
  const per = Math.ceil(count / workers);
  const parts = await Promise.all(
    Array.from({ length: workers }, (_, w) => {
      const slice = hashes.subarray(w * per * 32, Math.min(count, (w + 1) * per) * 32);
      return new Promise<Buffer>((resolve, reject) => {
        const worker = new Worker(__filename, { workerData: { seed: SEED, hashes: Buffer.from(slice) } });
        worker.once('message', (signatures: Uint8Array) => resolve(Buffer.from(signatures.buffer, signatures.byteOffset, signatures.byteLength)));
        worker.once('error', reject);
      });
    }),
  );
  const signatures = Buffer.concat(parts);
  const signSeconds = seconds(start);
  start = process.hrtime.bigint();
  const insert = db.prepare('INSERT INTO entries VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
  const insertKey = db.prepare('INSERT INTO id_number_keys VALUES (?, ?)');
  const insertCheckpoint = db.prepare('INSERT INTO checkpoints VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  db.transaction(() => {
    for (let i = 0; i < count; i++) {
      const seq = i + 1;
      const [recordedAt, sessionId, kind, body] = rows[i]!;
      const hash = hashes.subarray(i * 32, seq * 32);
      insert.run(seq, recordedAt, 'kiosk-bench', sessionId, kind, body, i === 0 ? GENESIS_PREV_HASH : hashes.subarray((i - 1) * 32, i * 32), hash, signatures.subarray(i * 64, seq * 64), key.keyId);
      if (kind === 'id_card_read') insertKey.run('ab'.repeat(32), seq);
      if (seq % CHECKPOINT_EVERY === 0) {
        const first = seq - CHECKPOINT_EVERY + 1;
        const leaves: Buffer[] = [];
        const digest = createHash('sha256');
        for (let s = first; s <= seq; s++) {
          leaves.push(hashes.subarray((s - 1) * 32, s * 32));
          digest.update(signatures.subarray((s - 1) * 64, s * 64));
        }
        const fields = { kioskId: 'kiosk-bench', number: seq / CHECKPOINT_EVERY, firstSeq: first, lastSeq: seq, merkleRoot: merkleRoot(leaves), signaturesDigest: digest.digest(), recordedAt };
        insertCheckpoint.run(fields.number, first, seq, fields.merkleRoot, fields.signaturesDigest, recordedAt, signCheckpoint(key, fields), key.keyId);
      }
    }
  })();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  console.log(`generated ${count} entries: hashing ${hashSeconds.toFixed(1)} s, signing on ${workers} threads ${signSeconds.toFixed(1)} s, inserting ${seconds(start).toFixed(1)} s, file ${(statSync(path).size / 1e6).toFixed(0)} MB`);
}

async function benchVerify(dir: string): Promise<void> {
  const path = join(dir, 'million.db');
  await generateLedger(path, VERIFY_ENTRIES);
  const key = signingKeyFromSeed(SEED).publicKey;
  // As an auditor runs it: read-only connection, pinned key, checkpoint signatures standing for the
  // entry signatures they cover; once on worker threads (as the bundled CLI does), once on one.
  let start = process.hrtime.bigint();
  const parallel = await verifyLedgerFile(path, { publicKey: key, workerScript: __filename });
  const parallelSeconds = seconds(start);
  console.log(`verify ${VERIFY_ENTRIES} entries on ${availableParallelism()} threads: ${parallelSeconds.toFixed(2)} s (${parallel.ok ? `ok, ${parallel.value.count} entries, ${parallel.value.checkpoints} checkpoints` : parallel.error.code})`);
  let output = '';
  start = process.hrtime.bigint();
  const code = await runLedgerCommand(['verify', path, '--public-key', key.toString('hex'), '--no-anchor'], { stdout: (s) => (output += s), stderr: (s) => (output += s) });
  console.log(`verify ${VERIFY_ENTRIES} entries on 1 thread (kioskctl ledger verify without its worker bundle): ${seconds(start).toFixed(2)} s, exit ${code}: ${output.trim()}`);
  if (process.env.LEDGER_BENCH_ALL_SIGNATURES === '1') {
    const db = new Database(path, { readonly: true });
    start = process.hrtime.bigint();
    const outcome = verifyLedgerDatabase(db, { publicKey: key, signatures: 'all' });
    console.log(`verify ${VERIFY_ENTRIES} entries checking every entry signature: ${seconds(start).toFixed(2)} s, ${outcome.ok ? 'ok' : outcome.error.code}`);
    db.close();
  }
}

async function main(): Promise<void> {
  // LEDGER_BENCH_KEEP=path: generate the big ledger there once and only verify it (for profiling).
  const keep = process.env.LEDGER_BENCH_KEEP;
  if (keep !== undefined) {
    if (!existsSync(keep)) await generateLedger(keep, VERIFY_ENTRIES);
    const key = signingKeyFromSeed(SEED).publicKey;
    for (const workers of (process.env.LEDGER_BENCH_WORKERS ?? `1,${availableParallelism()}`).split(',').map(Number)) {
      const start = process.hrtime.bigint();
      const cpu = process.cpuUsage();
      const outcome = await verifyLedgerFile(keep, { publicKey: key, workerScript: __filename, workers });
      console.log(`verify ${keep} on ${workers} threads: ${seconds(start).toFixed(2)} s wall, ${cpuSeconds(cpu).toFixed(2)} s CPU, ${outcome.ok ? `ok, ${outcome.value.count} entries` : outcome.error.code}`);
    }
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'ledger-bench-'));
  try {
    console.log(`node ${process.version}, ${availableParallelism()} CPUs`);
    benchAppends(dir);
    await benchVerify(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (isMainThread) {
  main().catch((caught: unknown) => {
    console.error(caught);
    process.exit(1);
  });
} else if (!runVerifyWorkerIfAsked()) {
  signingWorker();
}
