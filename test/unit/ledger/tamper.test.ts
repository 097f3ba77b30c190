// Tampering with a ledger file, each way the issue names, must be caught by `kioskctl ledger verify`
// with the right reason, and by the start-up check when it touches the tail.
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../native/common/clock';
import { runLedgerCommand } from '../../../electron/cli/ledger-command';
import { computeEntryHash } from '../../../electron/ledger/entry-hash';
import { openLedger, type Ledger } from '../../../electron/ledger/ledger';
import { merkleRoot } from '../../../electron/ledger/merkle';
import { signCheckpoint, signEntryHash, signingKeyFromSeed } from '../../../electron/ledger/signing';
import { verifyLedgerDatabase, type VerifyFailureCode } from '../../../electron/ledger/verify';
import { appendOrThrow, CONSENT_TEXT_HASH, makeTempDir, MemoryKeyStore, openTestLedger, SAMPLE_ID_NUMBER, sessionEnded, sessionStarted, START } from './ledger-test-kit';

const CHECKPOINT_EVERY = 4;
const ENTRY_COUNT = 10;

async function cli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runLedgerCommand(argv, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s) });
  return { code, stdout, stderr };
}

function fileDigest(path: string): string {
  return existsSync(path) ? createHash('sha256').update(readFileSync(path)).digest('hex') : 'absent';
}

describe('tampering', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let path: string;
  let keyStore: MemoryKeyStore;
  let publicKey: string;

  /** Ten entries of several kinds: checkpoints cover 1..4 and 5..8, entries 9 and 10 are signed one by one. */
  function populate(ledger: Ledger, from = 0, count = ENTRY_COUNT): void {
    for (let i = from; i < from + count; i++) {
      const sessionId = `s${Math.floor(i / 3)}`;
      switch (i % 5) {
        case 0:
          appendOrThrow(ledger, sessionStarted(sessionId));
          break;
        case 1:
          appendOrThrow(ledger, { sessionId, kind: 'consent_given', body: { consentTextVersion: '2025.1', consentTextHash: CONSENT_TEXT_HASH, language: 'zh-CN', alternativeOffered: 'staff_verification', readAloud: true } });
          break;
        case 2:
          appendOrThrow(ledger, { sessionId, kind: 'id_card_read', body: { cardType: 'resident', idNumberKey: ledger.idNumberKey(SAMPLE_ID_NUMBER), idNumberValid: true, photoDecodable: true, expired: false, outcome: 'ok' } });
          break;
        case 3:
          appendOrThrow(ledger, { sessionId, kind: 'staff_called', body: { screen: 'consent' } });
          break;
        default:
          appendOrThrow(ledger, sessionEnded(sessionId));
      }
    }
  }

  beforeEach(() => {
    temp = makeTempDir();
    path = join(temp.dir, 'ledger.db');
    keyStore = new MemoryKeyStore();
    const ledger = openTestLedger(path, { keyStore, checkpointEvery: CHECKPOINT_EVERY });
    populate(ledger);
    publicKey = ledger.publicKey;
    ledger.close();
  });
  afterEach(() => temp.cleanup());

  /** A connection with the bug-guard triggers dropped, as anyone with write access could do. */
  function attacker(): Database.Database {
    const raw = new Database(path);
    raw.pragma('foreign_keys = OFF');
    raw.exec('DROP TRIGGER entries_no_update; DROP TRIGGER entries_no_delete; DROP TRIGGER checkpoints_no_update; DROP TRIGGER checkpoints_no_delete;');
    return raw;
  }

  function verifyWith(raw: Database.Database): { code: VerifyFailureCode; seq: number } | 'ok' {
    const outcome = verifyLedgerDatabase(raw, { anchorPath: `${path}.head` });
    return outcome.ok ? 'ok' : { code: outcome.error.code, seq: outcome.error.seq };
  }

  it('verifies the untouched file, from the CLI too, with the key pinned', async () => {
    const result = await cli(['verify', path, '--public-key', publicKey]);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/^OK: 10 entries, 2 checkpoints, head 10 [0-9a-f]{64}, key [0-9a-f]{16} \(pinned\)/);
    expect(await cli(['public-key', path])).toEqual({ code: 0, stdout: `${publicKey}\n`, stderr: '' });
  });

  it('flipping any byte of any column of several entries is caught, with the reason that fits the column', () => {
    const raw = attacker();
    try {
      const columns: [string, 'text' | 'blob', VerifyFailureCode][] = [
        ['recorded_at', 'text', 'hash_mismatch'],
        ['kiosk_id', 'text', 'hash_mismatch'],
        ['session_id', 'text', 'hash_mismatch'],
        ['kind', 'text', 'hash_mismatch'],
        ['body', 'text', 'hash_mismatch'],
        ['prev_hash', 'blob', 'hash_mismatch'],
        ['hash', 'blob', 'hash_mismatch'],
        ['signature', 'blob', 'bad_signature'],
        ['signing_key_id', 'text', 'bad_signature'],
      ];
      let cases = 0;
      // 1 and 3: inside the first checkpoint; 6: inside the second; 9 and 10: after the last one.
      for (const seq of [1, 3, 6, 9, 10]) {
        for (const [column, type, expected] of columns) {
          const original = raw.prepare(`SELECT CAST(${column} AS BLOB) FROM entries WHERE seq = ?`).pluck().get(seq) as Buffer;
          const write = raw.prepare(`UPDATE entries SET ${column} = ${type === 'text' ? 'CAST(? AS TEXT)' : '?'} WHERE seq = ?`);
          for (let index = 0; index < original.length; index++) {
            const flipped = Buffer.from(original);
            flipped[index]! ^= type === 'text' ? 0x01 : 0xff;
            write.run(flipped, seq);
            expect({ seq, column, index, found: verifyWith(raw) }).toEqual({ seq, column, index, found: { code: expected, seq } });
            cases++;
          }
          write.run(original, seq);
        }
        raw.prepare('UPDATE entries SET seq = seq + 1024 WHERE seq = ?').run(seq);
        expect(verifyWith(raw)).toEqual({ code: 'gap', seq });
        raw.prepare('UPDATE entries SET seq = seq - 1024 WHERE seq = ?').run(seq + 1024);
        expect(verifyWith(raw)).toBe('ok');
      }
      expect(cases).toBeGreaterThan(1000);
    } finally {
      raw.close();
    }
  });

  it('flipping any byte of a checkpoint or of the recorded key is caught', () => {
    const raw = attacker();
    try {
      let cases = 0;
      for (const number of [1, 2]) {
        for (const [column, type] of [['merkle_root', 'blob'], ['signatures_digest', 'blob'], ['signature', 'blob'], ['recorded_at', 'text'], ['signing_key_id', 'text']] as const) {
          const original = raw.prepare(`SELECT CAST(${column} AS BLOB) FROM checkpoints WHERE number = ?`).pluck().get(number) as Buffer;
          const write = raw.prepare(`UPDATE checkpoints SET ${column} = ${type === 'text' ? 'CAST(? AS TEXT)' : '?'} WHERE number = ?`);
          for (let index = 0; index < original.length; index++) {
            const flipped = Buffer.from(original);
            flipped[index]! ^= type === 'text' ? 0x01 : 0xff;
            write.run(flipped, number);
            expect({ number, column, index, found: verifyWith(raw) }).toEqual({ number, column, index, found: { code: 'checkpoint_mismatch', seq: number * CHECKPOINT_EVERY } });
            cases++;
          }
          write.run(original, number);
        }
        for (const column of ['number', 'first_seq', 'last_seq']) {
          const original = raw.prepare(`SELECT ${column} FROM checkpoints WHERE number = ?`).pluck().get(number) as number;
          try {
            raw.prepare(`UPDATE checkpoints SET ${column} = ? WHERE number = ?`).run(original ^ 2, number);
          } catch {
            continue; // a value the table's CHECK constraints refuse cannot be stored this way
          }
          const found = verifyWith(raw);
          expect(found !== 'ok' && found.code).toBe('checkpoint_mismatch');
          raw.prepare(`UPDATE checkpoints SET ${column} = ? WHERE ${column} = ?`).run(original, original ^ 2);
          cases++;
        }
      }
      for (const name of ['public_key', 'signing_key_id', 'signed_from_seq']) {
        const original = raw.prepare('SELECT value FROM ledger_meta WHERE name = ?').pluck().get(name) as string;
        for (let index = 0; index < original.length; index++) {
          const flipped = Buffer.from(original);
          flipped[index]! ^= 0x01;
          raw.prepare('UPDATE ledger_meta SET value = ? WHERE name = ?').run(flipped.toString(), name);
          expect({ name, index, found: verifyWith(raw) }).toEqual({ name, index, found: { code: 'bad_signature', seq: 1 } });
          cases++;
        }
        raw.prepare('UPDATE ledger_meta SET value = ? WHERE name = ?').run(original, name);
      }
      expect(verifyWith(raw)).toBe('ok');
      expect(cases).toBeGreaterThan(400);
    } finally {
      raw.close();
    }
  });

  it.each([
    [1, 'the first'],
    [6, 'one inside a checkpoint'],
    [9, 'one after the last checkpoint'],
    [ENTRY_COUNT, 'the newest (only the head anchor shows it)'],
  ])('deleting entry %i (%s) is a gap there', async (seq) => {
    const raw = attacker();
    raw.prepare('DELETE FROM entries WHERE seq = ?').run(seq);
    raw.close();
    const result = await cli(['verify', path]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(new RegExp(`^FAILED: entry ${seq}: gap \\(`));
  });

  it.each([
    [2, 3],
    [3, 7],
    [9, 10],
  ])('swapping entries %i and %i is reordered at the first', async (a, b) => {
    const raw = attacker();
    const columns = 'recorded_at, kiosk_id, session_id, kind, body, prev_hash, hash, signature, signing_key_id';
    const rowA = raw.prepare(`SELECT ${columns} FROM entries WHERE seq = ?`).raw().get(a) as unknown[];
    const rowB = raw.prepare(`SELECT ${columns} FROM entries WHERE seq = ?`).raw().get(b) as unknown[];
    const update = raw.prepare(`UPDATE entries SET (${columns}) = (?, ?, ?, ?, ?, ?, ?, ?, ?) WHERE seq = ?`);
    update.run(...rowB, a);
    update.run(...rowA, b);
    raw.close();
    const result = await cli(['verify', path]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(new RegExp(`^FAILED: entry ${a}: reordered \\(entry ${a} holds the intact entry ${b}\\)`));
  });

  it('truncating the WAL (losing committed entries) is a gap where the lost entries begin', async () => {
    // Entries 11..16 live only in the WAL while the writer is open; copy the files as they are then.
    const ledger = openTestLedger(path, { keyStore, checkpointEvery: CHECKPOINT_EVERY });
    populate(ledger, ENTRY_COUNT, 6);
    const wal = `${path}-wal`;
    const walBytes = statSync(wal).size;
    expect(walBytes).toBeGreaterThan(0);
    const cuts = [walBytes - 1, Math.floor(walBytes / 2), 4096 + 32, 16];
    for (const [index, cut] of cuts.entries()) {
      const copy = join(temp.dir, `copy${index}.db`);
      copyFileSync(path, copy);
      copyFileSync(wal, `${copy}-wal`);
      copyFileSync(`${path}.head`, `${copy}.head`);
      truncateSync(`${copy}-wal`, cut);
      const result = await cli(['verify', copy]);
      expect(result.code).toBe(1);
      const match = /^FAILED: entry (\d+): gap \(the ledger ends at (\d+) but entry 16 was committed \(head anchor\)\)/.exec(result.stdout);
      expect(match, result.stdout).not.toBeNull();
      expect(Number(match![1])).toBe(Number(match![2]) + 1);
      expect(Number(match![2])).toBeGreaterThanOrEqual(ENTRY_COUNT);
    }
    ledger.close();
  });

  it('replacing the key: a re-signed ledger fails against the pinned key, and the kiosk refuses it untouched', async () => {
    // The forger re-signs every entry and checkpoint with their own key and records it in the file.
    const forger = signingKeyFromSeed(Buffer.alloc(32, 0x42));
    const raw = attacker();
    for (const row of raw.prepare('SELECT seq, hash FROM entries').all() as { seq: number; hash: Buffer }[]) {
      raw.prepare('UPDATE entries SET signature = ?, signing_key_id = ? WHERE seq = ?').run(signEntryHash(forger, row.hash), forger.keyId, row.seq);
    }
    for (const cp of raw.prepare('SELECT * FROM checkpoints').all() as { number: number; first_seq: number; last_seq: number; recorded_at: string }[]) {
      const rows = raw.prepare('SELECT hash, signature FROM entries WHERE seq BETWEEN ? AND ? ORDER BY seq').all(cp.first_seq, cp.last_seq) as { hash: Buffer; signature: Buffer }[];
      const digest = createHash('sha256');
      for (const row of rows) digest.update(row.signature);
      const fields = { kioskId: 'kiosk-07', number: cp.number, firstSeq: cp.first_seq, lastSeq: cp.last_seq, merkleRoot: merkleRoot(rows.map((row) => row.hash)), signaturesDigest: digest.digest(), recordedAt: cp.recorded_at };
      raw.prepare('UPDATE checkpoints SET merkle_root = ?, signatures_digest = ?, signature = ?, signing_key_id = ? WHERE number = ?').run(fields.merkleRoot, fields.signaturesDigest, signCheckpoint(forger, fields), forger.keyId, cp.number);
    }
    raw.prepare("UPDATE ledger_meta SET value = ? WHERE name = 'public_key'").run(forger.publicKey.toString('hex'));
    raw.prepare("UPDATE ledger_meta SET value = ? WHERE name = 'signing_key_id'").run(forger.keyId);
    const last = raw.prepare('SELECT seq, hash FROM entries ORDER BY seq DESC LIMIT 1').get() as { seq: number; hash: Buffer };
    raw.close();
    // The forger rewrites the head anchor too (slot by seq parity, as head-anchor.ts lays it out).
    const slot = Buffer.alloc(112);
    slot.write('BKLH', 0, 'ascii');
    slot[4] = 1;
    slot.writeBigUInt64BE(BigInt(last.seq), 8);
    last.hash.copy(slot, 16);
    signEntryHash(forger, last.hash).copy(slot, 48);
    writeFileSync(`${path}.head`, last.seq % 2 === 0 ? Buffer.concat([slot, Buffer.alloc(112)]) : Buffer.concat([Buffer.alloc(112), slot]));

    // Without a pinned key the file is self-consistent: that is what pinning is for.
    expect((await cli(['verify', path])).code).toBe(0);
    const pinned = await cli(['verify', path, '--public-key', publicKey]);
    expect(pinned.code).toBe(1);
    expect(pinned.stdout).toMatch(/^FAILED: entry 1: bad_signature \(the ledger is signed with key [0-9a-f]{16}, not the pinned [0-9a-f]{16}\)/);

    const files = [path, `${path}-wal`, `${path}-shm`, `${path}.head`];
    const before = files.map(fileDigest);
    const opened = openLedger({ path, kioskId: 'kiosk-07', keyStore, clock: new ManualClock(START) });
    expect(opened).toMatchObject({ ok: false, error: { code: 'LEDGER_DAMAGED', break: { code: 'bad_signature', seq: 1 } } });
    expect(files.map(fileDigest)).toEqual(before);
  });

  it('replacing only the recorded public key is a bad signature at the first entry', async () => {
    const raw = attacker();
    raw.prepare("UPDATE ledger_meta SET value = ? WHERE name = 'public_key'").run(signingKeyFromSeed(Buffer.alloc(32, 1)).publicKey.toString('hex'));
    raw.prepare("UPDATE ledger_meta SET value = ? WHERE name = 'signing_key_id'").run(signingKeyFromSeed(Buffer.alloc(32, 1)).keyId);
    raw.close();
    const result = await cli(['verify', path]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^FAILED: entry 1: bad_signature/);
  });

  describe('the start-up check', () => {
    it('refuses a ledger damaged in its tail with LEDGER_DAMAGED, leaving every file untouched', () => {
      const raw = attacker();
      raw.prepare("UPDATE entries SET body = replace(body, 'consent', 'consenT') WHERE seq = 9").run();
      raw.close();
      const files = [path, `${path}-wal`, `${path}-shm`, `${path}.head`];
      const before = files.map(fileDigest);
      const opened = openLedger({ path, kioskId: 'kiosk-07', keyStore, clock: new ManualClock(START) });
      expect(opened).toMatchObject({ ok: false, error: { code: 'LEDGER_DAMAGED', break: { code: 'hash_mismatch', seq: 9 } } });
      expect(files.map(fileDigest)).toEqual(before);
    });

    it('refuses a ledger whose newest entries are gone, or whose head anchor was removed', () => {
      const raw = attacker();
      raw.prepare('DELETE FROM entries WHERE seq >= 9').run();
      raw.close();
      expect(openLedger({ path, kioskId: 'kiosk-07', keyStore, clock: new ManualClock(START) })).toMatchObject({ ok: false, error: { code: 'LEDGER_DAMAGED', break: { code: 'gap', seq: 9 } } });
      writeFileSync(`${path}.head`, '');
      expect(openLedger({ path, kioskId: 'kiosk-07', keyStore, clock: new ManualClock(START) })).toMatchObject({ ok: false, error: { code: 'LEDGER_DAMAGED', break: { code: 'gap' } } });
    });

    it('checks only the tail: older damage is left to the full verify', async () => {
      const raw = attacker();
      raw.prepare("UPDATE entries SET session_id = 'x' WHERE seq = 2").run();
      raw.close();
      const ledger = openTestLedger(path, { keyStore, checkpointEvery: CHECKPOINT_EVERY });
      expect(ledger.verifyChain()).toEqual({ ok: false, error: { code: 'hash_mismatch', seq: 2 } });
      ledger.close();
      expect((await cli(['verify', path])).stdout).toMatch(/^FAILED: entry 2: hash_mismatch/);
    });
  });
});

describe('kioskctl ledger', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let path: string;
  beforeEach(() => {
    temp = makeTempDir();
    path = join(temp.dir, 'ledger.db');
  });
  afterEach(() => temp.cleanup());

  it('proves an entry into a file (and a QR code), and checks the proof without the database', async () => {
    const ledger = openTestLedger(path, { keyStore: new MemoryKeyStore(), checkpointEvery: 4 });
    for (let i = 0; i < 5; i++) appendOrThrow(ledger, sessionStarted(`s${i}`));
    const publicKey = ledger.publicKey;
    ledger.close();
    expect((await cli(['prove', '5', '--db', path])).code).toBe(1);
    const proofFile = join(temp.dir, 'proof.json');
    const qrFile = join(temp.dir, 'proof.svg');
    expect(await cli(['prove', '3', '--db', path, '--out', proofFile, '--qr', qrFile])).toMatchObject({ code: 0 });
    expect(readFileSync(qrFile, 'utf8')).toMatch(/^<svg/);
    const checked = await cli(['check-proof', proofFile, '--public-key', publicKey]);
    expect(checked).toMatchObject({ code: 0 });
    expect(checked.stdout).toMatch(/^OK: entry 3 of kiosk kiosk-07 is in checkpoint 1, signed by key [0-9a-f]{16} \(pinned\)/);
    const printed = await cli(['prove', '2', '--db', path]);
    expect(JSON.parse(printed.stdout)).toMatchObject({ format: 'branch-kiosk/ledger-proof/v1', entry: { seq: 2 } });

    const proof = JSON.parse(readFileSync(proofFile, 'utf8')) as { entry: { body: string } };
    proof.entry.body = proof.entry.body.replace('card_activation', 'proof_of_life');
    writeFileSync(proofFile, JSON.stringify(proof));
    expect(await cli(['check-proof', proofFile])).toMatchObject({ code: 1, stdout: expect.stringMatching(/^FAILED: hash_mismatch/) });
    expect(await cli(['check-proof', join(temp.dir, 'proof.svg')])).toMatchObject({ code: 1, stdout: 'FAILED: malformed (not JSON)\n' });
  });

  it('answers usage errors with exit code 2', async () => {
    expect((await cli([])).code).toBe(2);
    expect((await cli(['verify'])).code).toBe(2);
    expect((await cli(['verify', join(temp.dir, 'missing.db')])).code).toBe(2);
    expect((await cli(['prove', 'x', '--db', path])).code).toBe(2);
    expect((await cli(['verify', path, '--public-key', 'abc'])).code).toBe(2);
  });
});
