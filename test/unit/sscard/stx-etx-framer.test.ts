import { describe, expect, it } from 'vitest';
import { StxEtxFramer, encodeStxEtxFrame, type StxEtxEvent } from '../../../native/common/stx-etx-framer';
import { CRT_CONTROL_BYTES } from '../../../native/sscard/common/crt-frame';
import { hex, randomBytes, randomChunks, seededRandom, unhex } from './seeded-random';

const frames = (events: StxEtxEvent[]) => events.filter((e) => e.kind === 'frame').map((e) => hex((e as { bytes: Uint8Array }).bytes));

function feed(framer: StxEtxFramer, chunks: Uint8Array[], flush = true): StxEtxEvent[] {
  const events: StxEtxEvent[] = [];
  for (const chunk of chunks) events.push(...framer.push(chunk));
  if (flush) events.push(...framer.flush());
  return events;
}

describe('STX/ETX framer', () => {
  it('encodes LEN over the payload and BCC as XOR of STX..ETX', () => {
    // 02 ^ 00 ^ 02 ^ 51 ^ 30 ^ 03 = 0x62
    expect(hex(encodeStxEtxFrame(Uint8Array.of(0x51, 0x30)))).toBe('02000251300362');
  });

  it('finds frames and control bytes in one stream', () => {
    const framer = new StxEtxFramer({ controlBytes: CRT_CONTROL_BYTES });
    const events = feed(framer, [unhex('06 02000251300362 05 15')]);
    expect(events.map((e) => e.kind)).toEqual(['control', 'frame', 'control', 'control']);
  });

  it('rejects a bad BCC, a missing ETX and an absurd LEN, and still finds the next frame', () => {
    const good = '02000251320360';
    for (const bad of ['02000251300363', '02000251300462', '02FFFF5130']) {
      const events = feed(new StxEtxFramer({ maxPayload: 512 }), [unhex(bad + good)]);
      expect(frames(events)).toEqual([good]);
      expect(events.some((e) => e.kind === 'error')).toBe(true);
    }
  });

  it('does not let a stray STX with a huge LEN hold a complete frame hostage', () => {
    const framer = new StxEtxFramer({ maxPayload: 512 });
    const events = framer.push(unhex('02 01 F0 AA BB 02000251320360'));
    expect(frames(events)).toEqual(['02000251320360']);
  });

  it('keeps an incomplete frame until the rest arrives', () => {
    const framer = new StxEtxFramer();
    expect(framer.push(unhex('020002'))).toEqual([]);
    expect(frames(framer.push(unhex('51320360')))).toEqual(['02000251320360']);
  });

  it('fuzz: random bytes in random chunks never throw', () => {
    const random = seededRandom(0x5eed);
    for (let run = 0; run < 300; run++) {
      const framer = new StxEtxFramer({ controlBytes: CRT_CONTROL_BYTES, maxPayload: 512 });
      const bytes = randomBytes(random, 1 + Math.floor(random() * 600));
      expect(() => feed(framer, randomChunks(random, bytes, 40))).not.toThrow();
    }
  });

  it('fuzz: every valid frame after garbage is found, in order, whatever the chunking', () => {
    const random = seededRandom(20261126);
    for (let run = 0; run < 500; run++) {
      const framer = new StxEtxFramer({ controlBytes: CRT_CONTROL_BYTES, maxPayload: 512 });
      const expected: string[] = [];
      const parts: number[] = [];
      const count = 1 + Math.floor(random() * 4);
      for (let i = 0; i < count; i++) {
        parts.push(...randomBytes(random, Math.floor(random() * 30)));
        const frame = encodeStxEtxFrame(randomBytes(random, 1 + Math.floor(random() * 80)));
        expected.push(hex(frame));
        parts.push(...frame);
      }
      const found = frames(feed(framer, randomChunks(random, Uint8Array.from(parts), 1 + Math.floor(random() * 32))));
      // Garbage can form a valid frame by chance: the real ones must be a subsequence.
      let at = 0;
      for (const frame of found) if (frame === expected[at]) at++;
      expect(at, `run ${run}`).toBe(expected.length);
    }
  });

  it('fuzz: a valid frame is emitted as soon as its last byte arrives, without flush', () => {
    const random = seededRandom(7);
    for (let run = 0; run < 300; run++) {
      const framer = new StxEtxFramer({ maxPayload: 512 });
      const frame = encodeStxEtxFrame(randomBytes(random, 1 + Math.floor(random() * 60)));
      const garbage = randomBytes(random, Math.floor(random() * 40));
      const events = feed(framer, randomChunks(random, Uint8Array.from([...garbage, ...frame]), 16), false);
      expect(frames(events), `run ${run}`).toContain(hex(frame));
    }
  });
});
