// Runs in Node (main process, dev host, CLI). The local ledger: an append-only SQLite table of what
// happened at this kiosk, each entry chained to the one before by a SHA-256 hash (entry-hash.ts).
// Every failure the kiosk must react to comes back as a LedgerError value; only programming
// errors (bad options, a negative tail count) throw.
//
// Slice 1 has the chain; signatures, checkpoints, PII encryption and retention build on the same
// table later (see the nullable columns in migrations/0001-create-entries.ts).
import Database from 'better-sqlite3';
import { chmodSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Clock } from '../../native/common/clock';
import { err, ok, type Result } from '../../native/common/result';
import { canonicalJson, type JsonValue } from './canonical-json';
import { computeEntryHash, GENESIS_PREV_HASH, HASH_BYTES } from './entry-hash';
import { checkEntryBody, idNumberKeysOf, isEntryKind, type EntryKind, type LedgerEntryInput } from './entry-kinds';
import { containsIdNumberLikeString } from './id-number-guard';
import type { KeyStore } from './key-store';
import { ID_NUMBER_KEY_BYTES, ID_NUMBER_KEY_NAME, keyedIdNumberHash } from './keyed-hash';
import { toLedgerError, type LedgerError } from './ledger-errors';
import { runMigrations } from './migrations/index';

export type { LedgerError, LedgerErrorCode } from './ledger-errors';
export type { LedgerEntryInput } from './entry-kinds';

export interface OpenLedgerOptions {
  /** The database file; its directory is created if missing. `:memory:` works for throwaway use. */
  readonly path: string;
  /** Recorded in (and hashed into) every entry. */
  readonly kioskId: string;
  readonly keyStore: KeyStore;
  readonly clock: Clock;
  /**
   * Caps the database file's size (SQLite's max_page_count). Reaching it gives LEDGER_DISK_FULL,
   * just like a full disk, so the ledger cannot starve the OS of space; tests use it to simulate one.
   */
  readonly maxSizeBytes?: number;
}

/** An entry as stored. `kind` and `body` are as written; entries from later releases may have kinds this one does not know. */
export interface LedgerEntry {
  readonly seq: number;
  /** ISO-8601 UTC with milliseconds. */
  readonly recordedAt: string;
  readonly kioskId: string;
  readonly sessionId: string;
  readonly kind: string;
  readonly body: JsonValue;
  /** 64 lowercase hex characters. */
  readonly prevHash: string;
  readonly hash: string;
}

export interface AppendedEntry {
  readonly seq: number;
  /** 64 lowercase hex characters. */
  readonly hash: string;
}

export type ChainBreakCode =
  /** The entry's stored hash is not the hash of its contents: the entry (or its hash) was changed. */
  | 'hash_mismatch'
  /** Entry `seq` is missing (deleted), so the numbering jumps past it. */
  | 'gap'
  /** The entry is intact but does not follow the one before it (its prev_hash names another entry). */
  | 'reordered';

/** The first entry at which the chain fails to verify. */
export interface ChainBreak {
  readonly code: ChainBreakCode;
  readonly seq: number;
}

export interface ChainVerified {
  readonly count: number;
  /** The last entry, or null for an empty ledger. A deleted tail only shows against a recorded head. */
  readonly head: AppendedEntry | null;
}

export interface Ledger {
  readonly path: string;
  readonly kioskId: string;
  /** Appends one entry in its own transaction; the hash chains to the last stored entry. */
  append(entry: LedgerEntryInput): Result<AppendedEntry, LedgerError>;
  /** The session's entries, oldest first. */
  entriesForSession(sessionId: string): Result<readonly LedgerEntry[], LedgerError>;
  /** Entries recorded with this keyed ID-number hash (see idNumberKey), oldest first. */
  entriesForIdNumberKey(idNumberKey: string): Result<readonly LedgerEntry[], LedgerError>;
  /** The last `count` entries, oldest first. */
  tail(count: number): Result<readonly LedgerEntry[], LedgerError>;
  /** Re-hashes every entry and checks each links to the one before; names the first bad entry. */
  verifyChain(): Result<ChainVerified, ChainBreak | LedgerError>;
  /** The keyed hash to record (and look up by) instead of an ID number. */
  idNumberKey(idNumber: string): string;
  /** Idempotent. Later calls return LEDGER_CLOSED. */
  close(): void;
}

const KIOSK_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const SESSION_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;
const HEX_64 = /^[0-9a-f]{64}$/;
/** Far above any slice-1 body; stops a runaway payload from bloating a file that is never pruned. */
const MAX_BODY_CHARS = 16 * 1024;
const isWindows = process.platform === 'win32';

export function openLedger(options: OpenLedgerOptions): Result<Ledger, LedgerError> {
  if (!KIOSK_ID.test(options.kioskId)) throw new RangeError('kioskId must be 1-64 letters, digits, dot, underscore or dash');
  if (options.maxSizeBytes !== undefined && !(Number.isSafeInteger(options.maxSizeBytes) && options.maxSizeBytes > 0)) {
    throw new RangeError('maxSizeBytes must be a positive integer');
  }
  const inMemory = options.path === ':memory:';

  let idNumberSecret: Buffer;
  try {
    idNumberSecret = options.keyStore.getOrCreateSecret(ID_NUMBER_KEY_NAME, ID_NUMBER_KEY_BYTES);
  } catch (caught) {
    return err({ code: 'LEDGER_KEY_UNAVAILABLE', detail: caught instanceof Error ? caught.message : String(caught) });
  }

  let db: Database.Database | undefined;
  try {
    if (!inMemory) mkdirSync(dirname(options.path), { recursive: true, mode: 0o700 });
    db = new Database(options.path, { timeout: 5_000 });
    const journalMode = db.pragma('journal_mode = WAL', { simple: true });
    if (!inMemory && journalMode !== 'wal') {
      db.close();
      return err({ code: 'LEDGER_IO', detail: `could not switch to WAL (journal_mode is ${String(journalMode)})` });
    }
    // FULL: a committed entry survives a power cut, which a kiosk gets more often than a server.
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    if (options.maxSizeBytes !== undefined) {
      const pageSize = db.pragma('page_size', { simple: true }) as number;
      db.pragma(`max_page_count = ${Math.max(1, Math.floor(options.maxSizeBytes / pageSize))}`);
    }
    const migrated = runMigrations(db);
    if (!migrated.ok) {
      db.close();
      return migrated;
    }
    // The file holds no clear PII, but keyed hashes are still nobody else's business.
    if (!inMemory && !isWindows) chmodSync(options.path, 0o600);
    return ok(new SqliteLedger(db, options.path, options.kioskId, options.clock, idNumberSecret));
  } catch (caught) {
    try {
      db?.close();
    } catch {
      // Already failing; the original error is the one worth reporting.
    }
    return err(toLedgerError(caught));
  }
}

interface EntryRow {
  readonly seq: number;
  readonly recorded_at: string;
  readonly kiosk_id: string;
  readonly session_id: string;
  readonly kind: string;
  readonly body: string;
  readonly prev_hash: Buffer;
  readonly hash: Buffer;
}

interface PreparedEntry {
  readonly sessionId: string;
  readonly kind: EntryKind;
  readonly body: string;
  readonly idNumberKeys: readonly string[];
}

const ENTRY_COLUMNS = 'seq, recorded_at, kiosk_id, session_id, kind, body, prev_hash, hash';

class CorruptRow extends Error {}

class SqliteLedger implements Ledger {
  private closed = false;
  private readonly statements: {
    readonly last: Database.Statement<[], { seq: number; hash: Buffer }>;
    readonly insert: Database.Statement<[number, string, string, string, string, string, Buffer, Buffer]>;
    readonly insertIdNumberKey: Database.Statement<[string, number]>;
    readonly bySession: Database.Statement<[string], EntryRow>;
    readonly byIdNumberKey: Database.Statement<[string], EntryRow>;
    readonly tail: Database.Statement<[number], EntryRow>;
    readonly all: Database.Statement<[], EntryRow>;
  };
  private readonly appendTransaction: Database.Transaction<(entry: PreparedEntry) => AppendedEntry>;

  constructor(
    private readonly db: Database.Database,
    readonly path: string,
    readonly kioskId: string,
    private readonly clock: Clock,
    private readonly idNumberSecret: Buffer,
  ) {
    this.statements = {
      last: db.prepare('SELECT seq, hash FROM entries ORDER BY seq DESC LIMIT 1'),
      insert: db.prepare(`INSERT INTO entries (${ENTRY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
      insertIdNumberKey: db.prepare('INSERT INTO id_number_keys (id_number_key, seq) VALUES (?, ?)'),
      bySession: db.prepare(`SELECT ${ENTRY_COLUMNS} FROM entries WHERE session_id = ? ORDER BY seq`),
      byIdNumberKey: db.prepare(
        `SELECT ${ENTRY_COLUMNS} FROM entries WHERE seq IN (SELECT seq FROM id_number_keys WHERE id_number_key = ?) ORDER BY seq`,
      ),
      tail: db.prepare(`SELECT ${ENTRY_COLUMNS} FROM entries ORDER BY seq DESC LIMIT ?`),
      all: db.prepare(`SELECT ${ENTRY_COLUMNS} FROM entries ORDER BY seq`),
    };
    this.appendTransaction = db.transaction((entry: PreparedEntry): AppendedEntry => {
      // The previous hash comes from the file, not from memory, so a second writer (the CLI) or a
      // failed append can never fork the chain.
      const last = this.statements.last.get();
      const seq = last === undefined ? 1 : last.seq + 1;
      const prevHash = last === undefined ? GENESIS_PREV_HASH : last.hash;
      const recordedAt = new Date(this.clock.now()).toISOString();
      const hash = computeEntryHash({ seq, recordedAt, kioskId: this.kioskId, sessionId: entry.sessionId, kind: entry.kind, body: entry.body, prevHash });
      this.statements.insert.run(seq, recordedAt, this.kioskId, entry.sessionId, entry.kind, entry.body, prevHash, hash);
      for (const key of entry.idNumberKeys) this.statements.insertIdNumberKey.run(key, seq);
      return { seq, hash: hash.toString('hex') };
    });
  }

  append(entry: LedgerEntryInput): Result<AppendedEntry, LedgerError> {
    if (this.closed) return closedError();
    const prepared = prepareEntry(entry);
    if (!prepared.ok) return prepared;
    try {
      // IMMEDIATE takes the write lock before reading the last hash, so two writers serialise.
      return ok(this.appendTransaction.immediate(prepared.value));
    } catch (caught) {
      return err(toLedgerError(caught));
    }
  }

  entriesForSession(sessionId: string): Result<readonly LedgerEntry[], LedgerError> {
    return this.read(() => this.statements.bySession.all(sessionId));
  }

  entriesForIdNumberKey(idNumberKey: string): Result<readonly LedgerEntry[], LedgerError> {
    return this.read(() => this.statements.byIdNumberKey.all(idNumberKey));
  }

  tail(count: number): Result<readonly LedgerEntry[], LedgerError> {
    if (!Number.isSafeInteger(count) || count < 0) throw new RangeError('tail count must be a non-negative integer');
    return this.read(() => this.statements.tail.all(count).reverse());
  }

  verifyChain(): Result<ChainVerified, ChainBreak | LedgerError> {
    if (this.closed) return closedError();
    try {
      let expectedSeq = 1;
      let prevHash: Buffer = GENESIS_PREV_HASH;
      let head: AppendedEntry | null = null;
      for (const row of this.statements.all.iterate()) {
        if (row.seq !== expectedSeq) return err({ code: row.seq > expectedSeq ? 'gap' : 'reordered', seq: expectedSeq });
        const recomputed = computeEntryHash({
          seq: row.seq,
          recordedAt: row.recorded_at,
          kioskId: row.kiosk_id,
          sessionId: row.session_id,
          kind: row.kind,
          body: row.body,
          prevHash: row.prev_hash.length === HASH_BYTES ? row.prev_hash : GENESIS_PREV_HASH,
        });
        if (row.prev_hash.length !== HASH_BYTES || !recomputed.equals(row.hash)) return err({ code: 'hash_mismatch', seq: row.seq });
        if (!row.prev_hash.equals(prevHash)) return err({ code: 'reordered', seq: row.seq });
        prevHash = row.hash;
        head = { seq: row.seq, hash: row.hash.toString('hex') };
        expectedSeq++;
      }
      return ok({ count: expectedSeq - 1, head });
    } catch (caught) {
      return err(toLedgerError(caught));
    }
  }

  idNumberKey(idNumber: string): string {
    return keyedIdNumberHash(this.idNumberSecret, idNumber);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.idNumberSecret.fill(0);
    this.db.close();
  }

  private read(query: () => EntryRow[]): Result<readonly LedgerEntry[], LedgerError> {
    if (this.closed) return closedError();
    try {
      return ok(query().map(toLedgerEntry));
    } catch (caught) {
      if (caught instanceof CorruptRow) return err({ code: 'LEDGER_CORRUPT', detail: caught.message });
      return err(toLedgerError(caught));
    }
  }
}

function prepareEntry(entry: LedgerEntryInput): Result<PreparedEntry, LedgerError> {
  const invalid = (detail: string) => err<LedgerError>({ code: 'LEDGER_BODY_INVALID', detail });
  // Checked at run time too: entries also arrive from IPC and plain-JS callers.
  if (typeof entry !== 'object' || entry === null) return invalid('entry is not an object');
  if (!isEntryKind(entry.kind)) return invalid('unknown entry kind');
  if (typeof entry.sessionId !== 'string' || !SESSION_ID.test(entry.sessionId)) return invalid('sessionId must be 1-128 letters, digits, underscore or dash');
  if (containsIdNumberLikeString(entry.sessionId)) return invalid('sessionId looks like an ID number');
  const body = canonicalJson(entry.body);
  if (!body.ok) return invalid(`body: ${body.error.detail ?? body.error.reason}`);
  if (!body.value.startsWith('{')) return invalid('body must be an object');
  if (body.value.length > MAX_BODY_CHARS) return invalid(`body is longer than ${MAX_BODY_CHARS} characters`);
  // The seatbelt (id-number-guard.ts): before the schema, so it holds even if a schema is loosened.
  if (containsIdNumberLikeString(body.value)) return invalid('body contains an ID-number-like string; record idNumberKey instead');
  const checked = checkEntryBody(entry.kind, entry.body);
  if (!checked.ok) return invalid(`body does not match ${entry.kind}: ${checked.error.problem}`);
  const idNumberKeys = idNumberKeysOf(entry);
  if (!idNumberKeys.every((key) => HEX_64.test(key))) return invalid('idNumberKey must be 64 lowercase hex characters');
  return ok({ sessionId: entry.sessionId, kind: entry.kind, body: body.value, idNumberKeys });
}

function toLedgerEntry(row: EntryRow): LedgerEntry {
  let body: JsonValue;
  try {
    body = JSON.parse(row.body) as JsonValue;
  } catch {
    throw new CorruptRow(`body of entry ${row.seq} is not JSON`);
  }
  return {
    seq: row.seq,
    recordedAt: row.recorded_at,
    kioskId: row.kiosk_id,
    sessionId: row.session_id,
    kind: row.kind,
    body,
    prevHash: row.prev_hash.toString('hex'),
    hash: row.hash.toString('hex'),
  };
}

function closedError(): Result<never, LedgerError> {
  return err({ code: 'LEDGER_CLOSED' });
}
