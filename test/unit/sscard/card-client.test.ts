// The card service against the reader simulator over an in-memory wire: every generation and
// protocol, 61xx chaining and 6Cxx re-issue on the wire, every failure the flow must tell apart.
import { afterEach, describe, expect, it } from 'vitest';
import { memoryRig, neverAborted, type MemoryRig } from './memory-rig';
import { TEST_ID_NUMBER, TEST_NAME, cardFields } from '../../../native/sscard/simulator/synthetic-sscards';
import { hex, randomBytes, randomChunks, seededRandom } from './seeded-random';

const FULL_NAME = '测试甲乙丙丁戊己庚辛壬癸子丑寅';
let rig: MemoryRig | undefined;
afterEach(async () => {
  await rig?.service.close();
  rig = undefined;
});

const expectedTestPerson = {
  socialSecurityNumber: TEST_ID_NUMBER,
  name: TEST_NAME,
  gender: 'female',
  nation: '01',
  birthDate: '1949-12-31',
  issueDate: '2024-01-15',
  expiryDate: '2034-01-15',
  region: '110105',
};

describe('social security card client', () => {
  it.each([
    ['gen1-t0', 1],
    ['gen2-t0', 2],
    ['gen2-t1', 2],
    ['gen3-t1', 3],
    ['gen3-t0-chained', 3],
  ] as const)('reads %s (generation %s)', async (card, generation) => {
    rig = await memoryRig({ card });
    expect(rig.service.status().state).toBe('card_present');
    const read = await rig.service.readCard();
    expect(read).toMatchObject({ ok: true, value: { ...expectedTestPerson, generation, cardNumber: `S0000000${generation}` } });
  });

  it('T=0: SELECT answers 61xx and the driver fetches the FCI with GET RESPONSE', async () => {
    rig = await memoryRig({ card: 'gen2-t0' });
    await rig.service.readCard();
    expect(rig.simulator.apdus.slice(0, 2)).toEqual(['00A404000F7378312E73682EC9E7BBE1B1A3D5CF', '00C0000013']);
    expect(rig.simulator.received[0]).toBe('status');
    expect(rig.simulator.received).toContain('apdu_t0');
    expect(rig.simulator.received).not.toContain('apdu_t1');
  });

  it('T=1: no GET RESPONSE for a card that answers directly', async () => {
    rig = await memoryRig({ card: 'gen3-t1' });
    await rig.service.readCard();
    expect(rig.simulator.apdus.some((apdu) => apdu.startsWith('00C0'))).toBe(false);
    expect(rig.simulator.received).toContain('apdu_t1');
  });

  it('61xx chaining: GET RESPONSE repeated until 9000', async () => {
    rig = await memoryRig({ card: 'long-name' });
    const read = await rig.service.readCard();
    expect(read).toMatchObject({ ok: true, value: { name: '测试甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申' } });
    // The 32-byte name record leaves in 16-byte pieces: 61 10, then 61 10, then 61 00… until done.
    const getResponses = rig.simulator.apdus.filter((apdu) => apdu.startsWith('00C0'));
    expect(getResponses.length).toBeGreaterThan(8);
  });

  it('6Cxx: a record of another length than the specification is re-read with the Le the card asks for', async () => {
    rig = await memoryRig();
    rig.simulator.insertCard({
      key: 'name-extension-t0',
      generation: 3,
      protocol: 0,
      pin: '123456',
      // 15 GBK characters fill the 30-byte name field, so the driver reads the extension.
      fields: cardFields({ idNumber: TEST_ID_NUMBER, name: FULL_NAME, nameExtension: '辰巳午未申', cardNumber: 'S00000005', generation: 3 }),
    });
    const read = await rig.service.readCard();
    expect(read).toMatchObject({ ok: true, value: { name: `${FULL_NAME}辰巳午未申` } });
    // Tag 4E asked with Le 22 (2 + 20); the card holds 12 bytes: 6C0C, then the same READ RECORD with Le 0C.
    const at = rig.simulator.apdus.indexOf('00B24E3016');
    expect(rig.simulator.apdus.slice(at, at + 2)).toEqual(['00B24E3016', '00B24E300C']);
  });

  it('a padded name has no extension: tag 4E is not read', async () => {
    rig = await memoryRig({ card: 'gen2-t1' });
    await rig.service.readCard();
    expect(rig.simulator.apdus.some((apdu) => apdu.startsWith('00B24E'))).toBe(false);
  });

  it('EF06 behind a PIN: reports CARD_PIN_REQUIRED for EF06', async () => {
    rig = await memoryRig({ card: 'ef06-needs-pin' });
    expect(await rig.service.readCard()).toMatchObject({ ok: false, error: { code: 'CARD_PIN_REQUIRED', sw: '6982', field: 'EF06' } });
  });

  it('never-written field, missing file, no application', async () => {
    rig = await memoryRig({ card: 'unwritten-name' });
    expect(await rig.service.readCard()).toMatchObject({ ok: false, error: { code: 'CARD_FIELD_NOT_WRITTEN', field: 'name' } });
    rig.simulator.insertCard('unpersonalised-ef06');
    expect(await rig.service.readCard()).toMatchObject({ ok: false, error: { code: 'CARD_RECORD_NOT_FOUND', sw: '6A83', field: 'socialSecurityNumber' } });
    rig.simulator.insertCard('no-ef06');
    expect(await rig.service.readCard()).toMatchObject({ ok: false, error: { code: 'CARD_FILE_NOT_FOUND', sw: '6A82', field: 'EF06' } });
    rig.simulator.insertCard('bank-only');
    expect(await rig.service.readCard()).toMatchObject({ ok: false, error: { code: 'CARD_NOT_SOCIAL_SECURITY' } });
  });

  it('no card: CARD_ABSENT; then waitForCard resolves on insertion and waitForRemoval on removal', async () => {
    rig = await memoryRig();
    expect(rig.service.status().state).toBe('ready');
    expect(await rig.service.readCard()).toMatchObject({ ok: false, error: { code: 'CARD_ABSENT' } });
    const waiting = rig.service.waitForCard({ signal: neverAborted });
    rig.simulator.insertCard('gen2-t1');
    expect(await waiting).toEqual({ ok: true, value: undefined });
    expect(rig.service.status().state).toBe('card_present');
    const removal = rig.service.waitForRemoval({ signal: neverAborted });
    rig.simulator.removeCard();
    expect(await removal).toEqual({ ok: true, value: undefined });
  });

  it('waitForCard stops on abort with CARD_ABORTED', async () => {
    rig = await memoryRig();
    const controller = new AbortController();
    const waiting = rig.service.waitForCard({ signal: controller.signal });
    controller.abort();
    expect(await waiting).toMatchObject({ ok: false, error: { code: 'CARD_ABORTED' } });
  });

  it('card pulled mid-APDU: CARD_REMOVED', async () => {
    rig = await memoryRig({ card: 'gen2-t0' });
    rig.simulator.pullCardDuringNextApdu({ ins: 0xb2 });
    expect(await rig.service.readCard()).toMatchObject({ ok: false, error: { code: 'CARD_REMOVED' } });
    expect(rig.service.status().state).toBe('ready');
  });

  it('eject powers down (and moves the card out on a motorised reader)', async () => {
    const ejectCommand = { cm: 0x32, pm: 0x30 };
    rig = await memoryRig({ card: 'gen2-t1', simulator: { ejectCommand }, reader: { ejectCommand } });
    await rig.service.readCard();
    expect(await rig.service.eject()).toEqual({ ok: true, value: undefined });
    expect(rig.simulator.ejected).toBe(true);
    expect(rig.simulator.received.slice(-2)).toEqual(['power_down', 'eject']);
  });

  it('the CPU-card CM byte is configurable (and a wrong one is refused by the reader)', async () => {
    rig = await memoryRig({ card: 'gen2-t1', cpuCardCm: 0x43, simulator: { cpuCardCm: 0x43 } });
    expect((await rig.service.readCard()).ok).toBe(true);
    await rig.service.close();
    rig = await memoryRig({ card: 'gen2-t1', cpuCardCm: 0x51, simulator: { cpuCardCm: 0x43 } });
    expect(rig.service.status()).toMatchObject({ state: 'fault', lastError: { code: 'CARD_READER_PROTOCOL', readerCode: '00' } });
  });
});

describe('reader link recovery', () => {
  it('the handshake on the wire, byte for byte: frame, ACK, ENQ, reply, ACK', async () => {
    rig = await memoryRig();
    // The connect-time presence check: status (CM 51, PM 32) answered "no card" ('0').
    expect(rig.host.written.slice(0, 3).map(hex)).toEqual(['02000251320360', '05', '06']);
    expect(rig.device.written.slice(0, 2).map(hex)).toEqual(['06', '0200035132300351']);
  });

  it('a transmission error on the first APDU: warm reset, and the read succeeds', async () => {
    rig = await memoryRig({ card: 'gen2-t0' });
    rig.simulator.failNextApdu('63');
    expect((await rig.service.readCard()).ok).toBe(true);
    // After the error the reader is asked whether the card is still there (it is), then warm reset.
    expect(rig.simulator.received.slice(1, 6)).toEqual(['cold_reset', 'apdu_t0', 'status', 'warm_reset', 'apdu_t0']);
  });

  it('NAKed command frames are resent', async () => {
    rig = await memoryRig({ card: 'gen2-t1' });
    rig.simulator.nakNextCommands(2);
    expect((await rig.service.readCard()).ok).toBe(true);
    expect(rig.events).toContainEqual({ kind: 'retry', phase: 'command', reason: 'nak' });
  });

  it('a damaged reply is NAKed and the reader repeats it, without executing the command twice', async () => {
    rig = await memoryRig({ card: 'gen2-t1' });
    rig.simulator.corruptNextReply();
    const before = rig.simulator.received.length;
    expect((await rig.service.readCard()).ok).toBe(true);
    expect(rig.events).toContainEqual({ kind: 'retry', phase: 'reply', reason: 'SSCARD_FRAME_CHECKSUM' });
    expect(rig.simulator.received[before]).toBe('cold_reset');
    expect(rig.simulator.received[before + 1]).toBe('apdu_t1');
  });

  it('a lost reply is asked for again with ENQ (no re-execution), a lost ACK by resending', async () => {
    rig = await memoryRig({ card: 'gen2-t1' });
    rig.simulator.ignoreNextEnquiry();
    const read = await rig.service.readCard();
    expect(read.ok).toBe(true);
    expect(rig.simulator.received.filter((name) => name === 'cold_reset')).toHaveLength(1);
    rig.simulator.ignoreNextCommandFrame();
    expect((await rig.service.readCard()).ok).toBe(true);
    expect(rig.events).toContainEqual({ kind: 'retry', phase: 'command', reason: 'no ack' });
  });

  it('garbage before replies and replies in small pieces (seeded)', async () => {
    for (let seed = 1; seed <= 20; seed++) {
      rig = await memoryRig({ card: 'gen3-t0-chained', simulator: { random: seededRandom(seed) } });
      rig.simulator.setGarbageBeforeReplies(1 + (seed % 12));
      rig.simulator.setSplitReplies(1 + (seed % 5));
      expect(await rig.service.readCard(), `seed ${seed}`).toMatchObject({ ok: true, value: { generation: 3 } });
      await rig.service.close();
    }
  });

  it('fuzz: any noise on the line (STX and handshake bytes included) never throws; every read resolves with data or a coded error', async () => {
    const random = seededRandom(4242);
    let succeeded = 0;
    for (let run = 0; run < 25; run++) {
      rig = await memoryRig({ card: 'gen2-t1', link: { ackTimeoutMs: 20, replyTimeoutMs: 40 } });
      // Noise injected straight into the host's receive path, in random pieces.
      const deliver = rig.host as unknown as { deliver(bytes: Uint8Array): void };
      const original = deliver.deliver.bind(deliver);
      deliver.deliver = (bytes) => {
        for (const piece of randomChunks(random, Uint8Array.from([...randomBytes(random, Math.floor(random() * 6)), ...bytes]), 8)) original(piece);
      };
      const read = await rig.service.readCard();
      if (read.ok) succeeded++;
      else expect(read.error.code, `run ${run}`).toMatch(/^(CARD_|SSCARD_)/);
      await rig.service.close();
    }
    expect(succeeded).toBeGreaterThan(0);
  });

  it('unplugged mid-reply: CARD_READER_UNPLUGGED and status unplugged', async () => {
    rig = await memoryRig({ card: 'gen2-t1', simulator: { onUnplugRequest: () => rig!.device.unplug() } });
    rig.simulator.unplugDuringNextReply();
    expect(await rig.service.readCard()).toMatchObject({ ok: false, error: { code: 'CARD_READER_UNPLUGGED' } });
    expect(rig.service.status().state).toBe('unplugged');
  });
});
