// Crash safety: a child process appending a stream of entries is SIGKILLed at 100 seeded random
// points. After each kill the ledger must open (start-up check), verify end to end, hold every
// entry the child acknowledged, and hold no partial entry (an entry without its index or sealed rows).
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../native/common/clock';
import { FileKeyStore } from '../../../electron/ledger/key-store';
import { openLedger } from '../../../electron/ledger/ledger';
import { makeTempDir, START } from './ledger-test-kit';

const KILLS = 100;
const CHECKPOINT_EVERY = 16;

/** mulberry32: a small seeded generator, so a failing run can be replayed. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface ChildRun {
  readonly acked: number[];
  readonly errors: string[];
}

/** Runs the child until it has acknowledged `ackTarget` entries, waits `extraMs` more, then SIGKILLs it. */
function runAndKill(bundle: string, path: string, keysDir: string, ackTarget: number, extraMs: number): Promise<ChildRun> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [bundle, path, keysDir, String(CHECKPOINT_EVERY)], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, NODE_PATH: resolve('node_modules') },
    });
    const acked: number[] = [];
    const errors: string[] = [];
    let buffered = '';
    let killScheduled = false;
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        if (line.startsWith('ack ')) acked.push(Number(line.slice(4)));
        else if (line.startsWith('error ')) errors.push(line);
      }
      if (!killScheduled && acked.length >= ackTarget) {
        killScheduled = true;
        setTimeout(() => child.kill('SIGKILL'), extraMs);
      }
    });
    child.on('error', reject);
    child.on('exit', () => resolvePromise({ acked, errors }));
  });
}

describe('crash safety', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let bundle: string;
  beforeAll(async () => {
    temp = makeTempDir();
    bundle = join(temp.dir, 'crash-child.cjs');
    const esbuild = await import('esbuild');
    esbuild.buildSync({ entryPoints: [resolve('test/unit/ledger/crash-child.ts')], outfile: bundle, bundle: true, platform: 'node', format: 'cjs', external: ['better-sqlite3'], logLevel: 'warning' });
  });
  afterAll(() => temp.cleanup());

  it(`loses no acknowledged entry and leaves no partial one across ${KILLS} SIGKILLs`, { timeout: 170_000 }, async () => {
    const random = seededRandom(20_251_126);
    const path = join(temp.dir, 'ledger.db');
    const keysDir = join(temp.dir, 'keys');
    const allAcked = new Set<number>();
    let highestAcked = 0;
    for (let kill = 0; kill < KILLS; kill++) {
      const run = await runAndKill(bundle, path, keysDir, 1 + Math.floor(random() * 30), Math.floor(random() * 4));
      expect(run.errors, `run ${kill}`).toEqual([]);
      for (const seq of run.acked) {
        allAcked.add(seq);
        highestAcked = Math.max(highestAcked, seq);
      }

      // What the kiosk does on restart: the start-up check, then (here) a full verification.
      const opened = openLedger({ path, kioskId: 'kiosk-crash', keyStore: new FileKeyStore(keysDir, { warn: () => {} }), clock: new ManualClock(START) });
      expect(opened.ok, `run ${kill}: ${opened.ok ? '' : JSON.stringify(opened.error)}`).toBe(true);
      if (!opened.ok) return;
      const verified = opened.value.verify();
      expect(verified.ok, `run ${kill}: ${JSON.stringify(verified)}`).toBe(true);
      opened.value.close();
      if (!verified.ok) return;
      expect(verified.value.count).toBeGreaterThanOrEqual(highestAcked);

      const raw = new Database(path, { readonly: true });
      try {
        const stored = new Set(raw.prepare('SELECT seq FROM entries').pluck().all() as number[]);
        for (const seq of allAcked) expect(stored.has(seq), `acknowledged entry ${seq} lost after run ${kill}`).toBe(true);
        const partial = raw
          .prepare(
            `SELECT e.seq FROM entries e WHERE
               (e.kind IN ('id_card_read', 'person_identified') AND NOT EXISTS (SELECT 1 FROM id_number_keys k WHERE k.seq = e.seq))
               OR (e.kind = 'person_identified' AND (SELECT count(*) FROM pii_values v WHERE v.seq = e.seq) <> 3)
               OR e.signature IS NULL`,
          )
          .pluck()
          .all();
        expect(partial, `partial entries after run ${kill}`).toEqual([]);
        expect(raw.prepare('SELECT count(*) FROM pii_values WHERE seq NOT IN (SELECT seq FROM entries)').pluck().get()).toBe(0);
      } finally {
        raw.close();
      }
    }
    expect(allAcked.size).toBeGreaterThan(KILLS);
  });
});
