// Runs in Node. Schema version 3: what signing needs. Entries already have nullable `signature`
// and `signing_key_id` columns (0001); this adds the file's metadata (its public key, the first
// signed seq) and the signed checkpoints.
// Shipped migrations are never edited; change the schema with a new numbered file.
import type { Database } from 'better-sqlite3';

export function updateToSchemaVersion3(db: Database): void {
  db.exec(`
    -- public_key (hex), signing_key_id, signed_from_seq (entries before it were written by slice 1,
    -- unsigned), pii_kek_version, outbox_acked_seq.
    CREATE TABLE ledger_meta (
      name TEXT PRIMARY KEY NOT NULL,
      value TEXT NOT NULL
    ) STRICT, WITHOUT ROWID;

    -- A checkpoint signs the Merkle root over the hashes of entries first_seq..last_seq, and a digest
    -- of their signatures; consecutive checkpoints cover consecutive ranges (see signing.ts).
    CREATE TABLE checkpoints (
      number INTEGER PRIMARY KEY CHECK (number >= 1),
      first_seq INTEGER NOT NULL CHECK (first_seq >= 1),
      last_seq INTEGER NOT NULL CHECK (last_seq >= first_seq),
      merkle_root BLOB NOT NULL CHECK (length(merkle_root) = 32),
      signatures_digest BLOB NOT NULL CHECK (length(signatures_digest) = 32),
      recorded_at TEXT NOT NULL,
      signature BLOB NOT NULL CHECK (length(signature) = 64),
      signing_key_id TEXT NOT NULL
    ) STRICT;

    CREATE UNIQUE INDEX checkpoints_by_last_seq ON checkpoints (last_seq);

    -- Bug guards, as for entries (0001).
    CREATE TRIGGER checkpoints_no_update BEFORE UPDATE ON checkpoints
      BEGIN SELECT RAISE(ABORT, 'ledger checkpoints are append-only'); END;
    CREATE TRIGGER checkpoints_no_delete BEFORE DELETE ON checkpoints
      BEGIN SELECT RAISE(ABORT, 'ledger checkpoints are append-only'); END;
  `);
}
