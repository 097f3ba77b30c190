import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { keyedIdNumberHash, normaliseIdNumber } from '../../../electron/ledger/keyed-hash';
import { FileKeyStore } from '../../../electron/ledger/key-store';
import { appendOrThrow, makeTempDir, openTestLedger, SAMPLE_ID_NUMBER, sessionEnded, sessionStarted } from './ledger-test-kit';

describe('keyedIdNumberHash', () => {
  const key = randomBytes(32);

  it('is 64 lowercase hex characters and stable for the same key', () => {
    const hash = keyedIdNumberHash(key, SAMPLE_ID_NUMBER);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(keyedIdNumberHash(Buffer.from(key), SAMPLE_ID_NUMBER)).toBe(hash);
  });

  it('differs under a different key', () => {
    expect(keyedIdNumberHash(randomBytes(32), SAMPLE_ID_NUMBER)).not.toBe(keyedIdNumberHash(key, SAMPLE_ID_NUMBER));
  });

  it('differs for different numbers', () => {
    expect(keyedIdNumberHash(key, '440301199003071230')).not.toBe(keyedIdNumberHash(key, SAMPLE_ID_NUMBER));
  });

  it('is never a plain SHA-256 of the number', () => {
    for (const form of [SAMPLE_ID_NUMBER, SAMPLE_ID_NUMBER.toLowerCase()]) {
      expect(keyedIdNumberHash(key, form)).not.toBe(createHash('sha256').update(form).digest('hex'));
    }
  });

  it('treats the check character x and X (and stray whitespace) alike', () => {
    expect(normaliseIdNumber(' 11010519491231002x\n')).toBe('11010519491231002X');
    expect(keyedIdNumberHash(key, '11010519491231002x')).toBe(keyedIdNumberHash(key, '11010519491231002X'));
  });

  it('refuses a key too short to be a secret', () => {
    expect(() => keyedIdNumberHash(Buffer.alloc(8), SAMPLE_ID_NUMBER)).toThrow(RangeError);
  });
});

describe('Ledger.idNumberKey', () => {
  let temp: ReturnType<typeof makeTempDir>;
  beforeEach(() => {
    temp = makeTempDir();
  });
  afterEach(() => temp.cleanup());

  it('is stable across reopening with the same key store and differs between key stores', () => {
    const keys = new FileKeyStore(join(temp.dir, 'keys'), { warn: () => {} });
    const first = openTestLedger(join(temp.dir, 'a.db'), { keyStore: keys });
    const hash = first.idNumberKey(SAMPLE_ID_NUMBER);
    first.close();
    const reopened = openTestLedger(join(temp.dir, 'a.db'), { keyStore: new FileKeyStore(join(temp.dir, 'keys'), { warn: () => {} }) });
    expect(reopened.idNumberKey(SAMPLE_ID_NUMBER)).toBe(hash);
    reopened.close();
    const elsewhere = openTestLedger(join(temp.dir, 'b.db'), { keyStore: new FileKeyStore(join(temp.dir, 'other-keys'), { warn: () => {} }) });
    expect(elsewhere.idNumberKey(SAMPLE_ID_NUMBER)).not.toBe(hash);
    elsewhere.close();
  });
});

describe('the clear ID number', () => {
  let temp: ReturnType<typeof makeTempDir>;
  beforeEach(() => {
    temp = makeTempDir();
  });
  afterEach(() => temp.cleanup());

  function fileBytesContain(path: string, needles: readonly string[]): string[] {
    const found: string[] = [];
    for (const suffix of ['', '-wal', '-shm']) {
      if (!existsSync(path + suffix)) continue;
      const bytes = readFileSync(path + suffix);
      for (const needle of needles) {
        if (bytes.includes(Buffer.from(needle, 'ascii')) || bytes.includes(Buffer.from(needle, 'utf16le'))) found.push(`${needle} in ${suffix || '.db'}`);
      }
    }
    return found;
  }

  it('never reaches the database files, before or after checkpointing', () => {
    const path = join(temp.dir, 'ledger.db');
    const ledger = openTestLedger(path);
    appendOrThrow(ledger, sessionStarted('s1'));
    appendOrThrow(ledger, {
      sessionId: 's1',
      kind: 'id_card_read',
      body: { cardType: 'resident', idNumberKey: ledger.idNumberKey(SAMPLE_ID_NUMBER), idNumberValid: true, photoDecodable: true, expired: false, outcome: 'ok' },
    });
    // A careless caller: the guard must stop this before anything is written.
    const leaked = ledger.append({ sessionId: 's1', kind: 'staff_called', body: { screen: `n${SAMPLE_ID_NUMBER}` } });
    expect(leaked.ok).toBe(false);
    appendOrThrow(ledger, sessionEnded('s1'));

    const needles = [SAMPLE_ID_NUMBER, SAMPLE_ID_NUMBER.toLowerCase(), SAMPLE_ID_NUMBER.slice(0, 17), SAMPLE_ID_NUMBER.slice(6, 14)];
    expect(existsSync(`${path}-wal`)).toBe(true);
    expect(fileBytesContain(path, needles)).toEqual([]);
    ledger.close();
    expect(fileBytesContain(path, needles)).toEqual([]);
  });

  it('is refused by the ID-number guard, wherever it hides in the body', () => {
    const ledger = openTestLedger(join(temp.dir, 'ledger.db'));
    try {
      const attempts = [
        // The classic slip: the clear number where its keyed hash belongs.
        { sessionId: 's1', kind: 'id_card_read', body: { cardType: 'resident', idNumberKey: SAMPLE_ID_NUMBER, idNumberValid: true, photoDecodable: true, expired: false, outcome: 'ok' } },
        { sessionId: 's1', kind: 'id_card_read', body: { cardType: 'resident', idNumberKey: SAMPLE_ID_NUMBER.toLowerCase(), idNumberValid: true, photoDecodable: true, expired: false, outcome: 'ok' } },
        { sessionId: 's1', kind: 'staff_called', body: { screen: `screen${SAMPLE_ID_NUMBER}` } },
        { sessionId: 's1', kind: 'session_started', body: { flow: 'x110105491231002', language: 'zh' } },
        { sessionId: SAMPLE_ID_NUMBER, kind: 'session_ended', body: { outcome: 'completed' } },
      ] as const;
      for (const attempt of attempts) {
        const appended = ledger.append(attempt);
        expect(appended.ok).toBe(false);
        if (!appended.ok) {
          expect(appended.error.code).toBe('LEDGER_BODY_INVALID');
          expect(appended.error.detail).toMatch(/ID.number/);
          expect(JSON.stringify(appended.error)).not.toContain(SAMPLE_ID_NUMBER.slice(0, 17));
        }
      }
      expect(ledger.verifyChain()).toMatchObject({ ok: true, value: { count: 0 } });
    } finally {
      ledger.close();
    }
  });
});
