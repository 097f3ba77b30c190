// Runs in Node (main process, dev host, CLI). The local ledger: an append-only SQLite table of what
// happened at this kiosk, each entry chained to the one before by a SHA-256 hash (entry-hash.ts).
// Every failure the kiosk must react to comes back as a LedgerError value; only programming
// errors (bad options, a negative tail count) throw.
//
// Every entry is also signed with the kiosk's Ed25519 key (signing.ts); every `checkpointEvery`
// entries a signed checkpoint covers the Merkle root of the entries since the last one (verify.ts,
// proof.ts). Personal data is sealed outside the hashed entries (pii-vault.ts). At open the tail is
// verified first, through a read-only connection, and a damaged ledger is refused untouched.
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync, unlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Clock } from '../../native/common/clock';
import { err, ok, type Result } from '../../native/common/result';
import { canonicalJson, type JsonValue } from './canonical-json';
import { computeEntryHash, GENESIS_PREV_HASH, HASH_BYTES } from './entry-hash';
import { checkEntryBody, idNumberKeysOf, isEntryKind, LEDGER_WRITTEN_KINDS, type EntryKind, type LedgerEntryInput, type StaffRole } from './entry-kinds';
import { headAnchorPath, HeadAnchorWriter } from './head-anchor';
import { merkleRoot } from './merkle';
import { buildInclusionProof, type InclusionProof } from './proof';
import {
  newDataKey,
  openPiiValue,
  PII_FIELDS,
  PII_KEK_BYTES,
  piiKekName,
  sealedCommitment,
  sealPiiValue,
  unwrapDataKey,
  wrapDataKey,
  type PiiField,
} from './pii-vault';
import { signCheckpoint, signEntryHash, signingKeyFromSeed, SIGNING_KEY_NAME, SIGNING_SEED_BYTES, UNSIGNED_PLACEHOLDER, type SigningKey } from './signing';
import { readLedgerMeta, verifyLedgerDatabase, type VerifyFailure, type VerifyOptions, type VerifyReport } from './verify';
import { containsIdNumberLikeString } from './id-number-guard';
import type { KeyStore } from './key-store';
import { ID_NUMBER_KEY_BYTES, ID_NUMBER_KEY_NAME, keyedIdNumberHash } from './keyed-hash';
import { toLedgerError, type LedgerError } from './ledger-errors';
import { LATEST_SCHEMA_VERSION, runMigrations, schemaVersionOf } from './migrations/index';

export type { LedgerError, LedgerErrorCode } from './ledger-errors';
export type { LedgerEntryInput } from './entry-kinds';
export type { VerifyFailure, VerifyReport } from './verify';
export type { InclusionProof } from './proof';

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
  /** A signed checkpoint closes the range every this many entries. Default 1000. */
  readonly checkpointEvery?: number;
}

export const DEFAULT_CHECKPOINT_EVERY = 1000;

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

/** See VerifyFailureCode (verify.ts). */
export type ChainBreakCode = VerifyFailure['code'];

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
  /** Verifies the whole ledger (chain, signatures under this kiosk's key, checkpoints, head anchor); names the first bad entry. */
  verifyChain(): Result<ChainVerified, ChainBreak | LedgerError>;
  /** verifyChain with the reason spelt out and the options of verify.ts. */
  verify(options?: Omit<VerifyOptions, 'publicKey' | 'anchorPath'>): Result<VerifyReport, VerifyFailure | LedgerError>;
  /** The keyed hash to record (and look up by) instead of an ID number. */
  idNumberKey(idNumber: string): string;
  /** This kiosk's Ed25519 public key, 64 hex characters: what a verifier pins. */
  readonly publicKey: string;
  /** Closes the current checkpoint range now (e.g. so a receipt can carry a proof); null if there is nothing to cover. */
  checkpoint(): Result<CheckpointSummary | null, LedgerError>;
  /** The inclusion proof of entry `seq` in its checkpoint (LEDGER_NOT_FOUND until one covers it). */
  prove(seq: number): Result<InclusionProof, LedgerError>;
  /** Seals a person's identifying data and records a `person_identified` entry holding only commitments to it. */
  recordPerson(person: PersonInput): Result<AppendedEntry, LedgerError>;
  /** Decrypts what is recorded about a person, after recording the access (who, role, why). */
  readPerson(idNumber: string, access: PiiAccess): Result<readonly PersonRecord[], LedgerError>;
  /** Everything recorded about one person, as JSON and a readable HTML page. Supervisors only; recorded as an access. */
  exportDataSubject(idNumber: string, access: PiiAccess): Result<DataSubjectExport, LedgerError>;
  /** Crypto-shreds the personal data of everyone last identified more than `retentionDays` ago, and records the purge. */
  purgeExpiredPii(retentionDays: number): Result<PurgeSummary, LedgerError>;
  /** Wraps every person's data key under a new key-encryption key; entries are not touched. */
  rotatePiiKey(): Result<{ readonly fromVersion: number; readonly toVersion: number; readonly subjects: number }, LedgerError>;
  /** Checkpoints the WAL into the file and VACUUMs it, so erased data leaves no stale pages behind. */
  compact(): Result<void, LedgerError>;
  /** Signed entries after `afterSeq` for head office (PII-free: bodies hold no personal data), oldest first. */
  outbox(afterSeq: number, limit: number): Result<readonly OutboxEntry[], LedgerError>;
  /** Entries not yet acknowledged by head office. */
  pendingOutbox(limit: number): Result<readonly OutboxEntry[], LedgerError>;
  /** Head office has stored everything up to `seq`. Idempotent; never moves backwards. */
  acknowledgeOutbox(seq: number): Result<number, LedgerError>;
  /** Idempotent. Later calls return LEDGER_CLOSED. */
  close(): void;
}

export interface CheckpointSummary {
  readonly number: number;
  readonly firstSeq: number;
  readonly lastSeq: number;
  /** 64 hex characters. */
  readonly merkleRoot: string;
}

/** A person's identifying data, as read from their card. Only idNumber is required. */
export interface PersonInput {
  readonly sessionId: string;
  readonly idNumber: string;
  readonly name?: string;
  readonly address?: string;
  readonly cardNumber?: string;
}

export interface PiiAccess {
  /** Staff identifier (letters, digits, `._-`), not a name. */
  readonly staffId: string;
  readonly role: StaffRole;
  /** A reason code (letters, digits, `._-`). */
  readonly reason: string;
}

export interface PersonRecord {
  readonly seq: number;
  readonly recordedAt: string;
  readonly sessionId: string;
  /** The decrypted fields; a field whose data was erased (retention) or fails to open is absent. */
  readonly fields: Partial<Record<PiiField, string>>;
  /** True once retention erased this record's data. */
  readonly erased: boolean;
}

export interface DataSubjectExport {
  readonly json: string;
  readonly html: string;
}

export interface PurgeSummary {
  readonly subjects: number;
  readonly values: number;
  /** The retention_purged entry, or null when there was nothing to purge. */
  readonly entry: AppendedEntry | null;
}

/** One entry as head office receives it (docs/ledger-format.md). */
export interface OutboxEntry {
  readonly seq: number;
  readonly recordedAt: string;
  readonly kioskId: string;
  readonly sessionId: string;
  readonly kind: string;
  /** Canonical JSON exactly as hashed. */
  readonly body: string;
  readonly prevHash: string;
  readonly hash: string;
  /** 128 hex characters; null for unsigned slice-1 entries. */
  readonly signature: string | null;
  readonly signingKeyId: string | null;
}

const KIOSK_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const SESSION_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;
const HEX_64 = /^[0-9a-f]{64}$/;
const CODE_NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;
/** Far above any slice-1 body; stops a runaway payload from bloating a file that is never pruned. */
const MAX_BODY_CHARS = 16 * 1024;
const MAX_PII_CHARS = 1024;
/** The session ID of entries the ledger writes about itself (purges, key rotations). */
const LEDGER_SESSION_ID = 'ledger';
const isWindows = process.platform === 'win32';

export function openLedger(options: OpenLedgerOptions): Result<Ledger, LedgerError> {
  if (!KIOSK_ID.test(options.kioskId)) throw new RangeError('kioskId must be 1-64 letters, digits, dot, underscore or dash');
  if (options.maxSizeBytes !== undefined && !(Number.isSafeInteger(options.maxSizeBytes) && options.maxSizeBytes > 0)) {
    throw new RangeError('maxSizeBytes must be a positive integer');
  }
  const checkpointEvery = options.checkpointEvery ?? DEFAULT_CHECKPOINT_EVERY;
  if (!Number.isSafeInteger(checkpointEvery) || checkpointEvery < 1) throw new RangeError('checkpointEvery must be a positive integer');
  const inMemory = options.path === ':memory:';

  let idNumberSecret: Buffer;
  let signingKey: SigningKey;
  try {
    idNumberSecret = options.keyStore.getOrCreateSecret(ID_NUMBER_KEY_NAME, ID_NUMBER_KEY_BYTES);
    const seed = options.keyStore.getOrCreateSecret(SIGNING_KEY_NAME, SIGNING_SEED_BYTES);
    signingKey = signingKeyFromSeed(seed);
    seed.fill(0);
  } catch (caught) {
    return err({ code: 'LEDGER_KEY_UNAVAILABLE', detail: caught instanceof Error ? caught.message : String(caught) });
  }

  if (!inMemory && existsSync(options.path)) {
    const checked = checkExistingLedger(options.path, signingKey);
    if (!checked.ok) {
      idNumberSecret.fill(0);
      return checked;
    }
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
    // Erased personal data (retention) is overwritten in place, not left in free pages.
    db.pragma('secure_delete = ON');
    if (options.maxSizeBytes !== undefined) {
      const pageSize = db.pragma('page_size', { simple: true }) as number;
      db.pragma(`max_page_count = ${Math.max(1, Math.floor(options.maxSizeBytes / pageSize))}`);
    }
    const migrated = runMigrations(db);
    if (!migrated.ok) {
      db.close();
      return migrated;
    }
    const anchorPath = inMemory ? null : headAnchorPath(options.path);
    // The anchor file exists before the first signed entry, so a missing one later means it was removed.
    if (anchorPath !== null) closeSync(openSync(anchorPath, 'a', 0o600));
    registerSigningKey(db, signingKey);
    const meta = readLedgerMeta(db);
    if (meta.publicKey === null || !meta.publicKey.equals(signingKey.publicKey)) {
      db.close();
      return err({ code: 'LEDGER_DAMAGED', detail: 'the ledger is signed with another key', break: { code: 'bad_signature', seq: meta.signedFromSeq ?? 1, detail: 'the ledger is signed with another key than this kiosk\'s' } });
    }
    // The file holds no clear PII, but keyed hashes are still nobody else's business.
    if (!inMemory && !isWindows) {
      chmodSync(options.path, 0o600);
      if (anchorPath !== null) chmodSync(anchorPath, 0o600);
    }
    return ok(new SqliteLedger(db, options, checkpointEvery, idNumberSecret, signingKey, anchorPath));
  } catch (caught) {
    try {
      db?.close();
    } catch {
      // Already failing; the original error is the one worth reporting.
    }
    return err(toLedgerError(caught));
  }
}

/**
 * The start-up check: verifies the tail (from the last checkpoint) of an existing file through a
 * read-only connection, before anything (migrations included) writes to it.
 */
function checkExistingLedger(path: string, signingKey: SigningKey): Result<void, LedgerError> {
  // A read-only connection to a WAL file creates empty -wal and -shm files if there were none;
  // a refused ledger gets them removed again, so the technician finds the files as they were.
  const sidecars = [`${path}-wal`, `${path}-shm`].filter((sidecar) => !existsSync(sidecar));
  const result = checkExistingLedgerReadOnly(path, signingKey);
  if (!result.ok) {
    for (const sidecar of sidecars) {
      try {
        if (sidecar.endsWith('-shm') || statSync(sidecar).size === 0) unlinkSync(sidecar);
      } catch {
        // Best effort: nothing was written to them.
      }
    }
  }
  return result;
}

function checkExistingLedgerReadOnly(path: string, signingKey: SigningKey): Result<void, LedgerError> {
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    const version = schemaVersionOf(db);
    if (version > LATEST_SCHEMA_VERSION) {
      return err({ code: 'LEDGER_SCHEMA_TOO_NEW', detail: `file is at schema ${version}, this release knows up to ${LATEST_SCHEMA_VERSION}` });
    }
    if (version < 1) return ok(undefined);
    const meta = readLedgerMeta(db);
    const verified = verifyLedgerDatabase(db, {
      tailOnly: true,
      // A file already signed must be signed by this kiosk's key: anything else is a replaced key.
      ...(meta.publicKey === null ? {} : { publicKey: signingKey.publicKey }),
      anchorPath: headAnchorPath(path),
      requireAnchor: true,
    });
    if (!verified.ok) {
      const failure = verified.error;
      return err({ code: 'LEDGER_DAMAGED', detail: `${failure.code} at entry ${failure.seq}: ${failure.detail}`, break: failure });
    }
    return ok(undefined);
  } catch (caught) {
    return err(toLedgerError(caught));
  } finally {
    try {
      db?.close();
    } catch {
      // Nothing to add to the error already returned.
    }
  }
}

/** Records the kiosk's public key in a file that has none; entries from then on are signed. */
function registerSigningKey(db: Database.Database, signingKey: SigningKey): void {
  db.transaction(() => {
    const existing = db.prepare("SELECT value FROM ledger_meta WHERE name = 'public_key'").get();
    if (existing !== undefined) return;
    const last = db.prepare('SELECT max(seq) AS seq FROM entries').get() as { seq: number | null };
    const insert = db.prepare('INSERT INTO ledger_meta (name, value) VALUES (?, ?)');
    insert.run('public_key', signingKey.publicKey.toString('hex'));
    insert.run('signing_key_id', signingKey.keyId);
    insert.run('signed_from_seq', String((last.seq ?? 0) + 1));
    insert.run('pii_kek_version', '1');
  }).immediate();
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
  readonly signature: Buffer | null;
  readonly signing_key_id: string | null;
}

interface PreparedEntry {
  readonly sessionId: string;
  readonly kind: EntryKind;
  readonly body: string;
  readonly idNumberKeys: readonly string[];
}

interface SealedValue {
  readonly field: PiiField;
  readonly subjectKey: string;
  readonly sealed: Buffer;
}

interface Appended extends AppendedEntry {
  readonly signature: Buffer;
  readonly hashBytes: Buffer;
}

const ENTRY_COLUMNS = 'seq, recorded_at, kiosk_id, session_id, kind, body, prev_hash, hash, signature, signing_key_id';

class CorruptRow extends Error {}

class SqliteLedger implements Ledger {
  readonly path: string;
  readonly kioskId: string;
  readonly publicKey: string;
  private closed = false;
  private readonly clock: Clock;
  private readonly keyStore: KeyStore;
  private readonly kekCache = new Map<number, Buffer>();
  private readonly anchor: HeadAnchorWriter | null;
  private readonly statementCache = new Map<string, Database.Statement>();
  /** One wrapper for every write: better-sqlite3 builds a new one per db.transaction() call. */
  private readonly inTransaction: Database.Transaction<(work: () => unknown) => unknown>;
  private readonly statements: {
    readonly last: Database.Statement<[], { seq: number; hash: Buffer }>;
    readonly insert: Database.Statement<[number, string, string, string, string, string, Buffer, Buffer, Buffer, string]>;
    readonly insertIdNumberKey: Database.Statement<[string, number]>;
    readonly lastCheckpoint: Database.Statement<[], { number: number; last_seq: number }>;
    readonly bySession: Database.Statement<[string], EntryRow>;
    readonly byIdNumberKey: Database.Statement<[string], EntryRow>;
    readonly tail: Database.Statement<[number], EntryRow>;
    readonly after: Database.Statement<[number, number], EntryRow>;
  };

  constructor(
    private readonly db: Database.Database,
    options: OpenLedgerOptions,
    private readonly checkpointEvery: number,
    private readonly idNumberSecret: Buffer,
    private readonly signingKey: SigningKey,
    private readonly anchorPath: string | null,
  ) {
    this.path = options.path;
    this.kioskId = options.kioskId;
    this.clock = options.clock;
    this.keyStore = options.keyStore;
    this.publicKey = signingKey.publicKey.toString('hex');
    this.anchor = anchorPath === null ? null : new HeadAnchorWriter(anchorPath);
    this.inTransaction = db.transaction((work: () => unknown) => work());
    this.statements = {
      last: db.prepare('SELECT seq, hash FROM entries ORDER BY seq DESC LIMIT 1'),
      insert: db.prepare(`INSERT INTO entries (${ENTRY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      insertIdNumberKey: db.prepare('INSERT OR IGNORE INTO id_number_keys (id_number_key, seq) VALUES (?, ?)'),
      lastCheckpoint: db.prepare('SELECT number, last_seq FROM checkpoints ORDER BY number DESC LIMIT 1'),
      bySession: db.prepare(`SELECT ${ENTRY_COLUMNS} FROM entries WHERE session_id = ? ORDER BY seq`),
      byIdNumberKey: db.prepare(
        `SELECT ${ENTRY_COLUMNS} FROM entries WHERE seq IN (SELECT seq FROM id_number_keys WHERE id_number_key = ?) ORDER BY seq`,
      ),
      tail: db.prepare(`SELECT ${ENTRY_COLUMNS} FROM entries ORDER BY seq DESC LIMIT ?`),
      after: db.prepare(`SELECT ${ENTRY_COLUMNS} FROM entries WHERE seq > ? ORDER BY seq LIMIT ?`),
    };
  }

  /** Prepared once per connection: preparing costs more than most of the statements it prepares. */
  private cached(sql: string): Database.Statement {
    let statement = this.statementCache.get(sql);
    if (statement === undefined) this.statementCache.set(sql, (statement = this.db.prepare(sql)));
    return statement;
  }

  /**
   * Inside an IMMEDIATE transaction: the previous hash comes from the file, not from memory, so a
   * second writer (the CLI) or a failed append can never fork the chain.
   */
  private insertEntry(entry: PreparedEntry): Appended {
    const last = this.statements.last.get();
    const seq = last === undefined ? 1 : last.seq + 1;
    const prevHash = last === undefined ? GENESIS_PREV_HASH : last.hash;
    const recordedAt = new Date(this.clock.now()).toISOString();
    const hash = computeEntryHash({ seq, recordedAt, kioskId: this.kioskId, sessionId: entry.sessionId, kind: entry.kind, body: entry.body, prevHash });
    const signature = signEntryHash(this.signingKey, hash);
    this.statements.insert.run(seq, recordedAt, this.kioskId, entry.sessionId, entry.kind, entry.body, prevHash, hash, signature, this.signingKey.keyId);
    for (const key of entry.idNumberKeys) this.statements.insertIdNumberKey.run(key, seq);
    const lastCheckpoint = this.statements.lastCheckpoint.get();
    if (seq - (lastCheckpoint?.last_seq ?? 0) >= this.checkpointEvery) this.insertCheckpoint(lastCheckpoint, seq);
    return { seq, hash: hash.toString('hex'), signature, hashBytes: hash };
  }

  private insertCheckpoint(previous: { number: number; last_seq: number } | undefined, lastSeq: number): CheckpointSummary {
    const firstSeq = (previous?.last_seq ?? 0) + 1;
    const number = (previous?.number ?? 0) + 1;
    const rows = this.cached('SELECT hash, signature FROM entries WHERE seq BETWEEN ? AND ? ORDER BY seq').all(firstSeq, lastSeq) as { hash: Buffer; signature: Buffer | null }[];
    const digest = createHash('sha256');
    for (const row of rows) digest.update(row.signature ?? UNSIGNED_PLACEHOLDER);
    const fields = {
      kioskId: this.kioskId,
      number,
      firstSeq,
      lastSeq,
      merkleRoot: merkleRoot(rows.map((row) => row.hash)),
      signaturesDigest: digest.digest(),
      recordedAt: new Date(this.clock.now()).toISOString(),
    };
    const signature = signCheckpoint(this.signingKey, fields);
    this.cached('INSERT INTO checkpoints (number, first_seq, last_seq, merkle_root, signatures_digest, recorded_at, signature, signing_key_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(number, firstSeq, lastSeq, fields.merkleRoot, fields.signaturesDigest, fields.recordedAt, signature, this.signingKey.keyId);
    return { number, firstSeq, lastSeq, merkleRoot: fields.merkleRoot.toString('hex') };
  }

  /** Runs `work` in an IMMEDIATE transaction, then anchors the newest entry it appended. */
  private write<T>(work: () => { value: T; appended: Appended | null }): Result<T, LedgerError> {
    if (this.closed) return closedError();
    let outcome: { value: T; appended: Appended | null };
    try {
      // IMMEDIATE takes the write lock before reading the last hash, so two writers serialise.
      outcome = this.inTransaction.immediate(work) as { value: T; appended: Appended | null };
    } catch (caught) {
      if (caught instanceof LedgerRefusal) return err(caught.error);
      return err(toLedgerError(caught));
    }
    if (outcome.appended !== null && this.anchor !== null) {
      try {
        this.anchor.write({ seq: outcome.appended.seq, hash: outcome.appended.hashBytes, signature: outcome.appended.signature });
      } catch {
        // The entry is committed; an anchor left behind only weakens the lost-tail check until the next append.
      }
    }
    return ok(outcome.value);
  }

  append(entry: LedgerEntryInput): Result<AppendedEntry, LedgerError> {
    if (this.closed) return closedError();
    const prepared = prepareEntry(entry);
    if (!prepared.ok) return prepared;
    if (LEDGER_WRITTEN_KINDS.has(prepared.value.kind)) return err({ code: 'LEDGER_BODY_INVALID', detail: `${prepared.value.kind} entries are written by the ledger itself` });
    return this.write(() => {
      const appended = this.insertEntry(prepared.value);
      return { value: { seq: appended.seq, hash: appended.hash }, appended };
    });
  }

  checkpoint(): Result<CheckpointSummary | null, LedgerError> {
    return this.write(() => {
      const last = this.statements.last.get();
      const previous = this.statements.lastCheckpoint.get();
      if (last === undefined || last.seq <= (previous?.last_seq ?? 0)) return { value: null, appended: null };
      return { value: this.insertCheckpoint(previous, last.seq), appended: null };
    });
  }

  prove(seq: number): Result<InclusionProof, LedgerError> {
    if (this.closed) return closedError();
    try {
      const proof = buildInclusionProof(this.db, seq);
      if (proof === null) return err({ code: 'LEDGER_NOT_FOUND', detail: `entry ${seq} does not exist or no checkpoint covers it yet` });
      return ok(proof);
    } catch (caught) {
      return err(toLedgerError(caught));
    }
  }

  recordPerson(person: PersonInput): Result<AppendedEntry, LedgerError> {
    if (this.closed) return closedError();
    const invalid = (detail: string) => err<LedgerError>({ code: 'LEDGER_BODY_INVALID', detail });
    if (typeof person !== 'object' || person === null) return invalid('person is not an object');
    if (typeof person.sessionId !== 'string' || !SESSION_ID.test(person.sessionId)) return invalid('sessionId must be 1-128 letters, digits, underscore or dash');
    const values = new Map<PiiField, string>();
    for (const field of PII_FIELDS) {
      const value = person[field];
      if (value === undefined) continue;
      if (typeof value !== 'string' || value.length === 0 || value.length > MAX_PII_CHARS) return invalid(`${field} must be a non-empty string of at most ${MAX_PII_CHARS} characters`);
      values.set(field, value);
    }
    if (!values.has('idNumber')) return invalid('idNumber is required');
    const subjectKey = this.idNumberKey(person.idNumber);
    return this.write(() => {
      const dataKey = this.dataKeyFor(subjectKey, true)!;
      const sealedValues: SealedValue[] = [];
      const commitments: Record<string, string> = {};
      for (const [field, value] of values) {
        const sealed = sealPiiValue(dataKey, subjectKey, field, value);
        sealedValues.push({ field, subjectKey, sealed });
        commitments[field] = sealedCommitment(sealed);
      }
      dataKey.fill(0);
      const prepared = prepareInternal({ sessionId: person.sessionId, kind: 'person_identified', body: { idNumberKey: subjectKey, sealed: commitments as { idNumber: string } } });
      const appended = this.insertEntry(prepared);
      const insert = this.cached('INSERT INTO pii_values (seq, field, subject_key, sealed) VALUES (?, ?, ?, ?)');
      for (const value of sealedValues) insert.run(appended.seq, value.field, value.subjectKey, value.sealed);
      return { value: { seq: appended.seq, hash: appended.hash }, appended };
    });
  }

  readPerson(idNumber: string, access: PiiAccess): Result<readonly PersonRecord[], LedgerError> {
    return this.accessPerson(idNumber, access, 'lookup');
  }

  exportDataSubject(idNumber: string, access: PiiAccess): Result<DataSubjectExport, LedgerError> {
    if (access?.role !== 'supervisor') return err({ code: 'LEDGER_ACCESS_DENIED', detail: 'a data-subject export needs the supervisor role' });
    const records = this.accessPerson(idNumber, access, 'export');
    if (!records.ok) return records;
    const subjectKey = this.idNumberKey(idNumber);
    const byKey = this.entriesForIdNumberKey(subjectKey);
    if (!byKey.ok) return byKey;
    // The person's sessions, so the export shows consents and outcomes too, not only card reads.
    // The ledger's own session holds entries about everyone: only this person's (by key) are theirs.
    const sessions = [...new Set(byKey.value.map((entry) => entry.sessionId))].filter((sessionId) => sessionId !== LEDGER_SESSION_ID);
    const entries = new Map<number, LedgerEntry>();
    for (const sessionId of sessions) {
      const found = this.entriesForSession(sessionId);
      if (!found.ok) return found;
      for (const entry of found.value) entries.set(entry.seq, entry);
    }
    for (const entry of byKey.value) entries.set(entry.seq, entry);
    const ordered = [...entries.values()].sort((a, b) => a.seq - b.seq);
    const exportedAt = new Date(this.clock.now()).toISOString();
    const document = {
      format: 'branch-kiosk/data-subject-export/v1',
      kioskId: this.kioskId,
      exportedAt,
      exportedBy: { staffId: access.staffId, role: access.role, reason: access.reason },
      subjectKey,
      personalData: records.value,
      entries: ordered.map((entry) => ({ seq: entry.seq, recordedAt: entry.recordedAt, sessionId: entry.sessionId, kind: entry.kind, body: entry.body, hash: entry.hash })),
    };
    return ok({ json: `${JSON.stringify(document, null, 2)}\n`, html: renderExportHtml(document) });
  }

  private accessPerson(idNumber: string, access: PiiAccess, purpose: 'lookup' | 'export'): Result<readonly PersonRecord[], LedgerError> {
    if (this.closed) return closedError();
    if (typeof access !== 'object' || access === null || !CODE_NAME.test(access.staffId) || !CODE_NAME.test(access.reason) || (access.role !== 'staff' && access.role !== 'supervisor')) {
      return err({ code: 'LEDGER_BODY_INVALID', detail: 'access needs a staffId and reason code (letters, digits, ._-) and a role' });
    }
    const subjectKey = this.idNumberKey(idNumber);
    // The access is recorded (and committed) before anything is decrypted: no record, no read.
    const logged = this.write(() => {
      const count = (this.cached("SELECT count(*) AS n FROM entries WHERE kind = 'person_identified' AND seq IN (SELECT seq FROM id_number_keys WHERE id_number_key = ?)").get(subjectKey) as { n: number }).n;
      const prepared = prepareInternal({
        sessionId: LEDGER_SESSION_ID,
        kind: 'pii_accessed',
        body: { idNumberKey: subjectKey, staffId: access.staffId, role: access.role, reason: access.reason, purpose, records: count },
      });
      const appended = this.insertEntry(prepared);
      return { value: appended, appended };
    });
    if (!logged.ok) return logged;
    try {
      const dataKey = this.dataKeyFor(subjectKey, false);
      const rows = this.cached(
          "SELECT e.seq, e.recorded_at, e.session_id, e.body, v.field, v.sealed FROM entries e LEFT JOIN pii_values v ON v.seq = e.seq WHERE e.kind = 'person_identified' AND e.seq IN (SELECT seq FROM id_number_keys WHERE id_number_key = ?) ORDER BY e.seq",
        )
        .all(subjectKey) as { seq: number; recorded_at: string; session_id: string; body: string; field: PiiField | null; sealed: Buffer | null }[];
      const records = new Map<number, { seq: number; recordedAt: string; sessionId: string; fields: Partial<Record<PiiField, string>>; erased: boolean; commitments: Record<string, string> }>();
      for (const row of rows) {
        let record = records.get(row.seq);
        if (record === undefined) {
          const body = JSON.parse(row.body) as { sealed: Record<string, string> };
          record = { seq: row.seq, recordedAt: row.recorded_at, sessionId: row.session_id, fields: {}, erased: dataKey === null, commitments: body.sealed };
          records.set(row.seq, record);
        }
        if (row.field === null || row.sealed === null || dataKey === null) continue;
        // The sealed bytes must be the ones the signed entry committed to.
        if (record.commitments[row.field] !== sealedCommitment(row.sealed)) continue;
        const value = openPiiValue(dataKey, subjectKey, row.field, row.sealed);
        if (value !== null) record.fields[row.field] = value;
      }
      dataKey?.fill(0);
      return ok([...records.values()].map(({ commitments: _commitments, ...record }) => ({ ...record, erased: record.erased || Object.keys(record.fields).length === 0 })));
    } catch (caught) {
      return err(toLedgerError(caught));
    }
  }

  /** The person's data key, created (inside the caller's transaction) when `create` is set; null if erased. */
  private dataKeyFor(subjectKey: string, create: boolean): Buffer | null {
    const row = this.cached('SELECT wrapped_key, kek_version FROM pii_subjects WHERE subject_key = ?').get(subjectKey) as { wrapped_key: Buffer; kek_version: number } | undefined;
    if (row !== undefined) {
      const dataKey = unwrapDataKey(this.kek(row.kek_version), row.wrapped_key, subjectKey);
      if (dataKey === null) throw new LedgerRefusal({ code: 'LEDGER_KEY_UNAVAILABLE', detail: `a data key does not open under key-encryption key version ${row.kek_version}` });
      return dataKey;
    }
    if (!create) return null;
    const version = this.currentKekVersion();
    const dataKey = newDataKey();
    this.cached('INSERT INTO pii_subjects (subject_key, wrapped_key, kek_version, created_at) VALUES (?, ?, ?, ?)')
      .run(subjectKey, wrapDataKey(this.kek(version), dataKey, subjectKey), version, new Date(this.clock.now()).toISOString());
    return dataKey;
  }

  private currentKekVersion(): number {
    const row = this.cached("SELECT value FROM ledger_meta WHERE name = 'pii_kek_version'").get() as { value: string } | undefined;
    return Number(row?.value ?? '1');
  }

  private kek(version: number): Buffer {
    let kek = this.kekCache.get(version);
    if (kek === undefined) {
      try {
        kek = this.keyStore.getOrCreateSecret(piiKekName(version), PII_KEK_BYTES);
      } catch (caught) {
        throw new LedgerRefusal({ code: 'LEDGER_KEY_UNAVAILABLE', detail: caught instanceof Error ? caught.message : String(caught) });
      }
      this.kekCache.set(version, kek);
    }
    return kek;
  }

  purgeExpiredPii(retentionDays: number): Result<PurgeSummary, LedgerError> {
    if (!Number.isSafeInteger(retentionDays) || retentionDays < 0) throw new RangeError('retentionDays must be a non-negative integer');
    const cutoff = new Date(this.clock.now() - retentionDays * 86_400_000).toISOString();
    return this.write<PurgeSummary>(() => {
      // A person's data is kept while any of their records is younger than the cutoff: erasing one
      // data key erases all of their records at once.
      const expired = this.cached(
          'SELECT s.subject_key FROM pii_subjects s WHERE NOT EXISTS (SELECT 1 FROM pii_values v JOIN entries e ON e.seq = v.seq WHERE v.subject_key = s.subject_key AND e.recorded_at >= ?)',
        )
        .pluck()
        .all(cutoff) as string[];
      if (expired.length === 0) return { value: { subjects: 0, values: 0, entry: null }, appended: null };
      let values = 0;
      const deleteValues = this.cached('DELETE FROM pii_values WHERE subject_key = ?');
      const deleteSubject = this.cached('DELETE FROM pii_subjects WHERE subject_key = ?');
      for (const subjectKey of expired) {
        values += deleteValues.run(subjectKey).changes;
        deleteSubject.run(subjectKey);
      }
      const prepared = prepareInternal({ sessionId: LEDGER_SESSION_ID, kind: 'retention_purged', body: { retentionDays, cutoff, subjects: expired.length, values } });
      const appended = this.insertEntry(prepared);
      return { value: { subjects: expired.length, values, entry: { seq: appended.seq, hash: appended.hash } }, appended };
    });
  }

  rotatePiiKey(): Result<{ readonly fromVersion: number; readonly toVersion: number; readonly subjects: number }, LedgerError> {
    return this.write(() => {
      const fromVersion = this.currentKekVersion();
      const toVersion = fromVersion + 1;
      const newKek = this.kek(toVersion);
      const rows = this.cached('SELECT subject_key, wrapped_key, kek_version FROM pii_subjects').all() as { subject_key: string; wrapped_key: Buffer; kek_version: number }[];
      const update = this.cached('UPDATE pii_subjects SET wrapped_key = ?, kek_version = ? WHERE subject_key = ?');
      for (const row of rows) {
        const dataKey = unwrapDataKey(this.kek(row.kek_version), row.wrapped_key, row.subject_key);
        if (dataKey === null) throw new LedgerRefusal({ code: 'LEDGER_KEY_UNAVAILABLE', detail: `a data key does not open under key-encryption key version ${row.kek_version}` });
        update.run(wrapDataKey(newKek, dataKey, row.subject_key), toVersion, row.subject_key);
        dataKey.fill(0);
      }
      this.cached("INSERT INTO ledger_meta (name, value) VALUES ('pii_kek_version', ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value").run(String(toVersion));
      const appended = this.insertEntry(prepareInternal({ sessionId: LEDGER_SESSION_ID, kind: 'pii_key_rotated', body: { fromVersion, toVersion, subjects: rows.length } }));
      return { value: { fromVersion, toVersion, subjects: rows.length }, appended };
    });
  }

  compact(): Result<void, LedgerError> {
    if (this.closed) return closedError();
    try {
      this.db.pragma('wal_checkpoint(TRUNCATE)');
      this.db.exec('VACUUM');
      this.db.pragma('wal_checkpoint(TRUNCATE)');
      return ok(undefined);
    } catch (caught) {
      return err(toLedgerError(caught));
    }
  }

  outbox(afterSeq: number, limit: number): Result<readonly OutboxEntry[], LedgerError> {
    if (!Number.isSafeInteger(afterSeq) || afterSeq < 0 || !Number.isSafeInteger(limit) || limit < 0) throw new RangeError('afterSeq and limit must be non-negative integers');
    if (this.closed) return closedError();
    try {
      return ok(this.statements.after.all(afterSeq, limit).map(toOutboxEntry));
    } catch (caught) {
      return err(toLedgerError(caught));
    }
  }

  pendingOutbox(limit: number): Result<readonly OutboxEntry[], LedgerError> {
    if (this.closed) return closedError();
    try {
      const row = this.cached("SELECT value FROM ledger_meta WHERE name = 'outbox_acked_seq'").get() as { value: string } | undefined;
      return this.outbox(Number(row?.value ?? '0'), limit);
    } catch (caught) {
      return err(toLedgerError(caught));
    }
  }

  acknowledgeOutbox(seq: number): Result<number, LedgerError> {
    if (!Number.isSafeInteger(seq) || seq < 0) throw new RangeError('seq must be a non-negative integer');
    return this.write(() => {
      const last = this.statements.last.get();
      const capped = Math.min(seq, last?.seq ?? 0);
      this.cached("INSERT INTO ledger_meta (name, value) VALUES ('outbox_acked_seq', ?) ON CONFLICT (name) DO UPDATE SET value = max(CAST(value AS INTEGER), CAST(excluded.value AS INTEGER))")
        .run(String(capped));
      const row = this.cached("SELECT value FROM ledger_meta WHERE name = 'outbox_acked_seq'").get() as { value: string };
      return { value: Number(row.value), appended: null };
    });
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
    const verified = this.verify();
    if (!verified.ok) {
      const failure = verified.error;
      return err('seq' in failure ? { code: failure.code, seq: failure.seq } : failure);
    }
    return ok({ count: verified.value.count, head: verified.value.head });
  }

  verify(options: Omit<VerifyOptions, 'publicKey' | 'anchorPath'> = {}): Result<VerifyReport, VerifyFailure | LedgerError> {
    if (this.closed) return closedError();
    try {
      const outcome = verifyLedgerDatabase(this.db, { ...options, publicKey: this.signingKey.publicKey, anchorPath: this.anchorPath });
      return outcome.ok ? ok(outcome.value) : err(outcome.error);
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
    for (const kek of this.kekCache.values()) kek.fill(0);
    this.anchor?.close();
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

/** A refusal from inside a transaction: thrown to roll it back, returned as its LedgerError. */
class LedgerRefusal extends Error {
  constructor(readonly error: LedgerError) {
    super(error.detail ?? error.code);
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

/** For the entries the ledger writes itself: a failure here is a bug, so it aborts the transaction. */
function prepareInternal(entry: LedgerEntryInput): PreparedEntry {
  const prepared = prepareEntry(entry);
  if (!prepared.ok) throw new LedgerRefusal(prepared.error);
  return prepared.value;
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

function toOutboxEntry(row: EntryRow): OutboxEntry {
  return {
    seq: row.seq,
    recordedAt: row.recorded_at,
    kioskId: row.kiosk_id,
    sessionId: row.session_id,
    kind: row.kind,
    body: row.body,
    prevHash: row.prev_hash.toString('hex'),
    hash: row.hash.toString('hex'),
    signature: row.signature === null ? null : row.signature.toString('hex'),
    signingKeyId: row.signing_key_id,
  };
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

function renderExportHtml(document: {
  kioskId: string;
  exportedAt: string;
  exportedBy: { staffId: string; role: string; reason: string };
  personalData: readonly PersonRecord[];
  entries: readonly { seq: number; recordedAt: string; sessionId: string; kind: string; body: JsonValue }[];
}): string {
  const fieldLabels: Record<PiiField, string> = { name: 'Name', idNumber: 'ID number', address: 'Address', cardNumber: 'Card number' };
  const personal = document.personalData
    .map((record) => {
      const fields = PII_FIELDS.filter((field) => record.fields[field] !== undefined)
        .map((field) => `<tr><th>${fieldLabels[field]}</th><td>${escapeHtml(record.fields[field]!)}</td></tr>`)
        .join('');
      return `<section><h3>Recorded ${escapeHtml(record.recordedAt)} (entry ${record.seq})</h3>${record.erased ? '<p>Erased under the retention policy.</p>' : `<table>${fields}</table>`}</section>`;
    })
    .join('\n');
  const rows = document.entries
    .map((entry) => `<tr><td>${entry.seq}</td><td>${escapeHtml(entry.recordedAt)}</td><td>${escapeHtml(entry.kind)}</td><td><code>${escapeHtml(JSON.stringify(entry.body))}</code></td></tr>`)
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Data-subject export</title>
<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #999;padding:4px 8px;text-align:left}code{font-size:90%}</style></head>
<body>
<h1>What this kiosk recorded about you</h1>
<p>Kiosk ${escapeHtml(document.kioskId)}, exported ${escapeHtml(document.exportedAt)} by staff ${escapeHtml(document.exportedBy.staffId)} (${escapeHtml(document.exportedBy.role)}, reason ${escapeHtml(document.exportedBy.reason)}).</p>
<h2>Personal data</h2>
${personal || '<p>None held.</p>'}
<h2>Ledger entries</h2>
<table><tr><th>Entry</th><th>Time (UTC)</th><th>What</th><th>Details</th></tr>
${rows}
</table>
</body></html>
`;
}

function closedError(): Result<never, LedgerError> {
  return err({ code: 'LEDGER_CLOSED' });
}
