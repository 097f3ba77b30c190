// The driver against the simulator on a real socat pty, through the real serialport binding.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { socatAvailable } from '../../../native/idcard/simulator/pty-pair';
import { startSimulatedReader, type SimulatedReader } from '../../../native/idcard/simulator/simulator-rig';
import { SamReaderService } from '../../../native/idcard/common/reader-service';
import { serialTransportOpener } from '../../../native/idcard/node/serial-transport';
import { systemClock } from '../../../native/node/system-clock';
import { FAILING_SW3, hexByte } from '../../../native/idcard/common/sam-status';
import { SYNTHETIC_CARDS, type SyntheticCardKey } from '../../../native/idcard/simulator/synthetic-cards';
import type { ReaderState } from '../../../native/idcard/common/types';

const hasSocat = socatAvailable();
if (!hasSocat) console.warn('pty-driver tests skipped: socat is not installed (apt-get install socat)');

const timeout = (ms: number) => AbortSignal.timeout(ms);

function waitForState(service: SamReaderService, state: ReaderState, ms = 5000): Promise<void> {
  return new Promise((resolve, reject) => {
    if (service.status().state === state) return resolve();
    const timer = setTimeout(() => reject(new Error(`state stayed ${service.status().state}, wanted ${state}`)), ms);
    const off = service.onStatus((s) => {
      if (s.state !== state) return;
      clearTimeout(timer);
      off();
      resolve();
    });
  });
}

describe.skipIf(!hasSocat)('driver on a socat pty', () => {
  let reader: SimulatedReader;
  let service: SamReaderService;

  beforeAll(async () => {
    reader = await startSimulatedReader();
    service = new SamReaderService({
      open: serialTransportOpener({ path: reader.hostPath, presenceCheckMs: 100 }),
      clock: systemClock,
      pollIntervalMs: 100,
      reconnectInitialDelayMs: 100,
      reconnectMaxDelayMs: 400,
    }).start();
    await waitForState(service, 'ready');
  });

  afterAll(async () => {
    await service?.close();
    await reader?.close();
  });

  const freshCard = (key: SyntheticCardKey | string) => {
    reader.simulator.resetScenarios();
    reader.simulator.removeCard();
    reader.simulator.placeCard(key);
  };

  it('reports ready with the SAM ID', () => {
    expect(service.status()).toEqual({ state: 'ready', samId: '05.02-0000001234-0000005678-0000009999' });
  });

  it('keeps polling while there is no card', async () => {
    reader.simulator.removeCard();
    const before = reader.simulator.received.length;
    expect(await service.readCard({ signal: timeout(450) })).toMatchObject({ ok: false, error: { code: 'ID_READ_ABORTED' } });
    const finds = reader.simulator.received.slice(before).filter((c) => c === 'find_card').length;
    expect(finds).toBeGreaterThanOrEqual(3);
  });

  it.each(['resident', 'resident-long-term', 'hkmt', 'foreign2017', 'foreign2023'] as const)('reads the %s card', async (key) => {
    freshCard(key);
    const result = await service.readCard({ signal: timeout(5000) });
    expect(result.ok && result.value.text).toEqual(SYNTHETIC_CARDS[key].text);
    if (key === 'resident-long-term') expect(result.ok && result.value.text.validUntil).toBe('long-term');
  });

  it.each([0, 512, 1024] as const)('reads text + photo + %i fingerprint bytes (30 10)', async (bytes) => {
    freshCard('resident');
    reader.simulator.setFingerprintBytes(bytes);
    const result = await service.readCard({ signal: timeout(5000), withFingerprint: true });
    expect(result.ok && result.value.fingerprintBytes).toBe(bytes);
  });

  it('reads appended addresses when present and none when absent (91)', async () => {
    freshCard('resident');
    reader.simulator.setAppendedAddresses(['示例新址1号']);
    const withAddress = await service.readCard({ signal: timeout(5000) });
    expect(withAddress.ok && withAddress.value.appendedAddresses).toEqual(['示例新址1号']);
    freshCard('resident');
    const without = await service.readCard({ signal: timeout(5000) });
    expect(without.ok && without.value.appendedAddresses).toEqual([]);
  });

  it('waits out a slow card (1.2 s before the read reply)', async () => {
    freshCard('hkmt');
    reader.simulator.setSlowCard(1200);
    const started = Date.now();
    const result = await service.readCard({ signal: timeout(8000) });
    expect(result.ok).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1200);
  });

  it('reads through garbage before every reply and replies split into small delayed chunks', async () => {
    freshCard('foreign2023');
    reader.simulator.setGarbageBeforeReplies(37, true);
    reader.simulator.setSplitReplies({ maxChunk: 24, delayMs: 1 });
    const result = await service.readCard({ signal: timeout(10_000), withFingerprint: true });
    expect(result.ok ? result.value.text.idNumber : result.error).toBe(SYNTHETIC_CARDS.foreign2023.text.idNumber);
  });

  it('resends the read after a reply with a wrong checksum', async () => {
    freshCard('resident');
    reader.simulator.corruptNextChecksum({ command: 'read_text_photo' });
    const before = reader.simulator.received.length;
    const result = await service.readCard({ signal: timeout(5000) });
    expect(result.ok).toBe(true);
    expect(reader.simulator.received.slice(before).filter((c) => c === 'read_text_photo')).toHaveLength(2);
  });

  it('maps every failing SW3 forced on the read to its SAM_STATUS code', async () => {
    for (const sw3 of FAILING_SW3) {
      freshCard('resident');
      reader.simulator.forceNextStatus(sw3, { command: 'read_text_photo' });
      const result = await service.readCard({ signal: timeout(5000) });
      if (sw3 === 0x10 || sw3 === 0x11) expect(result.ok, `SW3 ${hexByte(sw3)} is resent`).toBe(true);
      else expect(result, `SW3 ${hexByte(sw3)}`).toMatchObject({ ok: false, error: { code: `SAM_STATUS_${hexByte(sw3)}` } });
    }
  });

  it('notices removal only after the card has left', async () => {
    freshCard('resident');
    expect((await service.readCard({ signal: timeout(5000) })).ok).toBe(true);
    let removed = false;
    const removal = service.waitForRemoval({ signal: timeout(5000) }).then((x) => ((removed = true), x));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(removed).toBe(false);
    reader.simulator.removeCard();
    expect(await removal).toEqual({ ok: true, value: undefined });
  });

  it('unplug mid-frame: ID_READER_UNPLUGGED, then ready again and a read succeeds once the port returns', async () => {
    freshCard('resident');
    reader.simulator.unplugDuringNextReply({ command: 'read_text_photo' });
    const result = await service.readCard({ signal: timeout(5000) });
    expect(result).toMatchObject({ ok: false, error: { code: 'ID_READER_UNPLUGGED' } });
    expect(service.status().state).toBe('unplugged');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(service.status().state).not.toBe('ready');
    await reader.replug();
    await waitForState(service, 'ready', 5000);
    freshCard('foreign2017');
    const again = await service.readCard({ signal: timeout(5000) });
    expect(again.ok && again.value.text.cardType).toBe('foreign2017');
  });
});
