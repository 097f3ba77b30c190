// Runs in Node. Schema version 4: encrypted personal data, kept outside the hashed entries.
// An entry's body holds only a commitment (SHA-256) to each sealed value, so deleting the values
// and the person's key (retention) leaves every hash, signature and checkpoint intact.
// Shipped migrations are never edited; change the schema with a new numbered file.
import type { Database } from 'better-sqlite3';

export function updateToSchemaVersion4(db: Database): void {
  db.exec(`
    -- One random data key per person (per keyed ID-number hash), wrapped with AES-256-GCM under the
    -- key-encryption key of version kek_version from the key store. Deleting the row crypto-shreds
    -- every value sealed under it.
    CREATE TABLE pii_subjects (
      subject_key TEXT PRIMARY KEY NOT NULL CHECK (length(subject_key) = 64),
      wrapped_key BLOB NOT NULL,
      kek_version INTEGER NOT NULL CHECK (kek_version >= 1),
      created_at TEXT NOT NULL
    ) STRICT, WITHOUT ROWID;

    -- sealed = 12-byte nonce || AES-256-GCM ciphertext || 16-byte tag, under the person's data key.
    CREATE TABLE pii_values (
      seq INTEGER NOT NULL,
      field TEXT NOT NULL,
      subject_key TEXT NOT NULL,
      sealed BLOB NOT NULL,
      PRIMARY KEY (seq, field)
    ) STRICT, WITHOUT ROWID;

    CREATE INDEX pii_values_by_subject ON pii_values (subject_key, seq);
  `);
}
