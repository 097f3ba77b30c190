// Runs in Node (main process, dev host, CLI). The ledger's failures as values with stable codes.
// SQLite's result codes are folded into a few that the kiosk acts on differently: a full disk
// (stop taking citizens, call a technician), a read-only or corrupt file (the same, but the ledger
// needs restoring), anything else (retry later).
import type { CodedError } from '../../native/common/result';

export type LedgerErrorCode =
  /** SQLITE_FULL: the disk, or the ledger's size cap, is full. Nothing was written. */
  | 'LEDGER_DISK_FULL'
  /** The file or its directory cannot be written. */
  | 'LEDGER_READ_ONLY'
  /** The file is not a database, or its pages are damaged. Not the same as a broken hash chain. */
  | 'LEDGER_CORRUPT'
  /** The entry (kind, session ID or body) is malformed, or its body looks like it holds an ID number. */
  | 'LEDGER_BODY_INVALID'
  /** The file was written by a newer release, with migrations this one does not know. */
  | 'LEDGER_SCHEMA_TOO_NEW'
  /** The key store could not give the ledger its key. */
  | 'LEDGER_KEY_UNAVAILABLE'
  /**
   * The start-up check found the ledger damaged (a broken chain, a bad signature or checkpoint, lost
   * entries, or a signing key that is not this kiosk's). Nothing was written to the file; a
   * technician must run `kioskctl ledger verify` and restore it. `break` says where and why.
   */
  | 'LEDGER_DAMAGED'
  /** The caller's role may not do this (a data-subject export needs a supervisor). */
  | 'LEDGER_ACCESS_DENIED'
  /** No such entry, or (for a proof) the entry is not yet covered by a checkpoint. */
  | 'LEDGER_NOT_FOUND'
  /** The ledger was used after close(). */
  | 'LEDGER_CLOSED'
  /** Any other I/O or SQLite failure (including a lock held too long by another process). */
  | 'LEDGER_IO';

export interface LedgerError extends CodedError<LedgerErrorCode> {
  /** SQLite's extended result code, when the failure came from SQLite. */
  readonly sqliteCode?: string;
  /** For LEDGER_DAMAGED: the first bad entry and why. */
  readonly break?: { readonly code: string; readonly seq: number; readonly detail: string };
}

/** Maps anything thrown by better-sqlite3 (or by fs around it) to a LedgerError. */
export function toLedgerError(caught: unknown): LedgerError {
  const sqliteCode = sqliteCodeOf(caught);
  const detail = caught instanceof Error ? caught.message : String(caught);
  if (sqliteCode === undefined) {
    const fsCode = (caught as { code?: unknown } | null)?.code;
    if (fsCode === 'ENOSPC') return { code: 'LEDGER_DISK_FULL', detail };
    if (fsCode === 'EROFS' || fsCode === 'EACCES' || fsCode === 'EPERM') return { code: 'LEDGER_READ_ONLY', detail };
    return { code: 'LEDGER_IO', detail };
  }
  return { code: codeForSqlite(sqliteCode), detail, sqliteCode };
}

function codeForSqlite(sqliteCode: string): LedgerErrorCode {
  if (sqliteCode === 'SQLITE_FULL') return 'LEDGER_DISK_FULL';
  if (sqliteCode.startsWith('SQLITE_READONLY') || sqliteCode === 'SQLITE_PERM' || sqliteCode === 'SQLITE_AUTH') return 'LEDGER_READ_ONLY';
  if (sqliteCode.startsWith('SQLITE_CORRUPT') || sqliteCode === 'SQLITE_NOTADB') return 'LEDGER_CORRUPT';
  return 'LEDGER_IO';
}

function sqliteCodeOf(caught: unknown): string | undefined {
  // better-sqlite3's SqliteError; checked by shape so this module needs no native import.
  if (caught instanceof Error && caught.name === 'SqliteError') {
    const code = (caught as Error & { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('SQLITE_')) return code;
  }
  return undefined;
}
