import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LedgerEntryInput } from '../../../electron/ledger/entry-kinds';
import type { Ledger } from '../../../electron/ledger/ledger';
import { appendOrThrow, makeTempDir, MemoryKeyStore, openTestLedger } from './ledger-test-kit';

describe('a full disk', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let path: string;
  beforeEach(() => {
    temp = makeTempDir();
    path = join(temp.dir, 'ledger.db');
  });
  afterEach(() => temp.cleanup());

  // An id_card_read writes to both tables, so a half-applied append would show as a mismatch.
  function cardRead(ledger: Ledger, i: number): LedgerEntryInput {
    return {
      sessionId: `session-${i}`,
      kind: 'id_card_read',
      body: { cardType: 'resident', idNumberKey: ledger.idNumberKey(`4403011990030712${String(i % 100).padStart(2, '0')}`), idNumberValid: true, photoDecodable: true, expired: false, outcome: 'ok' },
    };
  }

  it('gives LEDGER_DISK_FULL, leaves a chain that verifies, and takes appends again once there is room', () => {
    const keyStore = new MemoryKeyStore();
    // max_page_count under the hood: SQLite answers SQLITE_FULL exactly as for a full disk.
    const ledger = openTestLedger(path, { keyStore, maxSizeBytes: 64 * 1024 });
    let stored = 0;
    let failure: ReturnType<Ledger['append']> | undefined;
    for (let i = 0; i < 10_000 && failure === undefined; i++) {
      const appended = ledger.append(cardRead(ledger, i));
      if (appended.ok) stored = appended.value.seq;
      else failure = appended;
    }
    expect(stored).toBeGreaterThan(10);
    expect(failure).toMatchObject({ ok: false, error: { code: 'LEDGER_DISK_FULL', sqliteCode: 'SQLITE_FULL' } });

    // The failed append was rolled back whole, and the connection is still usable.
    expect(ledger.append(cardRead(ledger, stored))).toMatchObject({ ok: false, error: { code: 'LEDGER_DISK_FULL' } });
    // Sealing personal data fails the same way, whole: no entry, no sealed values, no data key.
    expect(ledger.recordPerson({ sessionId: 'full', idNumber: '11010519491231002X', name: '测试甲' })).toMatchObject({ ok: false, error: { code: 'LEDGER_DISK_FULL' } });
    expect(ledger.verifyChain()).toMatchObject({ ok: true, value: { count: stored, head: { seq: stored } } });
    const tail = ledger.tail(1);
    expect(tail.ok && tail.value[0]?.seq).toBe(stored);
    ledger.close();

    const raw = new Database(path, { readonly: true });
    expect(raw.prepare('SELECT count(*) AS n FROM id_number_keys').get()).toEqual({ n: stored });
    expect(raw.prepare('SELECT (SELECT count(*) FROM pii_values) + (SELECT count(*) FROM pii_subjects) AS n').get()).toEqual({ n: 0 });
    raw.close();

    // Space again (here: a larger cap). The chain continues without a gap.
    const roomier = openTestLedger(path, { keyStore, maxSizeBytes: 1024 * 1024 });
    expect(appendOrThrow(roomier, cardRead(roomier, stored)).seq).toBe(stored + 1);
    expect(roomier.verifyChain()).toMatchObject({ ok: true, value: { count: stored + 1 } });
    expect(roomier.verify({ signatures: 'all' })).toMatchObject({ ok: true, value: { count: stored + 1, anchor: 'matched' } });
    roomier.close();
  });
});
