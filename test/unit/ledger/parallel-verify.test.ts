// Verification on worker threads must give exactly the serial answer, for an intact ledger and for
// damage in any worker's share.
import Database from 'better-sqlite3';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyLedgerFile } from '../../../electron/ledger/parallel-verify';
import { appendOrThrow, makeTempDir, MemoryKeyStore, openTestLedger, sessionEnded, sessionStarted } from './ledger-test-kit';

describe('parallel verification', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let workerScript: string;
  let path: string;
  let publicKey: Buffer;

  beforeAll(async () => {
    temp = makeTempDir();
    workerScript = join(temp.dir, 'ledger-verify-worker.cjs');
    const esbuild = await import('esbuild');
    esbuild.buildSync({ entryPoints: [resolve('electron/ledger/verify-worker.ts')], outfile: workerScript, bundle: true, platform: 'node', format: 'cjs', external: ['better-sqlite3'], logLevel: 'warning' });
    // The bundle lives outside the project, so point its one external at the project's copy.
    const betterSqlite = createRequire(resolve('package.json')).resolve('better-sqlite3');
    writeFileSync(workerScript, readFileSync(workerScript, 'utf8').replaceAll('require("better-sqlite3")', `require(${JSON.stringify(betterSqlite)})`));
    path = join(temp.dir, 'ledger.db');
    const ledger = openTestLedger(path, { keyStore: new MemoryKeyStore(), checkpointEvery: 8 });
    for (let i = 0; i < 100; i++) appendOrThrow(ledger, i % 2 === 0 ? sessionStarted(`s${i}`) : sessionEnded(`s${i - 1}`));
    publicKey = Buffer.from(ledger.publicKey, 'hex');
    ledger.close();
  });
  afterAll(() => temp.cleanup());

  const serial = (file: string) => verifyLedgerFile(file, { publicKey, anchorPath: `${file}.head` });
  let vouchedFor = -1;
  const parallel = (file: string) =>
    verifyLedgerFile(file, { publicKey, anchorPath: `${file}.head`, workerScript, workers: 3, parallelThreshold: 0, onWorkersDone: (count) => (vouchedFor = count) });

  it('agrees with the serial check on an intact ledger', async () => {
    const expected = await serial(path);
    expect(expected).toMatchObject({ ok: true, value: { count: 100, checkpoints: 12, anchor: 'matched' } });
    expect(await parallel(path)).toEqual(expected);
    // All twelve checkpoint ranges were checked on the worker threads, not by a silent fallback.
    expect(vouchedFor).toBe(12);
  });

  it.each([3, 40, 90, 97])('agrees with it when entry %i was changed', async (seq) => {
    const copy = join(temp.dir, `copy-${seq}.db`);
    const source = new Database(path, { readonly: true });
    await source.backup(copy);
    source.close();
    writeFileSync(`${copy}.head`, readFileSync(`${path}.head`));
    const raw = new Database(copy);
    raw.exec('DROP TRIGGER entries_no_update');
    raw.prepare("UPDATE entries SET recorded_at = '2030-01-01T00:00:00.000Z' WHERE seq = ?").run(seq);
    raw.close();
    const expected = await serial(copy);
    expect(expected).toMatchObject({ ok: false, error: { code: 'hash_mismatch', seq } });
    expect(await parallel(copy)).toEqual(expected);
    // The workers vouch for the ranges before the damaged one, and no further.
    expect(vouchedFor).toBe(Math.floor((seq - 1) / 8));
  });
});
