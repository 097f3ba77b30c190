// CHANGE PIN end to end on simulated devices: the citizen types on the simulated PAD, the app
// forwards the pad's ciphertext to the simulated card, and nothing the drivers log, emit or
// return — nor any byte they put on either wire — carries a PIN digit in the clear.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { memoryRig, type MemoryRig } from './memory-rig';
import { padRig, type PadRig } from '../pinpad/pad-rig';
import { pinAccountDigits } from '../../../native/pinpad/common/iso9564';
import type { PinAlgorithm } from '../../../native/pinpad/common/types';
import { hex } from './seeded-random';

let card: MemoryRig | undefined;
let pad: PadRig | undefined;
afterEach(async () => {
  await card?.service.close();
  await pad?.service.close();
  card = undefined;
  pad = undefined;
  vi.restoreAllMocks();
});

const signal = new AbortController().signal;
const seen: unknown[] = [];

async function setUp(cardKey: string, algorithm: PinAlgorithm = 'tdes') {
  card = await memoryRig({ card: cardKey });
  pad = await padRig({ service: { algorithm } });
  const read = await card.service.readCard();
  seen.push(read);
  if (!read.ok) throw new Error(read.error.code);
  return pinAccountDigits(read.value.socialSecurityNumber);
}

/** What the flow does: two prompts on the pad, one CHANGE PIN with what came back. */
async function changePin(current: string, next: string, accountDigits: string) {
  pad!.pad.enter(`${current} OK`);
  const currentBlock = await pad!.service.promptPin({ length: 6, purpose: 'current', signal, accountDigits, onKey: (n) => seen.push({ key: n }) });
  pad!.pad.enter(`${next} OK`);
  const nextBlock = await pad!.service.promptPin({ length: 6, purpose: 'new', signal, accountDigits, onKey: (n) => seen.push({ key: n }) });
  seen.push(currentBlock, nextBlock);
  if (!currentBlock.ok || !nextBlock.ok) throw new Error('pad failed');
  const result = await card!.service.changePin({ current: currentBlock.value, next: nextBlock.value });
  seen.push(result, card!.service.status(), pad!.service.status());
  return result;
}

describe('CHANGE PIN with the PIN pad', () => {
  it.each(['tdes', 'sm4'] as const)('changes the issued PIN (%s)', async (algorithm) => {
    const account = await setUp('gen2-t1', algorithm);
    expect(await changePin('123456', '654321', account)).toEqual({ ok: true, value: undefined });
    const simulated = card!.simulator.insertedCard!;
    expect(simulated.pinEquals('654321')).toBe(true);
    expect(simulated.pinChanges).toBe(1);
    // 80 5E 01 00 Lc old ‖ FF ‖ new, with the pad's blocks in place of BCD PINs.
    const size = algorithm === 'tdes' ? 8 : 16;
    const apdu = card!.simulator.apdus.at(-1)!;
    expect(apdu.slice(0, 10)).toBe(`805E0100${(2 * size + 1).toString(16).toUpperCase().padStart(2, '0')}`);
    expect(apdu.slice(10 + size * 2, 12 + size * 2)).toBe('FF');
  });

  it('T=0 card: the case-3 CHANGE PIN works the same', async () => {
    const account = await setUp('gen2-t0');
    expect((await changePin('123456', '135790', account)).ok).toBe(true);
    expect(card!.simulator.insertedCard!.pinEquals('135790')).toBe(true);
  });

  it('wrong current PIN: CARD_WRONG_PIN with tries left, then the right one works', async () => {
    const account = await setUp('gen2-t1');
    expect(await changePin('111111', '654321', account)).toMatchObject({ ok: false, error: { code: 'CARD_WRONG_PIN', sw: '63C2', triesLeft: 2 } });
    expect(await changePin('222222', '654321', account)).toMatchObject({ ok: false, error: { code: 'CARD_WRONG_PIN', triesLeft: 1 } });
    expect(await changePin('123456', '654321', account)).toEqual({ ok: true, value: undefined });
    expect(card!.simulator.insertedCard!.pinTriesLeft).toBe(3);
  });

  it('last try wrong, then blocked; an already blocked card says CARD_PIN_BLOCKED at once', async () => {
    let account = await setUp('one-try-left');
    expect(await changePin('111111', '654321', account)).toMatchObject({ ok: false, error: { code: 'CARD_WRONG_PIN', triesLeft: 0 } });
    expect(await changePin('123456', '654321', account)).toMatchObject({ ok: false, error: { code: 'CARD_PIN_BLOCKED', sw: '6983' } });
    await card!.service.close();
    await pad!.service.close();
    account = await setUp('blocked-pin');
    expect(await changePin('123456', '654321', account)).toMatchObject({ ok: false, error: { code: 'CARD_PIN_BLOCKED' } });
  });

  it('card pulled during CHANGE PIN: CARD_REMOVED (and the simulator can say whether it landed)', async () => {
    const account = await setUp('gen2-t1');
    const simulated = card!.simulator.insertedCard!;
    card!.simulator.pullCardDuringNextApdu({ ins: 0x5e, afterExecution: true });
    expect(await changePin('123456', '654321', account)).toMatchObject({ ok: false, error: { code: 'CARD_REMOVED' } });
    expect(simulated.pinEquals('654321')).toBe(true);
  });

  it('EF06 behind a PIN: CARD_PIN_REQUIRED, then the read with the pad\'s block VERIFYs and succeeds', async () => {
    card = await memoryRig({ card: 'ef06-needs-pin' });
    pad = await padRig();
    expect(await card.service.readCard()).toMatchObject({ ok: false, error: { code: 'CARD_PIN_REQUIRED' } });
    const accountDigits = pinAccountDigits('11010519491231002X');
    pad.pad.enter('000000 OK');
    const wrong = await pad.service.promptPin({ length: 6, purpose: 'current', signal, accountDigits });
    if (!wrong.ok) throw new Error('pad');
    expect(await card.service.readCard({ pin: wrong.value })).toMatchObject({ ok: false, error: { code: 'CARD_WRONG_PIN', triesLeft: 2 } });
    pad.pad.enter('123456 OK');
    const right = await pad.service.promptPin({ length: 6, purpose: 'current', signal, accountDigits });
    if (!right.ok) throw new Error('pad');
    expect(await card.service.readCard({ pin: right.value })).toMatchObject({ ok: true, value: { name: '测试甲' } });
    expect(card.simulator.apdus.filter((apdu) => apdu.startsWith('00200000'))).toHaveLength(2);
  });

  it('a CHANGE PIN frame whose ACK never comes is not resent: CARD_OUTCOME_UNKNOWN', async () => {
    card = await memoryRig({ card: 'gen2-t1' });
    pad = await padRig();
    const read = await card.service.readCard();
    if (!read.ok) throw new Error(read.error.code);
    card.simulator.ignoreNextCommandFrame();
    expect(await changePin('123456', '654321', pinAccountDigits(read.value.socialSecurityNumber))).toMatchObject({ ok: false, error: { code: 'CARD_OUTCOME_UNKNOWN' } });
    expect(card.simulator.apdus.filter((apdu) => apdu.startsWith('805E'))).toHaveLength(0);
    expect(card.simulator.insertedCard!.pinTriesLeft).toBe(3);
  });

  it('blocks that cannot be pad output are refused before reaching the card', async () => {
    await setUp('gen2-t1');
    const block = { pinBlock: new Uint8Array(8), algorithm: 'tdes' as const, keyCheckValue: '000000' };
    expect(await card!.service.changePin({ current: block, next: { ...block, algorithm: 'sm4' } })).toMatchObject({
      ok: false,
      error: { code: 'CARD_PIN_BLOCK_INVALID' },
    });
  });

  it('no PIN digit in anything the drivers logged, emitted or returned, nor on either wire', async () => {
    const logged: string[] = [];
    for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
      vi.spyOn(console, method).mockImplementation((...args: unknown[]) => void logged.push(args.map(String).join(' ')));
    }
    seen.length = 0;
    const account = await setUp('gen2-t1');
    await changePin('987650', '246810', account); // wrong current PIN
    await changePin('123456', '246810', account);
    await card!.service.close();
    await pad!.service.close();
    const everything = JSON.stringify(
      { seen, cardEvents: card!.events, padEvents: pad!.events, logged },
      (_key, value: unknown) => (value instanceof Uint8Array ? hex(value) : value),
    );
    const wires = [...card!.host.written, ...card!.device.written, ...pad!.host.written, ...pad!.device.written].map(hex).join('|');
    expect(pad!.events.length).toBeGreaterThan(0);
    // Canary: the scan does find a clear PIN where one is (a format-0 PIN field, BCD).
    expect(hex(Uint8Array.of(0x06, 0x12, 0x34, 0x56, 0xff, 0xff, 0xff, 0xff))).toContain('06123456');
    for (const pin of ['123456', '987650', '246810']) {
      const ascii = hex(Uint8Array.from(pin, (c) => c.charCodeAt(0)));
      expect(everything).not.toContain(pin);
      expect(everything).not.toContain(ascii);
      expect(wires).not.toContain(ascii);
      // BCD (VERIFY/CHANGE PIN clear form) and the clear format-0 PIN field.
      expect(wires).not.toContain(pin);
      expect(wires).not.toContain(`06${pin}`);
    }
  });
});
