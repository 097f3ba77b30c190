import Database from 'better-sqlite3';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../native/common/clock';
import { computeEntryHash, GENESIS_PREV_HASH } from '../../../electron/ledger/entry-hash';
import type { LedgerEntryInput } from '../../../electron/ledger/entry-kinds';
import { openLedger, type Ledger } from '../../../electron/ledger/ledger';
import { toLedgerError } from '../../../electron/ledger/ledger-errors';
import {
  appendOrThrow,
  CONSENT_TEXT_HASH,
  makeTempDir,
  MemoryKeyStore,
  openTestLedger,
  SAMPLE_ID_NUMBER,
  sessionEnded,
  sessionStarted,
  START,
} from './ledger-test-kit';

describe('ledger', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let path: string;
  let clock: ManualClock;
  let ledger: Ledger;
  const raws: Database.Database[] = [];

  beforeEach(() => {
    temp = makeTempDir();
    path = join(temp.dir, 'ledger.db');
    clock = new ManualClock(START);
    ledger = openTestLedger(path, { clock });
  });
  afterEach(() => {
    ledger.close();
    for (const raw of raws.splice(0)) raw.close();
    temp.cleanup();
  });

  /** A second connection, as an attacker (or a careless technician) with file access would have. */
  function rawConnection(): Database.Database {
    const raw = new Database(path);
    raws.push(raw);
    raw.exec('DROP TRIGGER entries_no_update; DROP TRIGGER entries_no_delete;');
    return raw;
  }

  function appendSessions(): void {
    for (const sessionId of ['s1', 's2']) {
      appendOrThrow(ledger, sessionStarted(sessionId));
      clock.advance(1_500);
    }
    appendOrThrow(ledger, {
      sessionId: 's1',
      kind: 'consent_given',
      body: { consentTextVersion: '2025.1', consentTextHash: CONSENT_TEXT_HASH, language: 'zh-CN', alternativeOffered: 'staff_verification' },
    });
    appendOrThrow(ledger, {
      sessionId: 's1',
      kind: 'id_card_read',
      body: { cardType: 'resident', idNumberKey: ledger.idNumberKey(SAMPLE_ID_NUMBER), idNumberValid: true, photoDecodable: true, expired: false, outcome: 'ok' },
    });
    appendOrThrow(ledger, { sessionId: 's2', kind: 'staff_called', body: { screen: 'consent' } });
    appendOrThrow(ledger, { sessionId: 's2', kind: 'session_ended', body: { outcome: 'staff_called' } });
    appendOrThrow(ledger, sessionEnded('s1'));
  }

  it('numbers entries 1, 2, 3… and chains each to the one before', () => {
    const first = appendOrThrow(ledger, sessionStarted('s1'));
    const second = appendOrThrow(ledger, sessionEnded('s1'));
    expect(first.seq).toBe(1);
    expect(second.seq).toBe(2);
    expect(first.hash).toMatch(/^[0-9a-f]{64}$/);
    const entries = ledger.tail(10);
    expect(entries.ok && entries.value.map((entry) => [entry.seq, entry.prevHash, entry.hash])).toEqual([
      [1, GENESIS_PREV_HASH.toString('hex'), first.hash],
      [2, first.hash, second.hash],
    ]);
  });

  it('stores what was appended, with the clock time and kiosk id', () => {
    appendSessions();
    const s1 = ledger.entriesForSession('s1');
    expect(s1.ok).toBe(true);
    if (!s1.ok) return;
    expect(s1.value.map((entry) => [entry.seq, entry.kind])).toEqual([
      [1, 'session_started'],
      [3, 'consent_given'],
      [4, 'id_card_read'],
      [7, 'session_ended'],
    ]);
    expect(s1.value[0]).toMatchObject({
      recordedAt: '2025-03-01T08:00:00.000Z',
      kioskId: 'kiosk-07',
      sessionId: 's1',
      body: { flow: 'card_activation', language: 'zh-CN' },
    });
    expect(s1.value[1]?.recordedAt).toBe('2025-03-01T08:00:03.000Z');
    expect(ledger.entriesForSession('nobody')).toEqual({ ok: true, value: [] });
  });

  it('returns the tail oldest first', () => {
    appendSessions();
    const tail = ledger.tail(3);
    expect(tail.ok && tail.value.map((entry) => entry.seq)).toEqual([5, 6, 7]);
    expect(ledger.tail(0)).toEqual({ ok: true, value: [] });
    const all = ledger.tail(100);
    expect(all.ok && all.value.length).toBe(7);
    expect(() => ledger.tail(-1)).toThrow(RangeError);
  });

  it('finds entries by the keyed ID-number hash', () => {
    appendSessions();
    const found = ledger.entriesForIdNumberKey(ledger.idNumberKey(SAMPLE_ID_NUMBER.toLowerCase()));
    expect(found.ok && found.value.map((entry) => [entry.seq, entry.kind])).toEqual([[4, 'id_card_read']]);
    expect(ledger.entriesForIdNumberKey(ledger.idNumberKey('440301199003071230'))).toEqual({ ok: true, value: [] });
  });

  it('verifies an intact chain, empty or not', () => {
    expect(ledger.verifyChain()).toEqual({ ok: true, value: { count: 0, head: null } });
    appendSessions();
    const tail = ledger.tail(1);
    expect(ledger.verifyChain()).toEqual({ ok: true, value: { count: 7, head: { seq: 7, hash: tail.ok ? tail.value[0]?.hash : '' } } });
  });

  it('reports hash_mismatch at an entry whose body was changed', () => {
    appendSessions();
    const raw = rawConnection();
    const { body } = raw.prepare('SELECT body FROM entries WHERE seq = 6').get() as { body: string };
    raw.prepare('UPDATE entries SET body = ? WHERE seq = 6').run(body.replace('staff_called', 'staff_calleD'));
    expect(ledger.verifyChain()).toEqual({ ok: false, error: { code: 'hash_mismatch', seq: 6 } });
  });

  it('reports hash_mismatch at an entry whose hash was changed', () => {
    appendSessions();
    const raw = rawConnection();
    const { hash } = raw.prepare('SELECT hash FROM entries WHERE seq = 3').get() as { hash: Buffer };
    hash[17] = (hash[17] ?? 0) ^ 0x01;
    raw.prepare('UPDATE entries SET hash = ? WHERE seq = 3').run(hash);
    expect(ledger.verifyChain()).toEqual({ ok: false, error: { code: 'hash_mismatch', seq: 3 } });
  });

  it('reports a gap where an entry was deleted', () => {
    appendSessions();
    rawConnection().prepare('DELETE FROM entries WHERE seq = 4').run();
    expect(ledger.verifyChain()).toEqual({ ok: false, error: { code: 'gap', seq: 4 } });
  });

  it('reports a gap when the first entry was deleted', () => {
    appendSessions();
    rawConnection().prepare('DELETE FROM entries WHERE seq = 1').run();
    expect(ledger.verifyChain()).toEqual({ ok: false, error: { code: 'gap', seq: 1 } });
  });

  it('reports reordered at a self-consistent entry that links to the wrong predecessor', () => {
    appendSessions();
    const raw = rawConnection();
    // Re-hash entry 5 as if it followed entry 3, as a forger without the old entry 4 would.
    const row = raw.prepare('SELECT * FROM entries WHERE seq = 5').get() as { recorded_at: string; kiosk_id: string; session_id: string; kind: string; body: string };
    const prevHash = (raw.prepare('SELECT hash FROM entries WHERE seq = 3').get() as { hash: Buffer }).hash;
    const forged = computeEntryHash({ seq: 5, recordedAt: row.recorded_at, kioskId: row.kiosk_id, sessionId: row.session_id, kind: row.kind, body: row.body, prevHash });
    raw.prepare('UPDATE entries SET prev_hash = ?, hash = ? WHERE seq = 5').run(prevHash, forged);
    expect(ledger.verifyChain()).toEqual({ ok: false, error: { code: 'reordered', seq: 5 } });
  });

  it('keeps appending after a gap, chaining to the last stored entry', () => {
    appendSessions();
    rawConnection().prepare('DELETE FROM entries WHERE seq = 7').run();
    expect(appendOrThrow(ledger, sessionEnded('s1')).seq).toBe(7);
    expect(ledger.verifyChain()).toMatchObject({ ok: true, value: { count: 7 } });
  });

  it('refuses updates and deletes through SQL (append-only triggers)', () => {
    appendSessions();
    const raw = new Database(path);
    raws.push(raw);
    expect(() => raw.prepare("UPDATE entries SET kind = 'x' WHERE seq = 1").run()).toThrow(/append-only/);
    expect(() => raw.prepare('DELETE FROM entries WHERE seq = 1').run()).toThrow(/append-only/);
  });

  it('keeps one chain when two connections append to the same file', () => {
    const other = openTestLedger(path, { clock });
    try {
      for (let i = 0; i < 10; i++) appendOrThrow(i % 2 === 0 ? ledger : other, sessionStarted(`s${i}`));
      expect(ledger.verifyChain()).toMatchObject({ ok: true, value: { count: 10 } });
    } finally {
      other.close();
    }
  });

  describe('rejects malformed entries with LEDGER_BODY_INVALID', () => {
    const cases: [string, unknown][] = [
      ['an unknown kind', { sessionId: 's1', kind: 'card_swallowed', body: {} }],
      ['a missing session ID', { sessionId: '', kind: 'session_ended', body: { outcome: 'completed' } }],
      ['a session ID with spaces', { sessionId: 'a b', kind: 'session_ended', body: { outcome: 'completed' } }],
      ['an extra body field (a name)', { sessionId: 's1', kind: 'session_ended', body: { outcome: 'completed', name: '张三' } }],
      ['a wrong enum value', { sessionId: 's1', kind: 'session_ended', body: { outcome: 'exploded' } }],
      ['a missing field', { sessionId: 's1', kind: 'staff_called', body: {} }],
      ['a non-canonical value', { sessionId: 's1', kind: 'staff_called', body: { screen: 'x', at: new Date() } }],
      ['an undefined field', { sessionId: 's1', kind: 'staff_called', body: { screen: undefined } }],
      ['a body that is not an object', { sessionId: 's1', kind: 'staff_called', body: ['consent'] }],
      ['an id_card_read with a short key', { sessionId: 's1', kind: 'id_card_read', body: { cardType: 'resident', idNumberKey: 'abc', idNumberValid: true, photoDecodable: false, expired: false, outcome: 'ok' } }],
      ['an id_card_read_failed with a lowercase code', { sessionId: 's1', kind: 'id_card_read_failed', body: { code: 'timeout' } }],
    ];
    it.each(cases)('%s', (_label, entry) => {
      const appended = ledger.append(entry as LedgerEntryInput);
      expect(appended.ok).toBe(false);
      if (!appended.ok) expect(appended.error.code).toBe('LEDGER_BODY_INVALID');
      expect(ledger.verifyChain()).toEqual({ ok: true, value: { count: 0, head: null } });
    });
  });

  it('accepts every slice-1 kind', () => {
    appendSessions();
    appendOrThrow(ledger, {
      sessionId: 's3',
      kind: 'consent_refused',
      body: { consentTextVersion: '2025.1', consentTextHash: CONSENT_TEXT_HASH, language: 'en', alternativeOffered: 'staff_verification' },
    });
    appendOrThrow(ledger, { sessionId: 's3', kind: 'id_card_read_failed', body: { code: 'SAM_STATUS_41' } });
    for (const outcome of ['completed', 'cancelled', 'timeout', 'idle_reset', 'staff_called'] as const) {
      appendOrThrow(ledger, { sessionId: 's3', kind: 'session_ended', body: { outcome } });
    }
    expect(ledger.verifyChain()).toMatchObject({ ok: true, value: { count: 14 } });
  });

  it('returns LEDGER_CLOSED after close, and close is idempotent', () => {
    ledger.close();
    ledger.close();
    expect(ledger.append(sessionStarted('s1'))).toEqual({ ok: false, error: { code: 'LEDGER_CLOSED' } });
    expect(ledger.tail(1)).toEqual({ ok: false, error: { code: 'LEDGER_CLOSED' } });
    expect(ledger.verifyChain()).toEqual({ ok: false, error: { code: 'LEDGER_CLOSED' } });
  });

  it('opens a file that is not a database as LEDGER_CORRUPT, without throwing', () => {
    const garbage = join(temp.dir, 'garbage.db');
    writeFileSync(garbage, Buffer.alloc(8192, 'not a database '));
    const opened = openLedger({ path: garbage, kioskId: 'kiosk-07', keyStore: new MemoryKeyStore(), clock });
    expect(opened.ok).toBe(false);
    if (!opened.ok) expect(opened.error.code).toBe('LEDGER_CORRUPT');
  });

  it('opens as LEDGER_KEY_UNAVAILABLE when the key store fails, before creating the file', () => {
    const missing = join(temp.dir, 'never.db');
    const opened = openLedger({
      path: missing,
      kioskId: 'kiosk-07',
      keyStore: { getOrCreateSecret: () => { throw new Error('safeStorage is not available'); } },
      clock,
    });
    expect(opened).toEqual({ ok: false, error: { code: 'LEDGER_KEY_UNAVAILABLE', detail: 'safeStorage is not available' } });
    expect(existsSync(missing)).toBe(false);
  });
});

describe('toLedgerError', () => {
  it.each([
    ['SQLITE_FULL', 'LEDGER_DISK_FULL'],
    ['SQLITE_READONLY', 'LEDGER_READ_ONLY'],
    ['SQLITE_READONLY_DBMOVED', 'LEDGER_READ_ONLY'],
    ['SQLITE_CORRUPT', 'LEDGER_CORRUPT'],
    ['SQLITE_CORRUPT_INDEX', 'LEDGER_CORRUPT'],
    ['SQLITE_NOTADB', 'LEDGER_CORRUPT'],
    ['SQLITE_IOERR_WRITE', 'LEDGER_IO'],
    ['SQLITE_BUSY', 'LEDGER_IO'],
  ])('maps %s to %s', (sqliteCode, code) => {
    expect(toLedgerError(new Database.SqliteError('message', sqliteCode))).toEqual({ code, detail: 'message', sqliteCode });
  });

  it('maps file-system errors too', () => {
    const enospc = Object.assign(new Error('no space'), { code: 'ENOSPC' });
    const erofs = Object.assign(new Error('read-only'), { code: 'EROFS' });
    expect(toLedgerError(enospc).code).toBe('LEDGER_DISK_FULL');
    expect(toLedgerError(erofs).code).toBe('LEDGER_READ_ONLY');
    expect(toLedgerError(new Error('other')).code).toBe('LEDGER_IO');
  });
});
