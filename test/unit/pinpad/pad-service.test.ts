import { afterEach, describe, expect, it } from 'vitest';
import { padRig, type PadRig } from './pad-rig';
import { cipherFor } from '../../../native/pinpad/node/block-cipher';
import { readFormatZeroBlock } from '../../../native/pinpad/common/iso9564';
import { TEST_MASTER_KEYS, TEST_WORKING_KEYS, testKeyCheckValue } from '../../../native/pinpad/simulator/test-keys';
import { keyCheckValue } from '../../../native/pinpad/node/block-cipher';
import { PAD_CMD } from '../../../native/pinpad/common/pad-frame';
import { samePin } from '../../../native/pinpad/common/pin-block-compare';
import { memoryTransportPair } from '../idcard/memory-transport';
import { PadClient } from '../../../native/pinpad/common/pad-client';
import { PadSimulator } from '../../../native/pinpad/simulator/pad-simulator';
import { systemClock } from '../../../native/node/system-clock';
import { randomBytes, randomChunks, seededRandom } from '../sscard/seeded-random';
import type { PinEntry } from '../../../native/pinpad/common/types';

let rig: PadRig | undefined;
afterEach(async () => {
  await rig?.service.close();
  rig = undefined;
});

const signal = new AbortController().signal;
const account = '519491231002';

/** Test-side only: what the pad enciphered (the app never does this). */
function openBlock(entry: PinEntry): string | undefined {
  const clear = cipherFor(entry.algorithm).decrypt(TEST_WORKING_KEYS[entry.algorithm], entry.pinBlock);
  return readFormatZeroBlock(clear.subarray(0, 8), account);
}

describe('PIN pad service against the simulated pad', () => {
  it('prompts, reports key counts only, and returns a 3DES format-0 block with the KCV', async () => {
    rig = await padRig();
    expect(rig.service.status().state).toBe('ready');
    rig.pad.enter('123456 OK');
    const counts: number[] = [];
    const entry = await rig.service.promptPin({ length: 6, purpose: 'current', signal, accountDigits: account, onKey: (n) => counts.push(n) });
    expect(counts).toEqual([1, 2, 3, 4, 5, 6]);
    expect(entry.ok).toBe(true);
    if (!entry.ok) return;
    expect(entry.value.algorithm).toBe('tdes');
    expect(entry.value.pinBlock).toHaveLength(8);
    expect(entry.value.keyCheckValue).toBe(testKeyCheckValue('tdes'));
    expect(openBlock(entry.value)).toBe('123456');
    expect(rig.pad.prompts).toEqual(['current']);
  });

  it('confirmation: equal PINs give equal blocks (compared without seeing digits)', async () => {
    rig = await padRig();
    const entries = [];
    for (const typed of ['246810 OK', '246810 OK', '246811 OK']) {
      rig.pad.enter(typed);
      const entry = await rig.service.promptPin({ length: 6, purpose: 'confirm', signal, accountDigits: account });
      if (!entry.ok) throw new Error(entry.error.code);
      entries.push(entry.value);
    }
    expect(samePin(entries[0]!, entries[1]!)).toBe(true);
    expect(samePin(entries[0]!, entries[2]!)).toBe(false);
  });

  it('SM4: 16-byte block', async () => {
    rig = await padRig({ service: { algorithm: 'sm4' } });
    rig.pad.enter('654321 OK');
    const entry = await rig.service.promptPin({ length: 6, purpose: 'new', signal, accountDigits: account });
    expect(entry).toMatchObject({ ok: true, value: { algorithm: 'sm4', keyCheckValue: testKeyCheckValue('sm4') } });
    if (entry.ok) {
      expect(entry.value.pinBlock).toHaveLength(16);
      expect(openBlock(entry.value)).toBe('654321');
    }
  });

  it('backspace, clear, and OK with too few digits (ignored, as a real pad beeps)', async () => {
    rig = await padRig();
    rig.pad.enter('12 BS 3 CLEAR 654 OK 321 OK');
    const counts: number[] = [];
    const entry = await rig.service.promptPin({ length: 6, purpose: 'new', signal, accountDigits: account, onKey: (n) => counts.push(n) });
    expect(counts).toEqual([1, 2, 1, 2, 0, 1, 2, 3, 4, 5, 6]);
    expect(entry.ok && openBlock(entry.value)).toBe('654321');
  });

  it('citizen cancels, entry times out on the pad, host aborts', async () => {
    rig = await padRig();
    rig.pad.enter('12 CANCEL');
    expect(await rig.service.promptPin({ length: 6, purpose: 'current', signal })).toMatchObject({ ok: false, error: { code: 'PINPAD_CANCELLED' } });
    rig.pad.enter('123 TIMEOUT');
    expect(await rig.service.promptPin({ length: 6, purpose: 'current', signal })).toMatchObject({ ok: false, error: { code: 'PINPAD_ENTRY_TIMEOUT' } });
    rig.pad.enter('1 HOLD');
    const controller = new AbortController();
    const prompt = rig.service.promptPin({ length: 6, purpose: 'current', signal: controller.signal, onKey: () => controller.abort() });
    expect(await prompt).toMatchObject({ ok: false, error: { code: 'PINPAD_ABORTED' } });
    expect(rig.pad.received).toContain('cancel');
    expect(rig.service.status().state).toBe('ready');
  });

  it('an abort that lands before the pad has confirmed the prompt still cancels it', async () => {
    rig = await padRig();
    const controller = new AbortController();
    const prompt = rig.service.promptPin({ length: 6, purpose: 'current', signal: controller.signal });
    controller.abort(); // the PROMPT frame is on its way, its reply not yet in
    expect(await prompt).toMatchObject({ ok: false, error: { code: 'PINPAD_ABORTED' } });
    expect(rig.pad.received).toEqual(['status', 'prompt_pin', 'cancel']);
    expect(rig.pad.prompting).toBe(false);
  });

  it('a pad holding another working key is refused before its block is used', async () => {
    rig = await padRig({ service: { expectedKeyCheckValue: 'ABCDEF' } });
    rig.pad.enter('123456 OK');
    expect(await rig.service.promptPin({ length: 6, purpose: 'current', signal })).toMatchObject({ ok: false, error: { code: 'PINPAD_KEY_CHECK_MISMATCH' } });
    expect(await rig.service.keyCheckValue('tdes')).toEqual({ ok: true, value: testKeyCheckValue('tdes') });
  });

  it('no working key, bad length, silent pad, unplugged', async () => {
    rig = await padRig();
    rig.pad.removeWorkingKey('tdes');
    expect(await rig.service.promptPin({ length: 6, purpose: 'current', signal })).toMatchObject({ ok: false, error: { code: 'PINPAD_NO_KEY' } });
    expect(await rig.service.promptPin({ length: 3, purpose: 'current', signal })).toMatchObject({ ok: false, error: { code: 'PINPAD_BAD_PARAMETER' } });
    rig.pad.setSilent(true);
    expect(await rig.service.keyCheckValue('sm4')).toMatchObject({ ok: false, error: { code: 'PINPAD_TIMEOUT' } });
    rig.host.unplug();
    expect(rig.service.status().state).toBe('unplugged');
    expect(await rig.service.promptPin({ length: 6, purpose: 'current', signal })).toMatchObject({ ok: false, error: { code: 'PINPAD_UNPLUGGED' } });
  });
});

describe('working keys', () => {
  it.each(['tdes', 'sm4'] as const)('loads a %s working key enciphered under the master key, checked by KCV', async (algorithm) => {
    rig = await padRig({ service: { algorithm } });
    const cipher = cipherFor(algorithm);
    const newKey = Uint8Array.from({ length: 16 }, (_, i) => (i * 37 + 11) & 0xff);
    const encrypted = new Uint8Array(16);
    for (let at = 0; at < 16; at += cipher.blockBytes) encrypted.set(cipher.encrypt(TEST_MASTER_KEYS[algorithm], newKey.subarray(at, at + cipher.blockBytes)), at);
    const kcv = keyCheckValue(algorithm, newKey);
    expect(await rig.service.loadWorkingKey(algorithm, encrypted, kcv.map((b) => b ^ 1))).toMatchObject({ ok: false, error: { code: 'PINPAD_KEY_CHECK_MISMATCH' } });
    const hexKcv = Array.from(kcv, (b) => b.toString(16).padStart(2, '0').toUpperCase()).join('');
    expect(await rig.service.loadWorkingKey(algorithm, encrypted, kcv)).toEqual({ ok: true, value: hexKcv });
    expect(await rig.service.keyCheckValue(algorithm)).toEqual({ ok: true, value: hexKcv });
    rig.pad.enter('123456 OK');
    const entry = await rig.service.promptPin({ length: 6, purpose: 'current', signal, accountDigits: account });
    expect(entry).toMatchObject({ ok: true, value: { keyCheckValue: hexKcv } });
  });
});

describe('pad client framing (fuzz)', () => {
  it('finds the reply after random garbage in random chunks', async () => {
    const random = seededRandom(31337);
    for (let run = 0; run < 40; run++) {
      const [host, device] = memoryTransportPair();
      const client = new PadClient(host, systemClock, { timeoutMs: 500 });
      const pad = new PadSimulator();
      // Garbage ahead of every reply, delivered in random pieces.
      device.onData(() => {
        const garbage = randomBytes(random, Math.floor(random() * 24));
        for (const piece of randomChunks(random, garbage, 5)) void device.write(piece);
      });
      pad.attach(device);
      const reply = await client.request(PAD_CMD.status, undefined, true);
      expect(reply.ok, `run ${run}`).toBe(true);
      client.dispose();
    }
  });
});
