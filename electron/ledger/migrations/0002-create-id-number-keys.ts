// Runs in Node. Schema version 2: look-up of entries by the keyed hash of an ID number.
// The hash is also in the entry's body (which the chain covers); this table only indexes it.
// Shipped migrations are never edited; change the schema with a new numbered file.
import type { Database } from 'better-sqlite3';

export function updateToSchemaVersion2(db: Database): void {
  db.exec(`
    CREATE TABLE id_number_keys (
      id_number_key TEXT NOT NULL CHECK (length(id_number_key) = 64),
      seq INTEGER NOT NULL REFERENCES entries (seq) ON DELETE CASCADE,
      PRIMARY KEY (id_number_key, seq)
    ) STRICT, WITHOUT ROWID;

    CREATE INDEX id_number_keys_by_seq ON id_number_keys (seq);
  `);
}
