// Runs in Node. Schema version 1: the append-only, hash-chained entries table.
// Shipped migrations are never edited; change the schema with a new numbered file.
import type { Database } from 'better-sqlite3';

export function updateToSchemaVersion1(db: Database): void {
  db.exec(`
    CREATE TABLE entries (
      seq INTEGER PRIMARY KEY CHECK (seq >= 1),
      recorded_at TEXT NOT NULL,
      kiosk_id TEXT NOT NULL,
      session_id TEXT NOT NULL,
      kind TEXT NOT NULL,
      body TEXT NOT NULL,
      prev_hash BLOB NOT NULL CHECK (length(prev_hash) = 32),
      hash BLOB NOT NULL CHECK (length(hash) = 32),
      -- Ed25519 signature over hash, and the id of the kiosk key that made it. Null until signing
      -- lands; entries written before then stay unsigned and are covered by the chain alone.
      signature BLOB,
      signing_key_id TEXT
    ) STRICT;

    CREATE INDEX entries_by_session ON entries (session_id, seq);

    -- Guards against our own bugs, not against an attacker (who can drop a trigger); the hash
    -- chain, and later the signatures, are what make tampering visible. Retention will replace
    -- these in its own migration.
    CREATE TRIGGER entries_no_update BEFORE UPDATE ON entries
      BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only'); END;
    CREATE TRIGGER entries_no_delete BEFORE DELETE ON entries
      BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only'); END;
  `);
}
