import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../native/common/clock';
import { SamReaderService, type ReaderServiceEvent } from '../../../native/idcard/common/reader-service';
import { SamSimulator } from '../../../native/idcard/simulator/sam-simulator';
import { SYNTHETIC_CARDS } from '../../../native/idcard/simulator/synthetic-cards';
import type { ByteTransport } from '../../../native/common/transport';
import { memoryTransportPair, settle, type MemoryEnd } from './memory-transport';
import { drive, pass } from './drive';

/** A reader on in-memory wires: each open() plugs a fresh pair into the same simulator. */
function rig(options: { failOpens?: number } = {}) {
  const clock = new ManualClock();
  const simulator = new SamSimulator();
  const hosts: MemoryEnd[] = [];
  let failOpens = options.failOpens ?? 0;
  let pluggedIn = true;
  const events: ReaderServiceEvent[] = [];
  const open = async (): Promise<ByteTransport> => {
    if (!pluggedIn || failOpens-- > 0) throw Object.assign(new Error('no such port'), { code: 'ID_READER_PORT_OPEN_FAILED' });
    const [host, device] = memoryTransportPair();
    simulator.attach(device);
    hosts.push(host);
    return host;
  };
  const service = new SamReaderService({ open, clock, pollIntervalMs: 500, onEvent: (e) => events.push(e) });
  return {
    clock,
    simulator,
    service,
    events,
    hosts,
    unplug() {
      pluggedIn = false;
      hosts.at(-1)?.unplug();
    },
    replug() {
      pluggedIn = true;
    },
  };
}

const signal = () => new AbortController().signal;

async function ready(r: ReturnType<typeof rig>) {
  r.service.start();
  await pass(r.clock, 50);
  expect(r.service.status().state).toBe('ready');
}

describe('SamReaderService', () => {
  it('self-tests and reads the SAM ID on start', async () => {
    const r = rig();
    const states: string[] = [];
    r.service.onStatus((s) => states.push(s.state));
    await ready(r);
    expect(r.simulator.received.slice(0, 2)).toEqual(['sam_status', 'read_sam_id']);
    expect(r.service.status()).toEqual({ state: 'ready', samId: '05.02-0000001234-0000005678-0000009999' });
    expect(states).toEqual(['connecting', 'ready']);
  });

  it('polls every 500 ms until a card is placed, then selects, reads and fetches the appended address', async () => {
    const r = rig();
    await ready(r);
    let present = 0;
    const read = r.service.readCard({ signal: signal(), withFingerprint: true, onCardPresent: () => present++ });
    await pass(r.clock, 1990);
    const finds = r.simulator.received.filter((c) => c === 'find_card').length;
    expect(finds).toBe(4); // t = 0, 500, 1000, 1500
    r.simulator.placeCard('resident-long-term');
    const result = await drive(r.clock, read);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.text).toEqual(SYNTHETIC_CARDS['resident-long-term'].text);
    expect(result.value.fingerprintBytes).toBe(512);
    expect(result.value.photo).toHaveLength(1024);
    expect(result.value.appendedAddresses).toEqual(['示例省测试市新址路3号', '示例省测试市另址街4号']);
    expect(present).toBe(1);
    expect(r.simulator.received.slice(-4)).toEqual(['find_card', 'select_card', 'read_text_photo_fingerprint', 'read_appended_address']);
  });

  it.each(['resident', 'hkmt', 'foreign2017', 'foreign2023'])('reads a %s card with 30 01', async (key) => {
    const r = rig();
    await ready(r);
    r.simulator.placeCard(key);
    const result = await drive(r.clock, r.service.readCard({ signal: signal() }));
    expect(result.ok && result.value.text).toEqual(SYNTHETIC_CARDS[key as keyof typeof SYNTHETIC_CARDS].text);
    expect(result.ok && result.value.fingerprintBytes).toBe(0);
    expect(r.simulator.received).toContain('read_text_photo');
  });

  it('does not take the post-read "no card" for a removal; resolves after two polls without the card', async () => {
    const r = rig();
    await ready(r);
    r.simulator.placeCard('resident');
    expect((await drive(r.clock, r.service.readCard({ signal: signal() }))).ok).toBe(true);
    let removed = false;
    const removal = r.service.waitForRemoval({ signal: signal() }).then((x) => ((removed = true), x));
    await pass(r.clock, 3000);
    expect(removed).toBe(false); // find says 80 (quirk) but select still reaches the card
    r.simulator.removeCard();
    await pass(r.clock, 600);
    expect(removed).toBe(false); // one absent poll is not enough
    expect(await drive(r.clock, removal)).toEqual({ ok: true, value: undefined });
  });

  it('stops polling when aborted, and the next read still works', async () => {
    const r = rig();
    await ready(r);
    const controller = new AbortController();
    const read = r.service.readCard({ signal: controller.signal });
    await pass(r.clock, 700);
    controller.abort();
    expect(await read).toMatchObject({ ok: false, error: { code: 'ID_READ_ABORTED' } });
    const findsAtAbort = r.simulator.received.length;
    await pass(r.clock, 2000);
    expect(r.simulator.received.length).toBe(findsAtAbort);
    r.simulator.placeCard('hkmt');
    expect((await drive(r.clock, r.service.readCard({ signal: signal() }))).ok).toBe(true);
  });

  it('answers a second concurrent operation with ID_READER_BUSY', async () => {
    const r = rig();
    await ready(r);
    const controller = new AbortController();
    void r.service.readCard({ signal: controller.signal });
    expect(await r.service.waitForRemoval({ signal: signal() })).toMatchObject({ ok: false, error: { code: 'ID_READER_BUSY' } });
    controller.abort();
  });

  it('maps a forced SW3 on the read to SAM_STATUS_xx', async () => {
    const r = rig();
    await ready(r);
    r.simulator.placeCard('resident');
    r.simulator.forceNextStatus(0x41, { command: 'read_text_photo' });
    expect(await drive(r.clock, r.service.readCard({ signal: signal() }))).toMatchObject({ ok: false, error: { code: 'SAM_STATUS_41', sw3: '41' } });
  });

  it('returns ID_CARD_TEXT_MALFORMED for a damaged text block', async () => {
    const r = rig();
    await ready(r);
    r.simulator.placeCard({ ...SYNTHETIC_CARDS.resident, key: 'broken', text: { ...SYNTHETIC_CARDS.resident.text, birthDate: '1990-13-01' } });
    expect(await drive(r.clock, r.service.readCard({ signal: signal() }))).toMatchObject({ ok: false, error: { code: 'ID_CARD_TEXT_MALFORMED' } });
  });

  it('reports a failed self-test as a fault and refuses reads with its code', async () => {
    const r = rig();
    r.simulator.setSelfTestFails(true);
    r.service.start();
    await pass(r.clock, 50);
    expect(r.service.status()).toMatchObject({ state: 'fault', lastError: { code: 'SAM_STATUS_60' } });
    expect(await r.service.readCard({ signal: signal() })).toMatchObject({ ok: false, error: { code: 'SAM_STATUS_60' } });
    r.simulator.setSelfTestFails(false);
    await pass(r.clock, 300);
    expect(r.service.status().state).toBe('ready');
  });

  it('fails an in-flight read on unplug, backs off while the port is gone, reconnects and reads again', async () => {
    const r = rig();
    await ready(r);
    const read = r.service.readCard({ signal: signal() });
    await pass(r.clock, 600);
    r.unplug();
    expect(await read).toMatchObject({ ok: false, error: { code: 'ID_READER_UNPLUGGED' } });
    expect(r.service.status()).toMatchObject({ state: 'unplugged', lastError: { code: 'ID_READER_UNPLUGGED' } });
    expect(await r.service.readCard({ signal: signal() })).toMatchObject({ ok: false, error: { code: 'ID_READER_UNPLUGGED' } });
    await pass(r.clock, 2000);
    const delays = r.events.flatMap((e) => (e.kind === 'reconnect_scheduled' ? [e.delayMs] : []));
    expect(delays.slice(0, 4)).toEqual([250, 500, 1000, 2000]);
    expect(r.service.status().lastError?.code).toBe('ID_READER_PORT_OPEN_FAILED');
    r.replug();
    await pass(r.clock, 2100);
    expect(r.service.status().state).toBe('ready');
    r.simulator.placeCard('foreign2017');
    expect((await drive(r.clock, r.service.readCard({ signal: signal() }))).ok).toBe(true);
  });

  it('retries opening with backoff until the port appears', async () => {
    const r = rig({ failOpens: 2 });
    r.service.start();
    await settle();
    expect(r.service.status()).toMatchObject({ state: 'unplugged', lastError: { code: 'ID_READER_PORT_OPEN_FAILED' } });
    await pass(r.clock, 800);
    expect(r.service.status().state).toBe('ready');
  });

  it('close() ends a pending read with ID_READER_CLOSED and stops reconnecting', async () => {
    const r = rig();
    await ready(r);
    const read = r.service.readCard({ signal: signal() });
    await pass(r.clock, 100);
    await r.service.close();
    expect(await read).toMatchObject({ ok: false, error: { code: 'ID_READER_CLOSED' } });
    const opened = r.hosts.length;
    await pass(r.clock, 5000);
    expect(r.hosts.length).toBe(opened);
  });

  it('says the photo is not decodable without a decoder', async () => {
    const r = rig();
    expect(await r.service.decodePhoto(new Uint8Array(1024))).toEqual({ kind: 'not_decodable', reason: 'no_decoder' });
  });
});
