import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../native/common/clock';
import { SessionService } from '../../../electron/services/session-service';
import { silentLogger } from '../../../electron/services/logger';
import { consentTexts } from '../../../electron/contract/consent-text';
import { FakeReader, MemoryLedger, noDecoder, sampleRead } from '../../helpers/fakes';

const version = consentTexts['zh-CN'].version;
const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

function setup() {
  const clock = new ManualClock(Date.UTC(2026, 10, 26));
  const reader = new FakeReader();
  const ledger = new MemoryLedger();
  const service = new SessionService({ reader, ledger, photoDecoder: noDecoder, clock, logger: silentLogger, timings: { idleResetMs: 60_000, insertCardMs: 120_000 } });
  const toInsert = () => {
    service.send({ type: 'begin' });
    service.send({ type: 'choose_language', language: 'zh-CN' });
    service.send({ type: 'consent', accepted: true, consentTextVersion: version });
  };
  return { clock, reader, ledger, service, toInsert };
}

describe('session service', () => {
  it('shows only masked data and records a keyed hash, never the number', async () => {
    const { reader, ledger, service, toInsert } = setup();
    toInsert();
    const read = sampleRead();
    reader.place(read);
    await flush();
    const view = service.view();
    expect(view.screen).toBe('card_result');
    expect(view.card).toMatchObject({ maskedName: '测**', maskedIdNumber: '1101********002X', validUntil: 'long-term' });
    expect(JSON.stringify(view)).not.toContain('11010519491231002X');
    expect(JSON.stringify(view)).not.toContain('测试甲');
    const entry = ledger.entries.find((e) => e.kind === 'id_card_read')!;
    expect(entry.body).toMatchObject({ cardType: 'resident', idNumberValid: true, outcome: 'ok' });
    expect(JSON.stringify(ledger.entries)).not.toContain('11010519491231002X');
    expect(JSON.stringify(ledger.entries)).not.toContain('测试甲');
    expect(entry.body.consentTextHash).toBeUndefined();
    expect(ledger.entries.find((e) => e.kind === 'consent_given')!.body.consentTextHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('never starts a read when consent is refused', () => {
    const { reader, ledger, service } = setup();
    service.send({ type: 'begin' });
    service.send({ type: 'choose_language', language: 'zh-CN' });
    service.send({ type: 'consent', accepted: false, consentTextVersion: version });
    expect(reader.readCalls).toBe(0);
    expect(service.view().screen).toBe('alternative');
    expect(ledger.kinds()).toEqual(['session_started', 'consent_refused', 'staff_called']);
  });

  it('wipes the photo and resets on idle', async () => {
    const { clock, reader, ledger, service, toInsert } = setup();
    toInsert();
    const read = sampleRead();
    reader.place(read);
    await flush();
    expect(read.photo.some((b) => b !== 0)).toBe(true);
    clock.advance(60_001);
    expect(service.view()).toMatchObject({ screen: 'attract', card: null, sessionRef: null });
    expect(read.photo.every((b) => b === 0)).toBe(true);
    expect(ledger.entries.at(-1)).toMatchObject({ kind: 'session_ended', body: { outcome: 'idle_reset' } });
  });

  it('rejects an expired card and an invalid checksum with a reason, keeping nothing', async () => {
    const { reader, service, toInsert } = setup();
    toInsert();
    const expired = sampleRead({ validUntil: '2020-01-01' });
    reader.place(expired);
    await flush();
    expect(service.view()).toMatchObject({ screen: 'card_error', problem: 'card_expired', card: null });
    expect(expired.photo.every((b) => b === 0)).toBe(true);
    service.send({ type: 'retry' });
    reader.place(sampleRead({ idNumberValid: false }));
    await flush();
    expect(service.view().problem).toBe('id_number_invalid');
  });

  it('maps reader failures to plain problems and records the code', async () => {
    const { reader, ledger, service, toInsert } = setup();
    toInsert();
    reader.fail('ID_READER_UNPLUGGED');
    await flush();
    expect(service.view()).toMatchObject({ screen: 'card_error', problem: 'reader_unplugged' });
    expect(ledger.entries.at(-1)).toMatchObject({ kind: 'id_card_read_failed', body: { code: 'ID_READER_UNPLUGGED' } });
  });

  it('stops the flow when the ledger refuses an entry', async () => {
    const { ledger, service, toInsert, reader } = setup();
    ledger.failWith = 'LEDGER_DISK_FULL';
    toInsert();
    await flush();
    expect(service.view()).toMatchObject({ screen: 'card_error', problem: 'ledger_unavailable', staffCalled: true });
    expect(reader.reading).toBe(false);
  });

  it('still wipes the card data when the ledger refuses the session-end entry', async () => {
    const { clock, reader, ledger, service, toInsert } = setup();
    toInsert();
    const read = sampleRead();
    reader.place(read);
    await flush();
    ledger.failWith = 'LEDGER_DISK_FULL';
    clock.advance(60_001);
    await flush();
    expect(read.photo.every((b) => b === 0)).toBe(true);
    expect(service.view()).toMatchObject({ sessionRef: null, card: null, problem: 'ledger_unavailable' });
  });

  it('completes after the card is removed and returns to attract after the done screen', async () => {
    const { clock, reader, ledger, service, toInsert } = setup();
    toInsert();
    reader.place(sampleRead());
    await flush();
    service.send({ type: 'confirm_card' });
    expect(service.view().screen).toBe('remove_card');
    reader.remove();
    await flush();
    expect(service.view().screen).toBe('done');
    expect(ledger.entries.at(-1)).toMatchObject({ kind: 'session_ended', body: { outcome: 'completed' } });
    clock.advance(10_000);
    expect(service.view().screen).toBe('attract');
  });
});
