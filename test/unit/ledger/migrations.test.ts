import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LATEST_SCHEMA_VERSION, MIGRATIONS, runMigrations } from '../../../electron/ledger/migrations/index';
import { updateToSchemaVersion1 } from '../../../electron/ledger/migrations/0001-create-entries';
import { openLedger } from '../../../electron/ledger/ledger';
import { ManualClock } from '../../../native/common/clock';
import { appendOrThrow, makeTempDir, MemoryKeyStore, openTestLedger, sessionStarted } from './ledger-test-kit';

describe('ledger migrations', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let path: string;
  beforeEach(() => {
    temp = makeTempDir();
    path = join(temp.dir, 'nested', 'ledger.db');
  });
  afterEach(() => temp.cleanup());

  function tablesOf(db: Database.Database): string[] {
    return (db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((row) => row.name);
  }

  it('are numbered 1, 2, 3… without gaps', () => {
    expect(MIGRATIONS.map((migration) => migration.version)).toEqual(MIGRATIONS.map((_, index) => index + 1));
    expect(LATEST_SCHEMA_VERSION).toBe(MIGRATIONS.length);
    for (const migration of MIGRATIONS) expect(migration.name).toMatch(new RegExp(`^${String(migration.version).padStart(4, '0')}-[a-z-]+$`));
  });

  it('apply on a fresh file, in WAL mode, and set user_version', () => {
    openTestLedger(path).close();
    const raw = new Database(path, { readonly: true });
    try {
      expect(raw.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION);
      expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(tablesOf(raw)).toEqual(['checkpoints', 'entries', 'id_number_keys', 'ledger_meta', 'pii_subjects', 'pii_values']);
      const columns = (raw.prepare('PRAGMA table_info(entries)').all() as { name: string; notnull: number }[]).map((c) => `${c.name}${c.notnull ? '' : '?'}`);
      expect(columns).toEqual(['seq?', 'recorded_at', 'kiosk_id', 'session_id', 'kind', 'body', 'prev_hash', 'hash', 'signature?', 'signing_key_id?']);
      const indexes = (raw.prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL ORDER BY name").all() as { name: string }[]).map((row) => row.name);
      expect(indexes).toEqual(['checkpoints_by_last_seq', 'entries_by_session', 'id_number_keys_by_seq', 'pii_values_by_subject']);
    } finally {
      raw.close();
    }
  });

  it('are idempotent on reopen and keep the entries', () => {
    const first = openTestLedger(path);
    appendOrThrow(first, sessionStarted('s1'));
    first.close();
    const second = openTestLedger(path);
    appendOrThrow(second, sessionStarted('s2'));
    expect(second.verifyChain()).toMatchObject({ ok: true, value: { count: 2 } });
    second.close();

    const raw = new Database(path);
    try {
      expect(runMigrations(raw)).toEqual({ ok: true, value: { from: LATEST_SCHEMA_VERSION, to: LATEST_SCHEMA_VERSION } });
      expect(raw.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION);
    } finally {
      raw.close();
    }
  });

  it('apply only the missing ones to a file left at an older version', () => {
    const raw = new Database(join(temp.dir, 'old.db'));
    try {
      updateToSchemaVersion1(raw);
      raw.pragma('user_version = 1');
      expect(tablesOf(raw)).toEqual(['entries']);
      expect(runMigrations(raw)).toEqual({ ok: true, value: { from: 1, to: LATEST_SCHEMA_VERSION } });
      expect(tablesOf(raw)).toEqual(['checkpoints', 'entries', 'id_number_keys', 'ledger_meta', 'pii_subjects', 'pii_values']);
    } finally {
      raw.close();
    }
  });

  it('refuse a file from a newer release', () => {
    openTestLedger(path).close();
    const raw = new Database(path);
    raw.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 1}`);
    raw.close();
    const opened = openLedger({ path, kioskId: 'kiosk-07', keyStore: new MemoryKeyStore(), clock: new ManualClock() });
    expect(opened.ok).toBe(false);
    if (!opened.ok) expect(opened.error.code).toBe('LEDGER_SCHEMA_TOO_NEW');
  });
});
