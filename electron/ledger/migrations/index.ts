// Runs in Node. The ledger's schema migrations, in order. Each runs in its own immediate
// transaction together with the PRAGMA user_version bump, so a crash leaves the file at the last
// whole version, and two processes opening the same file cannot both apply one.
import type { Database } from 'better-sqlite3';
import { err, ok, type Result } from '../../../native/common/result';
import { toLedgerError, type LedgerError } from '../ledger-errors';
import { updateToSchemaVersion1 } from './0001-create-entries';
import { updateToSchemaVersion2 } from './0002-create-id-number-keys';
import { updateToSchemaVersion3 } from './0003-add-signatures-and-checkpoints';
import { updateToSchemaVersion4 } from './0004-add-pii-vault';

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly up: (db: Database) => void;
}

export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: '0001-create-entries', up: updateToSchemaVersion1 },
  { version: 2, name: '0002-create-id-number-keys', up: updateToSchemaVersion2 },
  { version: 3, name: '0003-add-signatures-and-checkpoints', up: updateToSchemaVersion3 },
  { version: 4, name: '0004-add-pii-vault', up: updateToSchemaVersion4 },
];

export const LATEST_SCHEMA_VERSION: number = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;

export function schemaVersionOf(db: Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/** Brings `db` up to LATEST_SCHEMA_VERSION. Safe to call on every open. */
export function runMigrations(db: Database): Result<{ readonly from: number; readonly to: number }, LedgerError> {
  try {
    const from = schemaVersionOf(db);
    if (from > LATEST_SCHEMA_VERSION) {
      return err({ code: 'LEDGER_SCHEMA_TOO_NEW', detail: `file is at schema ${from}, this release knows up to ${LATEST_SCHEMA_VERSION}` });
    }
    for (const migration of MIGRATIONS) {
      if (migration.version <= from) continue;
      db.transaction(() => {
        // Re-read inside the write lock: another process may have migrated since we looked.
        if (schemaVersionOf(db) >= migration.version) return;
        migration.up(db);
        db.pragma(`user_version = ${migration.version}`);
      }).immediate();
    }
    return ok({ from, to: schemaVersionOf(db) });
  } catch (caught) {
    return err(toLedgerError(caught));
  }
}
