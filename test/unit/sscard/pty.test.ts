// The drivers against the simulators on REAL socat pty pairs through the real serialport
// binding: the card reader at 9600 and 115200 baud, the PIN pad, CHANGE PIN across both, and a
// reader unplugged and plugged back in.
import { afterEach, describe, expect, it } from 'vitest';
import { socatAvailable } from '../../../native/idcard/simulator/pty-pair';
import { startSimulatedCardReader, type SimulatedCardReader } from '../../../native/sscard/simulator/simulator-rig';
import { startSimulatedPinPad, type SimulatedPinPad } from '../../../native/pinpad/simulator/simulator-rig';
import { openSerialCardService } from '../../../native/sscard/node/open-card-service';
import { openSerialPadService } from '../../../native/pinpad/node/open-pad-service';
import type { CardService } from '../../../native/sscard/common/card-service';
import type { PadService } from '../../../native/pinpad/common/pad-service';
import { pinAccountDigits } from '../../../native/pinpad/common/iso9564';
import { TEST_ID_NUMBER, TEST_NAME } from '../../../native/sscard/simulator/synthetic-sscards';

const hasSocat = socatAvailable();
if (!hasSocat) console.warn('socat not found: skipping the pty tests (apt-get install socat)');

let reader: SimulatedCardReader | undefined;
let padSim: SimulatedPinPad | undefined;
let cardService: CardService | undefined;
let padService: PadService | undefined;
afterEach(async () => {
  await cardService?.close();
  await padService?.close();
  await reader?.close();
  await padSim?.close();
  reader = padSim = cardService = padService = undefined;
});

const signal = new AbortController().signal;

function waitForState(service: CardService, state: string): Promise<void> {
  if (service.status().state === state) return Promise.resolve();
  return new Promise((resolve) => {
    const off = service.onStatus((status) => {
      if (status.state !== state) return;
      off();
      resolve();
    });
  });
}

describe.skipIf(!hasSocat)('social security card reader on a socat pty', () => {
  it.each([9600, 115200])('reads a T=0 card at %s baud', async (baudRate) => {
    reader = await startSimulatedCardReader({ card: 'gen2-t0', baudRate });
    cardService = openSerialCardService({ path: reader.hostPath, baudRate });
    expect((await cardService.whenConnected()).state).toBe('card_present');
    expect(await cardService.readCard()).toMatchObject({ ok: true, value: { socialSecurityNumber: TEST_ID_NUMBER, name: TEST_NAME, generation: 2 } });
  });

  it('reads a chained T=0 card and a T=1 card, waits for insertion and removal', async () => {
    reader = await startSimulatedCardReader();
    cardService = openSerialCardService({ path: reader.hostPath, service: { pollIntervalMs: 20 } });
    expect((await cardService.whenConnected()).state).toBe('ready');
    const inserted = cardService.waitForCard({ signal });
    reader.simulator.insertCard('gen3-t0-chained');
    expect((await inserted).ok).toBe(true);
    expect(await cardService.readCard()).toMatchObject({ ok: true, value: { generation: 3 } });
    reader.simulator.insertCard('gen3-t1');
    expect(await cardService.readCard()).toMatchObject({ ok: true, value: { generation: 3, cardNumber: 'S00000003' } });
    const removed = cardService.waitForRemoval({ signal });
    reader.simulator.removeCard();
    expect((await removed).ok).toBe(true);
  });

  it('card pulled mid-APDU over the real wire: CARD_REMOVED', async () => {
    reader = await startSimulatedCardReader({ card: 'gen2-t1' });
    cardService = openSerialCardService({ path: reader.hostPath });
    await cardService.whenConnected();
    reader.simulator.pullCardDuringNextApdu({ ins: 0xb2 });
    expect(await cardService.readCard()).toMatchObject({ ok: false, error: { code: 'CARD_REMOVED' } });
  });

  it('unplugged and plugged back: unplugged, then reconnects and reads', async () => {
    reader = await startSimulatedCardReader({ card: 'gen2-t1' });
    cardService = openSerialCardService({ path: reader.hostPath, service: { reconnectInitialDelayMs: 50, reconnectMaxDelayMs: 200 } });
    await cardService.whenConnected();
    const gone = waitForState(cardService, 'unplugged');
    await reader.unplug();
    await gone;
    expect(await cardService.readCard()).toMatchObject({ ok: false, error: { code: 'CARD_READER_UNPLUGGED' } });
    const back = waitForState(cardService, 'card_present');
    await reader.replug();
    await back;
    expect((await cardService.readCard()).ok).toBe(true);
  });

  it('CHANGE PIN across the pad pty and the reader pty', async () => {
    reader = await startSimulatedCardReader({ card: 'gen3-t1' });
    padSim = await startSimulatedPinPad();
    cardService = openSerialCardService({ path: reader.hostPath });
    padService = openSerialPadService({ path: padSim.hostPath });
    await cardService.whenConnected();
    expect((await padService.whenConnected()).state).toBe('ready');
    const read = await cardService.readCard();
    if (!read.ok) throw new Error(read.error.code);
    const accountDigits = pinAccountDigits(read.value.socialSecurityNumber);
    padSim.pad.enter('123456 OK');
    const current = await padService.promptPin({ length: 6, purpose: 'current', signal, accountDigits });
    padSim.pad.enter('908172 OK');
    const next = await padService.promptPin({ length: 6, purpose: 'new', signal, accountDigits });
    if (!current.ok || !next.ok) throw new Error('pad');
    expect(await cardService.changePin({ current: current.value, next: next.value })).toEqual({ ok: true, value: undefined });
    expect(reader.simulator.insertedCard!.pinEquals('908172')).toBe(true);
  });
});
