import Database from 'better-sqlite3';
import { createHash, verify as verifySignature, createPublicKey } from 'node:crypto';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../native/common/clock';
import { computeEntryHash, GENESIS_PREV_HASH } from '../../../electron/ledger/entry-hash';
import { openLedger, type Ledger } from '../../../electron/ledger/ledger';
import { inclusionPath, merkleRoot, rootFromInclusionPath } from '../../../electron/ledger/merkle';
import { updateToSchemaVersion1 } from '../../../electron/ledger/migrations/0001-create-entries';
import { updateToSchemaVersion2 } from '../../../electron/ledger/migrations/0002-create-id-number-keys';
import { checkInclusionProof, proofQrSvg, type InclusionProof } from '../../../electron/ledger/proof';
import { keyIdOf, signingKeyFromSeed } from '../../../electron/ledger/signing';
import { appendOrThrow, makeTempDir, MemoryKeyStore, openTestLedger, sessionEnded, sessionStarted, START } from './ledger-test-kit';

/** The slice-1 implementation of the entry hash, kept as the reference the optimised one must match. */
function referenceEntryHash(fields: Parameters<typeof computeEntryHash>[0]): Buffer {
  const lp = (text: string) => {
    const bytes = Buffer.from(text, 'utf8');
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    return Buffer.concat([length, bytes]);
  };
  const seq = Buffer.alloc(8);
  seq.writeBigUInt64BE(BigInt(fields.seq));
  return createHash('sha256')
    .update(lp('branch-kiosk/ledger-entry/v1'))
    .update(seq)
    .update(lp(fields.recordedAt))
    .update(lp(fields.kioskId))
    .update(lp(fields.sessionId))
    .update(lp(fields.kind))
    .update(lp(fields.body))
    .update(fields.prevHash)
    .digest();
}

/** RFC 6962 MTH, recursively, as the reference for the iterative tree. */
function referenceRoot(leaves: Buffer[]): Buffer {
  if (leaves.length === 1) return leaves[0]!;
  let split = 1;
  while (split * 2 < leaves.length) split *= 2;
  return createHash('sha256').update(Buffer.from([1])).update(referenceRoot(leaves.slice(0, split))).update(referenceRoot(leaves.slice(split))).digest();
}

describe('entry hash', () => {
  it('still hashes exactly the documented v1 encoding (multi-byte text included)', () => {
    const fields = { seq: 123_456_789, recordedAt: '2025-03-01T08:00:00.000Z', kioskId: 'kiosk-07', sessionId: 's-1', kind: 'staff_called', body: '{"screen":"同意"}', prevHash: Buffer.alloc(32, 7) };
    expect(computeEntryHash(fields).equals(referenceEntryHash(fields))).toBe(true);
    // A seq past 2^32 (the high half is written separately) and a long body (the scratch buffer grows).
    const large = { ...fields, seq: 2 ** 40 + 5, body: JSON.stringify({ screen: '界'.repeat(3000) }) };
    expect(computeEntryHash(large).equals(referenceEntryHash(large))).toBe(true);
    expect(computeEntryHash(fields).equals(referenceEntryHash(fields))).toBe(true);
  });
});

describe('Merkle tree', () => {
  const leaves = Array.from({ length: 40 }, (_, i) => createHash('sha256').update(`leaf ${i}`).digest());
  it('matches RFC 6962 for every size, and every inclusion path leads back to the root', () => {
    for (let size = 1; size <= leaves.length; size++) {
      const tree = leaves.slice(0, size);
      const root = merkleRoot(tree);
      expect(root.equals(referenceRoot(tree))).toBe(true);
      for (let index = 0; index < size; index++) {
        const path = inclusionPath(tree, index);
        expect(rootFromInclusionPath(tree[index]!, index, size, path)?.equals(root)).toBe(true);
        // The same path does not fit a neighbouring leaf. (The tree size is not checked by the path:
        // the signed checkpoint states it.)
        if (size > 1) expect(rootFromInclusionPath(tree[(index + 1) % size]!, index, size, path)?.equals(root) ?? false).toBe(false);
      }
    }
  });
});

describe('signed ledger', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let path: string;
  let keyStore: MemoryKeyStore;
  let ledger: Ledger;
  beforeEach(() => {
    temp = makeTempDir();
    path = join(temp.dir, 'ledger.db');
    keyStore = new MemoryKeyStore();
    ledger = openTestLedger(path, { keyStore, checkpointEvery: 4 });
  });
  afterEach(() => {
    ledger.close();
    temp.cleanup();
  });

  function appendMany(count: number): void {
    for (let i = 0; i < count; i++) appendOrThrow(ledger, i % 2 === 0 ? sessionStarted(`s${i}`) : sessionEnded(`s${i - 1}`));
  }

  it('signs every entry with the key-store key, and records that public key in the file', () => {
    appendMany(3);
    const seed = keyStore.getOrCreateSecret('ledger-signing-ed25519', 32);
    const key = signingKeyFromSeed(seed);
    expect(ledger.publicKey).toBe(key.publicKey.toString('hex'));
    const raw = new Database(path, { readonly: true });
    try {
      const meta = Object.fromEntries((raw.prepare('SELECT name, value FROM ledger_meta').all() as { name: string; value: string }[]).map((row) => [row.name, row.value]));
      expect(meta).toMatchObject({ public_key: ledger.publicKey, signing_key_id: keyIdOf(key.publicKey), signed_from_seq: '1' });
      const publicKey = createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), key.publicKey]), format: 'der', type: 'spki' });
      for (const row of raw.prepare('SELECT hash, signature, signing_key_id FROM entries').all() as { hash: Buffer; signature: Buffer; signing_key_id: string }[]) {
        expect(row.signing_key_id).toBe(keyIdOf(key.publicKey));
        const message = Buffer.concat([Buffer.from([0, 0, 0, 38]), Buffer.from('branch-kiosk/ledger-entry-signature/v1'), row.hash]);
        expect(verifySignature(null, message, publicKey, row.signature)).toBe(true);
      }
    } finally {
      raw.close();
    }
  });

  it('writes a signed checkpoint every N entries and on request', () => {
    appendMany(10);
    expect(ledger.checkpoint()).toMatchObject({ ok: true, value: { number: 3, firstSeq: 9, lastSeq: 10 } });
    expect(ledger.checkpoint()).toEqual({ ok: true, value: null });
    const raw = new Database(path, { readonly: true });
    try {
      const ranges = raw.prepare('SELECT number, first_seq, last_seq FROM checkpoints ORDER BY number').raw().all();
      expect(ranges).toEqual([
        [1, 1, 4],
        [2, 5, 8],
        [3, 9, 10],
      ]);
      const hashes = raw.prepare('SELECT hash FROM entries WHERE seq BETWEEN 5 AND 8 ORDER BY seq').pluck().all() as Buffer[];
      const root = (raw.prepare('SELECT merkle_root FROM checkpoints WHERE number = 2').pluck().get() as Buffer);
      expect(root.equals(referenceRoot(hashes))).toBe(true);
    } finally {
      raw.close();
    }
    expect(ledger.verify()).toMatchObject({ ok: true, value: { count: 10, checkpoints: 3, anchor: 'matched' } });
    expect(ledger.verify({ signatures: 'all' })).toMatchObject({ ok: true, value: { count: 10 } });
  });

  it('proves an entry is in its checkpoint, checkable without the database', () => {
    appendMany(6);
    expect(ledger.prove(6)).toMatchObject({ ok: false, error: { code: 'LEDGER_NOT_FOUND' } });
    ledger.checkpoint();
    const publicKey = Buffer.from(ledger.publicKey, 'hex');
    for (let seq = 1; seq <= 6; seq++) {
      const proof = ledger.prove(seq);
      expect(proof.ok).toBe(true);
      if (!proof.ok) return;
      const roundTripped = JSON.parse(JSON.stringify(proof.value)) as InclusionProof;
      expect(checkInclusionProof(roundTripped, publicKey)).toMatchObject({ ok: true, value: { seq, kioskId: 'kiosk-07', checkpoint: seq <= 4 ? 1 : 2 } });
    }
    expect(ledger.prove(7)).toMatchObject({ ok: false, error: { code: 'LEDGER_NOT_FOUND' } });
  });

  it('rejects a proof that was altered, or signed by a key other than the pinned one', () => {
    appendMany(8);
    const proved = ledger.prove(3);
    if (!proved.ok) throw new Error('no proof');
    const proof = proved.value;
    const body = JSON.parse(proof.entry.body) as Record<string, string>;
    const alter = (change: (copy: { entry: Record<string, unknown>; checkpoint: Record<string, unknown>; path: string[]; publicKey: string }) => void) => {
      const copy = JSON.parse(JSON.stringify(proof)) as { entry: Record<string, unknown>; checkpoint: Record<string, unknown>; path: string[]; publicKey: string };
      change(copy);
      return checkInclusionProof(copy, Buffer.from(ledger.publicKey, 'hex'));
    };
    expect(alter((copy) => (copy.entry.body = JSON.stringify({ ...body, flow: 'proof_of_life' })))).toMatchObject({ ok: false, error: { code: 'hash_mismatch' } });
    expect(alter((copy) => (copy.entry.signature = `${'0'.repeat(127)}1`))).toMatchObject({ ok: false, error: { code: 'bad_signature' } });
    expect(alter((copy) => (copy.path[0] = 'f'.repeat(64)))).toMatchObject({ ok: false, error: { code: 'checkpoint_mismatch' } });
    expect(alter((copy) => (copy.checkpoint.recordedAt = '2030-01-01T00:00:00.000Z'))).toMatchObject({ ok: false, error: { code: 'checkpoint_mismatch' } });
    expect(alter((copy) => (copy.publicKey = signingKeyFromSeed(Buffer.alloc(32, 9)).publicKey.toString('hex')))).toMatchObject({ ok: false, error: { code: 'bad_signature' } });
    expect(checkInclusionProof({ format: 'something else' })).toMatchObject({ ok: false, error: { code: 'malformed' } });
  });

  it('keeps its key across reopening, and refuses (untouched) a key store holding another key', () => {
    appendMany(2);
    ledger.close();
    const reopened = openTestLedger(path, { keyStore });
    expect(appendOrThrow(reopened, sessionStarted('s9')).seq).toBe(3);
    reopened.close();
    const opened = openLedger({ path, kioskId: 'kiosk-07', keyStore: new MemoryKeyStore(), clock: new ManualClock(START) });
    expect(opened).toMatchObject({ ok: false, error: { code: 'LEDGER_DAMAGED', break: { code: 'bad_signature', seq: 1 } } });
    ledger = openTestLedger(path, { keyStore });
    expect(ledger.verifyChain()).toMatchObject({ ok: true, value: { count: 3 } });
  });
});

describe('a receipt', () => {
  it('carries a QR code of the proof even from a full 1,000-entry checkpoint', async () => {
    const temp = makeTempDir();
    const ledger = openTestLedger(join(temp.dir, 'ledger.db'), { keyStore: new MemoryKeyStore() });
    try {
      for (let i = 0; i < 1000; i++) appendOrThrow(ledger, sessionStarted(`session-${i}`));
      const proof = ledger.prove(777);
      expect(proof.ok).toBe(true);
      if (!proof.ok) return;
      expect(proof.value.path).toHaveLength(10);
      expect(await proofQrSvg(proof.value)).toMatch(/^<svg/);
    } finally {
      ledger.close();
      temp.cleanup();
    }
  });
});

describe('a slice-1 ledger (unsigned entries)', () => {
  it('is signed from its next entry on, and verifies end to end', () => {
    const temp = makeTempDir();
    try {
      const path = join(temp.dir, 'old.db');
      const raw = new Database(path);
      raw.pragma('journal_mode = WAL');
      updateToSchemaVersion1(raw);
      updateToSchemaVersion2(raw);
      raw.pragma('user_version = 2');
      let prevHash: Buffer = GENESIS_PREV_HASH;
      for (let seq = 1; seq <= 3; seq++) {
        const fields = { seq, recordedAt: '2025-01-01T00:00:00.000Z', kioskId: 'kiosk-07', sessionId: `old${seq}`, kind: 'session_ended', body: '{"outcome":"completed"}', prevHash };
        const hash = computeEntryHash(fields);
        raw.prepare('INSERT INTO entries (seq, recorded_at, kiosk_id, session_id, kind, body, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)').run(seq, fields.recordedAt, fields.kioskId, fields.sessionId, fields.kind, fields.body, prevHash, hash);
        prevHash = hash;
      }
      raw.close();
      const ledger = openTestLedger(path, { checkpointEvery: 4 });
      for (let i = 0; i < 3; i++) appendOrThrow(ledger, sessionStarted(`new${i}`));
      expect(ledger.verify({ signatures: 'all' })).toMatchObject({ ok: true, value: { count: 6, signedFromSeq: 4, checkpoints: 1 } });
      const tail = ledger.tail(6);
      expect(tail.ok && tail.value.length).toBe(6);
      ledger.close();
    } finally {
      temp.cleanup();
    }
  });
});
