// `kioskctl sscard read|decode`: a real read over a socat pty, and decoding of an APDU trace and
// of a raw capture of the reader line, both recorded from the simulator.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runSscardCommand } from '../../../electron/cli/sscard-command';
import { memoryTransportPair } from '../idcard/memory-transport';
import { systemClock } from '../../../native/node/system-clock';
import { CardService, crtReaderOpener } from '../../../native/sscard/common/card-service';
import { CrtReaderSimulator } from '../../../native/sscard/simulator/crt-reader-simulator';
import { gbkDecoder } from '../../../native/sscard/node/gbk';
import { decodeApduTrace, decodeCrtCapture } from '../../../native/sscard/common/trace-decoder';
import { socatAvailable } from '../../../native/idcard/simulator/pty-pair';
import { startSimulatedCardReader } from '../../../native/sscard/simulator/simulator-rig';
import { TEST_ID_NUMBER, TEST_NAME } from '../../../native/sscard/simulator/synthetic-sscards';
import { hex, randomBytes, seededRandom } from './seeded-random';

const dir = mkdtempSync(join(tmpdir(), 'sscard-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function io() {
  const out: string[] = [];
  const errors: string[] = [];
  return { out, errors, io: { stdout: (s: string) => void out.push(s), stderr: (s: string) => void errors.push(s) } };
}

/** Reads a card on the simulator and records the APDU trace and the raw line capture. */
async function record(card: string, pinBlocks = false): Promise<{ trace: string; capture: Uint8Array }> {
  const [host, device] = memoryTransportPair();
  const capture: number[] = [];
  host.onData((chunk) => void capture.push(...chunk));
  device.onData((chunk) => void capture.push(...chunk));
  const simulator = new CrtReaderSimulator();
  simulator.attach(device);
  simulator.insertCard(card);
  const lines: string[] = [];
  const opener = crtReaderOpener({ open: async () => host, clock: systemClock });
  const service = new CardService({
    clock: systemClock,
    gbk: gbkDecoder,
    openReader: async () => {
      const opened = await opener();
      const transmit = opened.reader.transmit.bind(opened.reader);
      opened.reader.transmit = async (apdu, protocol) => {
        lines.push(`> ${hex(apdu)}`);
        const reply = await transmit(apdu, protocol);
        if (reply.ok) lines.push(`< ${hex(reply.value)}`);
        return reply;
      };
      return opened;
    },
  }).start();
  await service.whenConnected();
  expect((await service.readCard()).ok).toBe(true);
  if (pinBlocks) {
    const block = { pinBlock: Uint8Array.of(0xa1, 0xb2, 0xc3, 0xd4, 0xe5, 0xf6, 0x17, 0x28), algorithm: 'tdes' as const, keyCheckValue: '08D7B4' };
    await service.changePin({ current: block, next: block });
  }
  await service.close();
  return { trace: `# recorded from the simulator\n${lines.join('\n')}\n`, capture: Uint8Array.from(capture) };
}

describe('sscard decode', () => {
  it('decodes an APDU trace with GET RESPONSE chains into fields, masking PII by default', async () => {
    const { trace } = await record('gen3-t0-chained');
    const file = join(dir, 'trace.txt');
    writeFileSync(file, trace);
    const run = io();
    expect(await runSscardCommand(['decode', file], run.io)).toBe(0);
    const output = JSON.parse(run.out.join(''));
    expect(output.format).toBe('apdu-trace');
    expect(output.card).toMatchObject({ socialSecurityNumber: '1101********002X', name: '测**', specVersion: '3.00', birthDate: '1949-12-31', cardNumber: 'S00000003' });
    expect(output.exchanges[0]).toMatchObject({ command: 'SELECT_AID', sw: '9000', outcome: 'ok' });
    expect(output.exchanges.some((e: { command: string }) => e.command === 'GET_RESPONSE')).toBe(false);
    expect(output.problems).toEqual([]);
    const full = io();
    await runSscardCommand(['decode', file, '--show-pii'], full.io);
    expect(JSON.parse(full.out.join('')).card).toMatchObject({ socialSecurityNumber: TEST_ID_NUMBER, name: TEST_NAME });
  });

  it('decodes a raw capture of the CRT-310 line (handshake bytes, ATR, APDUs)', async () => {
    const { capture } = await record('gen2-t1');
    const file = join(dir, 'capture.bin');
    writeFileSync(file, capture);
    const run = io();
    expect(await runSscardCommand(['decode', file], run.io)).toBe(0);
    const output = JSON.parse(run.out.join(''));
    expect(output.format).toBe('crt-capture');
    expect(output.exchanges[0]).toMatchObject({ command: 'coldReset', outcome: 'ok' });
    expect(output.exchanges[0].note).toContain('T=1');
    expect(output.card).toMatchObject({ socialSecurityNumber: '1101********002X', expiryDate: '2034-01-15', gender: '2', nation: '01' });
  });

  it('never shows PIN material', async () => {
    const { trace, capture } = await record('gen2-t1', true);
    for (const [name, content] of [
      ['pin-trace.txt', trace],
      ['pin-capture.bin', capture],
    ] as const) {
      const file = join(dir, name);
      writeFileSync(file, content);
      const run = io();
      await runSscardCommand(['decode', file], run.io);
      const text = run.out.join('');
      expect(text).toContain('CHANGE_PIN');
      expect(text).toContain('17 bytes of PIN material not shown');
      expect(text).not.toContain('A1B2C3D4');
    }
  });

  it('random input never throws (fuzz)', () => {
    const random = seededRandom(99);
    for (let i = 0; i < 200; i++) {
      const bytes = randomBytes(random, Math.floor(random() * 400));
      expect(() => decodeCrtCapture(bytes, gbkDecoder)).not.toThrow();
      expect(() => decodeApduTrace(`> ${hex(bytes)}\n< ${hex(bytes.subarray(0, 7))}\n<\n>zz`, gbkDecoder)).not.toThrow();
    }
  });

  it('usage and unreadable files', async () => {
    const run = io();
    expect(await runSscardCommand(['decode'], run.io)).toBe(2);
    expect(await runSscardCommand(['read'], run.io)).toBe(2);
    expect(await runSscardCommand(['decode', join(dir, 'missing')], run.io)).toBe(2);
  });
});

describe.skipIf(!socatAvailable())('sscard read on a socat pty', () => {
  it('reads and prints masked JSON; a dead port is a coded error', async () => {
    const reader = await startSimulatedCardReader({ card: 'gen2-t0' });
    try {
      const run = io();
      expect(await runSscardCommand(['read', '--port', reader.hostPath, '--baud', '9600'], run.io)).toBe(0);
      expect(JSON.parse(run.out.join(''))).toMatchObject({ socialSecurityNumber: '1101********002X', name: '测**', generation: 2 });
      const none = io();
      expect(await runSscardCommand(['read', '--port', join(dir, 'no-such-port')], none.io)).toBe(1);
      expect(none.errors.join('')).toContain('CARD_READER_PORT_OPEN_FAILED');
    } finally {
      await reader.close();
    }
  });
});
