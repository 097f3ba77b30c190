// Personal data: sealed outside the hashed entries, read only with an access entry, erased by
// retention (crypto-shredding) while the chain still verifies, and never in clear in the files.
import Database from 'better-sqlite3';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../native/common/clock';
import { computeEntryHash } from '../../../electron/ledger/entry-hash';
import type { Ledger, PiiAccess } from '../../../electron/ledger/ledger';
import { publicKeyObject, verifyEntrySignature } from '../../../electron/ledger/signing';
import { appendOrThrow, CONSENT_TEXT_HASH, makeTempDir, MemoryKeyStore, openTestLedger, SAMPLE_ID_NUMBER, sessionEnded, sessionStarted, START } from './ledger-test-kit';

const NAME = '测试甲';
const ADDRESS = '测试市测试路1号';
const OTHER_ID_NUMBER = '110105194912310037';
const SUPERVISOR: PiiAccess = { staffId: 'sup-01', role: 'supervisor', reason: 'citizen_request' };
const STAFF: PiiAccess = { staffId: 'staff-07', role: 'staff', reason: 'complaint-12' };
const DAY = 86_400_000;

describe('personal data', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let path: string;
  let clock: ManualClock;
  let keyStore: MemoryKeyStore;
  let ledger: Ledger;

  beforeEach(() => {
    temp = makeTempDir();
    path = join(temp.dir, 'ledger.db');
    clock = new ManualClock(START);
    keyStore = new MemoryKeyStore();
    ledger = openTestLedger(path, { clock, keyStore, checkpointEvery: 5 });
  });
  afterEach(() => {
    ledger.close();
    temp.cleanup();
  });

  function recordSession(sessionId: string, idNumber: string): void {
    appendOrThrow(ledger, sessionStarted(sessionId));
    appendOrThrow(ledger, { sessionId, kind: 'consent_given', body: { consentTextVersion: '2025.1', consentTextHash: CONSENT_TEXT_HASH, language: 'zh-CN', alternativeOffered: 'staff_verification' } });
    appendOrThrow(ledger, { sessionId, kind: 'id_card_read', body: { cardType: 'resident', idNumberKey: ledger.idNumberKey(idNumber), idNumberValid: true, photoDecodable: true, expired: false, outcome: 'ok' } });
    const recorded = ledger.recordPerson({ sessionId, idNumber, name: NAME, address: ADDRESS });
    if (!recorded.ok) throw new Error(recorded.error.code);
    appendOrThrow(ledger, sessionEnded(sessionId));
  }

  /** Every encoding a careless write could leave the name or ID number in. */
  function clearPiiIn(files: readonly string[]): string[] {
    const needles: [string, Buffer][] = [
      ['name utf8', Buffer.from(NAME, 'utf8')],
      ['name utf16', Buffer.from(NAME, 'utf16le')],
      ['address utf8', Buffer.from(ADDRESS, 'utf8')],
      ['id number', Buffer.from(SAMPLE_ID_NUMBER, 'ascii')],
      ['id number lower', Buffer.from(SAMPLE_ID_NUMBER.toLowerCase(), 'ascii')],
      ['id number utf16', Buffer.from(SAMPLE_ID_NUMBER, 'utf16le')],
    ];
    const found: string[] = [];
    for (const file of files) {
      if (!existsSync(file)) continue;
      const bytes = readFileSync(file);
      for (const [label, needle] of needles) if (bytes.includes(needle)) found.push(`${label} in ${file}`);
    }
    return found;
  }

  it('records only commitments in the entry, and reads the data back after logging the access', () => {
    recordSession('s1', SAMPLE_ID_NUMBER);
    const entries = ledger.entriesForIdNumberKey(ledger.idNumberKey(SAMPLE_ID_NUMBER));
    const identified = entries.ok ? entries.value.find((entry) => entry.kind === 'person_identified') : undefined;
    expect(identified?.body).toEqual({ idNumberKey: ledger.idNumberKey(SAMPLE_ID_NUMBER), sealed: { idNumber: expect.stringMatching(/^[0-9a-f]{64}$/), name: expect.stringMatching(/^[0-9a-f]{64}$/), address: expect.stringMatching(/^[0-9a-f]{64}$/) } });

    const read = ledger.readPerson(SAMPLE_ID_NUMBER, STAFF);
    expect(read).toMatchObject({ ok: true, value: [{ seq: identified?.seq, sessionId: 's1', erased: false, fields: { idNumber: SAMPLE_ID_NUMBER, name: NAME, address: ADDRESS } }] });
    const tail = ledger.tail(1);
    expect(tail.ok && tail.value[0]).toMatchObject({
      kind: 'pii_accessed',
      body: { idNumberKey: ledger.idNumberKey(SAMPLE_ID_NUMBER), staffId: 'staff-07', role: 'staff', reason: 'complaint-12', purpose: 'lookup', records: 1 },
    });
    expect(ledger.readPerson(OTHER_ID_NUMBER, STAFF)).toEqual({ ok: true, value: [] });
    expect(ledger.readPerson(SAMPLE_ID_NUMBER, { staffId: 'Zhang San 张三', role: 'staff', reason: 'x' })).toMatchObject({ ok: false, error: { code: 'LEDGER_BODY_INVALID' } });
    expect(ledger.verify({ signatures: 'all' }).ok).toBe(true);
  });

  it('keeps the entry kinds it writes itself out of append()', () => {
    const forged = ledger.append({ sessionId: 's1', kind: 'retention_purged', body: { retentionDays: 0, cutoff: '2025-03-01T08:00:00.000Z', subjects: 0, values: 0 } });
    expect(forged).toMatchObject({ ok: false, error: { code: 'LEDGER_BODY_INVALID' } });
    expect(ledger.recordPerson({ sessionId: 's1', idNumber: '', name: NAME })).toMatchObject({ ok: false, error: { code: 'LEDGER_BODY_INVALID' } });
  });

  it('never leaves a clear name or ID number in the database or WAL, before or after purge, checkpoint and VACUUM', () => {
    const files = [path, `${path}-wal`, `${path}.head`];
    recordSession('s1', SAMPLE_ID_NUMBER);
    expect(ledger.readPerson(SAMPLE_ID_NUMBER, STAFF).ok).toBe(true);
    expect(existsSync(`${path}-wal`)).toBe(true);
    expect(clearPiiIn(files)).toEqual([]);
    clock.advance(181 * DAY);
    expect(ledger.purgeExpiredPii(180)).toMatchObject({ ok: true, value: { subjects: 1, values: 3 } });
    expect(clearPiiIn(files)).toEqual([]);
    expect(ledger.compact()).toEqual({ ok: true, value: undefined });
    expect(clearPiiIn(files)).toEqual([]);
    expect(ledger.verify({ signatures: 'all' })).toMatchObject({ ok: true });
  });

  it('erases expired data by crypto-shredding, records the purge, and still verifies', () => {
    recordSession('s1', SAMPLE_ID_NUMBER);
    clock.advance(100 * DAY);
    recordSession('s2', OTHER_ID_NUMBER);
    const hashesBefore = ledger.tail(100);
    const raw = new Database(path, { readonly: true });
    const sealedBefore = raw.prepare('SELECT sealed FROM pii_values WHERE subject_key = ?').pluck().all(ledger.idNumberKey(SAMPLE_ID_NUMBER)) as Buffer[];
    raw.close();
    expect(sealedBefore).toHaveLength(3);

    clock.advance(81 * DAY); // s1 is now 181 days old, s2 81
    const purged = ledger.purgeExpiredPii(180);
    expect(purged).toMatchObject({ ok: true, value: { subjects: 1, values: 3, entry: { seq: expect.any(Number) } } });
    const tail = ledger.tail(1);
    expect(tail.ok && tail.value[0]).toMatchObject({ kind: 'retention_purged', body: { retentionDays: 180, cutoff: new Date(START + 1 * DAY).toISOString(), subjects: 1, values: 3 } });
    expect(ledger.purgeExpiredPii(180)).toMatchObject({ ok: true, value: { subjects: 0, values: 0, entry: null } });

    expect(ledger.readPerson(SAMPLE_ID_NUMBER, STAFF)).toMatchObject({ ok: true, value: [{ sessionId: 's1', erased: true, fields: {} }] });
    expect(ledger.readPerson(OTHER_ID_NUMBER, STAFF)).toMatchObject({ ok: true, value: [{ sessionId: 's2', erased: false, fields: { name: NAME } }] });
    // The earlier entries are exactly as they were: nothing in the chain was rewritten.
    const hashesAfter = ledger.tail(100);
    expect(hashesAfter.ok && hashesBefore.ok && hashesAfter.value.slice(0, hashesBefore.value.length)).toEqual(hashesBefore.ok && hashesBefore.value);
    expect(ledger.verify({ signatures: 'all' })).toMatchObject({ ok: true });
    const check = new Database(path, { readonly: true });
    try {
      expect(check.prepare('SELECT count(*) FROM pii_subjects WHERE subject_key = ?').pluck().get(ledger.idNumberKey(SAMPLE_ID_NUMBER))).toBe(0);
      expect(check.prepare('SELECT count(*) FROM pii_values WHERE subject_key = ?').pluck().get(ledger.idNumberKey(SAMPLE_ID_NUMBER))).toBe(0);
    } finally {
      check.close();
    }
  });

  it('rotates the key-encryption key without touching entries or sealed values', () => {
    recordSession('s1', SAMPLE_ID_NUMBER);
    const snapshot = (sql: string) => {
      const raw = new Database(path, { readonly: true });
      try {
        return raw.prepare(sql).raw().all();
      } finally {
        raw.close();
      }
    };
    const entriesBefore = snapshot('SELECT seq, hash, signature FROM entries');
    const sealedBefore = snapshot('SELECT seq, field, sealed FROM pii_values');
    const wrappedBefore = snapshot('SELECT wrapped_key, kek_version FROM pii_subjects');
    expect(ledger.rotatePiiKey()).toEqual({ ok: true, value: { fromVersion: 1, toVersion: 2, subjects: 1 } });
    expect(snapshot(`SELECT seq, hash, signature FROM entries WHERE seq <= ${entriesBefore.length}`)).toEqual(entriesBefore);
    expect(snapshot('SELECT seq, field, sealed FROM pii_values')).toEqual(sealedBefore);
    const wrappedAfter = snapshot('SELECT wrapped_key, kek_version FROM pii_subjects');
    expect((wrappedAfter[0] as unknown[] | undefined)?.[1]).toBe(2);
    expect(wrappedAfter).not.toEqual(wrappedBefore);
    const tail = ledger.tail(1);
    expect(tail.ok && tail.value[0]).toMatchObject({ kind: 'pii_key_rotated', body: { fromVersion: 1, toVersion: 2, subjects: 1 } });
    expect(ledger.readPerson(SAMPLE_ID_NUMBER, STAFF)).toMatchObject({ ok: true, value: [{ fields: { name: NAME } }] });
    // New people are wrapped under the new key too, and survive a reopen.
    recordSession('s2', OTHER_ID_NUMBER);
    ledger.close();
    ledger = openTestLedger(path, { clock, keyStore, checkpointEvery: 5 });
    expect(ledger.readPerson(OTHER_ID_NUMBER, STAFF)).toMatchObject({ ok: true, value: [{ fields: { name: NAME } }] });
    expect(ledger.verify({ signatures: 'all' }).ok).toBe(true);
  });

  it('ignores sealed bytes that are not the ones the signed entry committed to', () => {
    recordSession('s1', SAMPLE_ID_NUMBER);
    recordSession('s2', OTHER_ID_NUMBER);
    const raw = new Database(path);
    // Move s2's sealed name onto s1's record: same person key? No — and even for one person the commitment differs.
    const [first, second] = raw.prepare("SELECT seq FROM pii_values WHERE field = 'name' ORDER BY seq").pluck().all() as number[];
    const sealed = raw.prepare("SELECT sealed FROM pii_values WHERE seq = ? AND field = 'name'").pluck().get(second) as Buffer;
    raw.prepare("UPDATE pii_values SET sealed = ? WHERE seq = ? AND field = 'name'").run(sealed, first);
    raw.close();
    const read = ledger.readPerson(SAMPLE_ID_NUMBER, STAFF);
    expect(read.ok && read.value[0]?.fields).toEqual({ idNumber: SAMPLE_ID_NUMBER, address: ADDRESS });
  });

  it('exports everything about one person as JSON and HTML, for supervisors only, and logs the export', () => {
    recordSession('s1', SAMPLE_ID_NUMBER);
    recordSession('s2', OTHER_ID_NUMBER);
    expect(ledger.exportDataSubject(SAMPLE_ID_NUMBER, STAFF)).toMatchObject({ ok: false, error: { code: 'LEDGER_ACCESS_DENIED' } });
    const exported = ledger.exportDataSubject(SAMPLE_ID_NUMBER, SUPERVISOR);
    expect(exported.ok).toBe(true);
    if (!exported.ok) return;
    const document = JSON.parse(exported.value.json) as { format: string; personalData: { fields: Record<string, string> }[]; entries: { sessionId: string; kind: string }[] };
    expect(document.format).toBe('branch-kiosk/data-subject-export/v1');
    expect(document.personalData).toEqual([expect.objectContaining({ fields: { idNumber: SAMPLE_ID_NUMBER, name: NAME, address: ADDRESS } })]);
    // The session's entries, and the access log of this person's data (this export included), nobody else's.
    expect(document.entries.map((entry) => entry.kind)).toEqual(['session_started', 'consent_given', 'id_card_read', 'person_identified', 'session_ended', 'pii_accessed']);
    expect(new Set(document.entries.map((entry) => entry.sessionId))).toEqual(new Set(['s1', 'ledger']));
    expect(exported.value.json).not.toContain(OTHER_ID_NUMBER);
    expect(exported.value.json).not.toContain(ledger.idNumberKey(OTHER_ID_NUMBER));
    expect(exported.value.html).toContain(`<td>${NAME}</td>`);
    expect(exported.value.html).toContain('consent_given');
    const tail = ledger.tail(1);
    expect(tail.ok && tail.value[0]).toMatchObject({ kind: 'pii_accessed', body: { role: 'supervisor', purpose: 'export', staffId: 'sup-01' } });
  });

  it('escapes personal data in the HTML export', () => {
    const recorded = ledger.recordPerson({ sessionId: 's1', idNumber: SAMPLE_ID_NUMBER, name: '<script>alert(1)</script>' });
    expect(recorded.ok).toBe(true);
    const exported = ledger.exportDataSubject(SAMPLE_ID_NUMBER, SUPERVISOR);
    expect(exported.ok && exported.value.html).toContain('&#60;script&#62;');
    expect(exported.ok && exported.value.html).not.toContain('<script>');
  });
});

describe('head-office outbox', () => {
  let temp: ReturnType<typeof makeTempDir>;
  let ledger: Ledger;
  beforeEach(() => {
    temp = makeTempDir();
    ledger = openTestLedger(join(temp.dir, 'ledger.db'), { keyStore: new MemoryKeyStore() });
  });
  afterEach(() => {
    ledger.close();
    temp.cleanup();
  });

  it('hands out signed, PII-free entries that head office can verify, idempotently by seq', () => {
    appendOrThrow(ledger, sessionStarted('s1'));
    expect(ledger.recordPerson({ sessionId: 's1', idNumber: SAMPLE_ID_NUMBER, name: NAME }).ok).toBe(true);
    appendOrThrow(ledger, sessionEnded('s1'));
    const pending = ledger.pendingOutbox(10);
    expect(pending.ok && pending.value.map((entry) => entry.seq)).toEqual([1, 2, 3]);
    if (!pending.ok) return;
    const serialised = JSON.stringify(pending.value);
    expect(serialised).not.toContain(NAME);
    expect(serialised).not.toContain(SAMPLE_ID_NUMBER);
    // What head office does with each entry: recompute the hash, check the link and the signature.
    const key = publicKeyObject(Buffer.from(ledger.publicKey, 'hex'));
    let previous = '0'.repeat(64);
    for (const entry of pending.value) {
      const hash = computeEntryHash({ ...entry, prevHash: Buffer.from(entry.prevHash, 'hex') });
      expect(hash.toString('hex')).toBe(entry.hash);
      expect(entry.prevHash).toBe(previous);
      expect(verifyEntrySignature(key, hash, Buffer.from(entry.signature!, 'hex'))).toBe(true);
      previous = entry.hash;
    }
    expect(ledger.acknowledgeOutbox(2)).toEqual({ ok: true, value: 2 });
    expect(ledger.acknowledgeOutbox(2)).toEqual({ ok: true, value: 2 });
    expect(ledger.acknowledgeOutbox(1)).toEqual({ ok: true, value: 2 });
    const rest = ledger.pendingOutbox(10);
    expect(rest.ok && rest.value.map((entry) => entry.seq)).toEqual([3]);
    expect(ledger.acknowledgeOutbox(99)).toEqual({ ok: true, value: 3 });
    expect(ledger.pendingOutbox(10)).toEqual({ ok: true, value: [] });
    const again = ledger.outbox(0, 2);
    expect(again.ok && again.value).toEqual(pending.value.slice(0, 2));
  });
});

describe('consent records', () => {
  it('keep the slice-1 shape and also take readAloud and the branch-counter alternative', () => {
    const temp = makeTempDir();
    const ledger = openTestLedger(join(temp.dir, 'ledger.db'), { keyStore: new MemoryKeyStore() });
    try {
      const base = { consentTextVersion: '2025.2', consentTextHash: CONSENT_TEXT_HASH, language: 'en' } as const;
      appendOrThrow(ledger, { sessionId: 's1', kind: 'consent_given', body: { ...base, alternativeOffered: 'staff_verification' } });
      appendOrThrow(ledger, { sessionId: 's1', kind: 'consent_refused', body: { ...base, alternativeOffered: 'branch_counter', readAloud: true } });
      expect(ledger.append({ sessionId: 's1', kind: 'consent_given', body: { ...base, alternativeOffered: 'none' } as never })).toMatchObject({ ok: false, error: { code: 'LEDGER_BODY_INVALID' } });
      expect(ledger.verifyChain()).toMatchObject({ ok: true, value: { count: 2 } });
    } finally {
      ledger.close();
      temp.cleanup();
    }
  });
});
