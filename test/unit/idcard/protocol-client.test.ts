import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../native/common/clock';
import { SamProtocolClient } from '../../../native/idcard/common/protocol-client';
import { SamFramer } from '../../../native/idcard/common/sam-framer';
import { commandName, encodeResponse, readCommand, type SamCommandName } from '../../../native/idcard/common/sam-frame';
import { memoryTransportPair, settle, type MemoryEnd } from './memory-transport';
import { pass } from './drive';

/** The far end: answers each command with what `reply` returns (undefined = silence). */
function responder(end: MemoryEnd, reply: (name: SamCommandName | undefined, count: number) => Uint8Array | undefined) {
  const framer = new SamFramer();
  const seen: string[] = [];
  end.onData((chunk) => {
    for (const event of framer.push(chunk)) {
      if (event.kind !== 'frame') continue;
      const command = readCommand(event.frame);
      if (!command.ok) continue;
      const name = commandName(command.value.cmd, command.value.para);
      seen.push(name ?? 'unknown');
      const bytes = reply(name, seen.length);
      if (bytes) void end.write(bytes);
    }
  });
  return seen;
}

function setup(reply: (name: SamCommandName | undefined, count: number) => Uint8Array | undefined, options = {}) {
  const clock = new ManualClock();
  const [host, device] = memoryTransportPair();
  const seen = responder(device, reply);
  const client = new SamProtocolClient(host, clock, options);
  return { clock, host, device, seen, client };
}

describe('SamProtocolClient', () => {
  it('maps find replies: 9F present, 80 absent, anything else a SAM_STATUS error', async () => {
    const answers = [encodeResponse(0x9f, new Uint8Array(4)), encodeResponse(0x80, new Uint8Array(4)), encodeResponse(0x41)];
    const { client } = setup((_, n) => answers[n - 1]);
    expect(await client.findCard()).toEqual({ ok: true, value: true });
    expect(await client.findCard()).toEqual({ ok: true, value: false });
    expect(await client.findCard()).toEqual({ ok: false, error: { code: 'SAM_STATUS_41', sw3: '41', detail: 'Card read failed' } });
  });

  it('treats 91 on the appended address as "none"', async () => {
    const { client } = setup(() => encodeResponse(0x91));
    expect(await client.readAppendedAddressData()).toEqual({ ok: true, value: undefined });
  });

  it('retries a repeatable command after a timeout, then gives up with ID_READER_TIMEOUT', async () => {
    const { client, clock, seen } = setup(() => undefined, { timeoutMs: 1000, retries: 2 });
    const result = client.samStatus();
    await pass(clock, 999);
    expect(seen).toEqual(['sam_status']);
    await pass(clock, 2);
    expect(seen).toEqual(['sam_status', 'sam_status']);
    await pass(clock, 2000);
    expect(seen).toHaveLength(3);
    expect(await result).toMatchObject({ ok: false, error: { code: 'ID_READER_TIMEOUT' } });
  });

  it('succeeds when a retry is answered', async () => {
    const { client, clock, seen } = setup((_, n) => (n === 2 ? encodeResponse(0x90) : undefined));
    const result = client.samStatus();
    await pass(clock, 1100);
    expect(await result).toEqual({ ok: true, value: undefined });
    expect(seen).toHaveLength(2);
  });

  it('does not resend select after a timeout', async () => {
    const { client, clock, seen } = setup(() => undefined);
    const result = client.selectCard();
    await pass(clock, 5000);
    expect(await result).toMatchObject({ ok: false, error: { code: 'ID_READER_TIMEOUT' } });
    expect(seen).toEqual(['select_card']);
  });

  it('gives reads at least 1.5 s', async () => {
    const { client, clock, seen } = setup(() => undefined, { readTimeoutMs: 100, retries: 0 });
    const result = client.readCardData(false);
    await pass(clock, 1490);
    await settle();
    expect(client.busy).toBe(true);
    await pass(clock, 20);
    expect(await result).toMatchObject({ ok: false, error: { code: 'ID_READER_TIMEOUT' } });
    expect(seen).toEqual(['read_text_photo']);
  });

  it('resends after a reply with a bad checksum', async () => {
    const { client, seen } = setup((_, n) => {
      const frame = encodeResponse(0x90);
      if (n === 1) frame[frame.length - 1] = frame[frame.length - 1]! ^ (0xff);
      return frame;
    });
    expect(await client.samStatus()).toEqual({ ok: true, value: undefined });
    expect(seen).toEqual(['sam_status', 'sam_status']);
  });

  it('returns ID_FRAME_CHECKSUM for a damaged reply to a command it must not repeat', async () => {
    const { client, seen } = setup(() => {
      const frame = encodeResponse(0x90, new Uint8Array(8));
      frame[frame.length - 1] = frame[frame.length - 1]! ^ (0xff);
      return frame;
    });
    expect(await client.selectCard()).toMatchObject({ ok: false, error: { code: 'ID_FRAME_CHECKSUM' } });
    expect(seen).toEqual(['select_card']);
  });

  it('resends any command the reader says it never understood (SW3 10)', async () => {
    const { client, seen } = setup((_, n) => (n === 1 ? encodeResponse(0x10) : encodeResponse(0x90, new Uint8Array(8))));
    expect((await client.selectCard()).ok).toBe(true);
    expect(seen).toEqual(['select_card', 'select_card']);
  });

  it('answers a concurrent request with ID_READER_BUSY', async () => {
    const { client, clock } = setup(() => undefined, { retries: 0 });
    const first = client.samStatus();
    expect(await client.findCard()).toMatchObject({ ok: false, error: { code: 'ID_READER_BUSY' } });
    await pass(clock, 1100);
    expect(await first).toMatchObject({ ok: false, error: { code: 'ID_READER_TIMEOUT' } });
  });

  it('fails the request in flight with ID_READER_UNPLUGGED when the transport goes', async () => {
    const { client, host } = setup(() => undefined);
    const result = client.readCardData(true);
    await settle();
    host.unplug();
    expect(await result).toMatchObject({ ok: false, error: { code: 'ID_READER_UNPLUGGED' } });
    expect(await client.findCard()).toMatchObject({ ok: false, error: { code: 'ID_READER_UNPLUGGED' } });
  });

  it('ignores unsolicited frames and command echoes', async () => {
    const events: string[] = [];
    const { client, device } = setup(() => encodeResponse(0x90), { onEvent: (e: { kind: string }) => events.push(e.kind) });
    await device.write(encodeResponse(0x9f, new Uint8Array(4)));
    await settle();
    expect(await client.samStatus()).toEqual({ ok: true, value: undefined });
    expect(events).toContain('unsolicited');
  });
});

describe('SamProtocolClient stray replies', () => {
  it('skips a late reply that cannot belong to the command in flight', async () => {
    // The first status reply is late: it arrives while find is in flight.
    const { client, device } = setup((name) => (name === 'find_card' ? encodeResponse(0x9f, new Uint8Array(4)) : undefined), { retries: 0 });
    const find = client.findCard();
    await device.write(encodeResponse(0x90));
    expect(await find).toEqual({ ok: true, value: true });
  });
});
