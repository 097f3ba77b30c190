// Runs anywhere (pure). A streaming parser for the STX | LEN_H LEN_L | payload | ETX | BCC
// envelope shared by the CRT-310-style card reader (hardware-protocols.md §4.6b) and our PIN pad
// protocol (docs/pinpad-protocol.md). LEN counts the payload; BCC is the XOR of every byte from
// STX through ETX. Single control bytes (ACK, NAK, ENQ…) between frames are reported as such.
//
// Recovery rules (same spirit as the SAM framer):
// - a candidate frame with a LEN out of range, a missing ETX or a bad BCC rejects only its STX:
//   scanning resumes at the next byte, so a good frame that starts inside the bad one is found;
// - while a candidate is incomplete, a complete valid frame that starts later in the buffer
//   proves the candidate was noise (a stray STX with a huge LEN would otherwise hold every later
//   frame hostage until a timeout). The price: a genuine frame whose unfinished payload happens
//   to contain a whole valid frame is dropped; the protocol's retry recovers from that;
// - `flush()` (end of a capture, or a receive timeout) declares an incomplete frame truncated.

export const STX = 0x02;
export const ETX = 0x03;

export type FramingErrorCode = 'FRAME_CHECKSUM' | 'FRAME_LENGTH' | 'FRAME_TERMINATOR' | 'FRAME_GARBAGE' | 'FRAME_TRUNCATED';

export type StxEtxEvent =
  | { readonly kind: 'frame'; readonly payload: Uint8Array; readonly bytes: Uint8Array; readonly offset: number }
  | { readonly kind: 'control'; readonly byte: number; readonly offset: number }
  | { readonly kind: 'error'; readonly code: FramingErrorCode; readonly detail: string; readonly offset: number; readonly skippedBytes: number };

export interface StxEtxFramerOptions {
  readonly minPayload?: number;
  readonly maxPayload?: number;
  /** Bytes that mean something on their own between frames (ACK 06, NAK 15, ENQ 05…). */
  readonly controlBytes?: readonly number[];
}

/** STX + LEN(2) before the payload, ETX + BCC after it. */
export const ENVELOPE_BYTES = 5;

export function blockCheck(bytes: Uint8Array, start: number, end: number): number {
  let sum = 0;
  for (let i = start; i < end; i++) sum ^= bytes[i]!;
  return sum;
}

export function encodeStxEtxFrame(payload: Uint8Array): Uint8Array {
  const frame = new Uint8Array(payload.length + ENVELOPE_BYTES);
  frame[0] = STX;
  frame[1] = payload.length >> 8;
  frame[2] = payload.length & 0xff;
  frame.set(payload, 3);
  frame[frame.length - 2] = ETX;
  frame[frame.length - 1] = blockCheck(frame, 0, frame.length - 1);
  return frame;
}

type Verdict = { ok: true; total: number } | { ok: false; incomplete: true } | { ok: false; incomplete: false; code: FramingErrorCode; detail: string };

export class StxEtxFramer {
  private buffer = new Uint8Array(4096);
  private start = 0;
  private end = 0;
  private base = 0;
  private garbageBytes = 0;
  private garbageOffset = 0;
  private readonly minPayload: number;
  private readonly maxPayload: number;
  private readonly controls: ReadonlySet<number>;

  constructor(options: StxEtxFramerOptions = {}) {
    this.minPayload = options.minPayload ?? 1;
    this.maxPayload = options.maxPayload ?? 1024;
    this.controls = new Set(options.controlBytes ?? []);
  }

  get bufferedBytes(): number {
    return this.end - this.start;
  }

  push(chunk: Uint8Array): StxEtxEvent[] {
    try {
      this.append(chunk);
      return this.scan(false);
    } catch (cause) {
      // Unreachable by design; a framer must never take its device down with it.
      this.reset();
      return [{ kind: 'error', code: 'FRAME_GARBAGE', detail: `framer fault: ${String(cause)}`, offset: this.base, skippedBytes: 0 }];
    }
  }

  flush(): StxEtxEvent[] {
    try {
      const events = this.scan(true);
      this.emitGarbage(events);
      return events;
    } catch (cause) {
      this.reset();
      return [{ kind: 'error', code: 'FRAME_GARBAGE', detail: `framer fault: ${String(cause)}`, offset: this.base, skippedBytes: 0 }];
    }
  }

  reset(): void {
    this.base += this.end;
    this.start = 0;
    this.end = 0;
    this.garbageBytes = 0;
  }

  private append(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    if (this.end + chunk.length > this.buffer.length) {
      const live = this.end - this.start;
      if (live + chunk.length <= this.buffer.length) {
        this.buffer.copyWithin(0, this.start, this.end);
      } else {
        const grown = new Uint8Array(Math.max(this.buffer.length * 2, live + chunk.length));
        grown.set(this.buffer.subarray(this.start, this.end), 0);
        this.buffer = grown;
      }
      this.base += this.start;
      this.start = 0;
      this.end = live;
    }
    this.buffer.set(chunk, this.end);
    this.end += chunk.length;
  }

  private emitGarbage(events: StxEtxEvent[]): void {
    if (this.garbageBytes === 0) return;
    events.push({ kind: 'error', code: 'FRAME_GARBAGE', detail: `skipped ${this.garbageBytes} bytes`, offset: this.garbageOffset, skippedBytes: this.garbageBytes });
    this.garbageBytes = 0;
  }

  private skipAsGarbage(count: number): void {
    if (count <= 0) return;
    if (this.garbageBytes === 0) this.garbageOffset = this.base + this.start;
    this.garbageBytes += count;
    this.start += count;
  }

  private judge(at: number): Verdict {
    const buf = this.buffer;
    const available = this.end - at;
    if (available < 3) return { ok: false, incomplete: true };
    const length = (buf[at + 1]! << 8) | buf[at + 2]!;
    if (length < this.minPayload || length > this.maxPayload) return { ok: false, incomplete: false, code: 'FRAME_LENGTH', detail: `length field ${length}` };
    const total = length + ENVELOPE_BYTES;
    if (available < total) return { ok: false, incomplete: true };
    if (buf[at + total - 2] !== ETX) return { ok: false, incomplete: false, code: 'FRAME_TERMINATOR', detail: `no ETX after ${length} payload bytes` };
    const bcc = blockCheck(buf, at, at + total - 1);
    if (bcc !== buf[at + total - 1]) {
      return { ok: false, incomplete: false, code: 'FRAME_CHECKSUM', detail: `expected ${hex2(bcc)}, got ${hex2(buf[at + total - 1]!)}` };
    }
    return { ok: true, total };
  }

  /** True when a complete, valid frame starts somewhere in [from, end). */
  private validFrameAfter(from: number): boolean {
    for (let i = this.buffer.indexOf(STX, from); i >= 0 && i < this.end; i = this.buffer.indexOf(STX, i + 1)) {
      if (this.judge(i).ok) return true;
    }
    return false;
  }

  private reject(events: StxEtxEvent[], code: FramingErrorCode, detail: string): void {
    this.emitGarbage(events);
    events.push({ kind: 'error', code, detail, offset: this.base + this.start, skippedBytes: 1 });
    this.start += 1;
  }

  private scan(final: boolean): StxEtxEvent[] {
    const events: StxEtxEvent[] = [];
    const buf = this.buffer;
    while (this.start < this.end) {
      const byte = buf[this.start]!;
      if (this.controls.has(byte)) {
        this.emitGarbage(events);
        events.push({ kind: 'control', byte, offset: this.base + this.start });
        this.start += 1;
        continue;
      }
      if (byte !== STX) {
        this.skipAsGarbage(1);
        continue;
      }
      const verdict = this.judge(this.start);
      if (verdict.ok) {
        this.emitGarbage(events);
        const bytes = buf.slice(this.start, this.start + verdict.total);
        events.push({ kind: 'frame', bytes, payload: bytes.subarray(3, verdict.total - 2), offset: this.base + this.start });
        this.start += verdict.total;
        continue;
      }
      if (!verdict.incomplete) {
        this.reject(events, verdict.code, verdict.detail);
        continue;
      }
      if (final) {
        this.reject(events, 'FRAME_TRUNCATED', `stream ended ${this.end - this.start} bytes into a frame`);
        continue;
      }
      if (this.validFrameAfter(this.start + 1)) {
        this.reject(events, 'FRAME_TRUNCATED', 'a complete frame followed an unfinished one');
        continue;
      }
      break;
    }
    if (this.start === this.end) {
      this.base += this.end;
      this.start = 0;
      this.end = 0;
    }
    return events;
  }
}

function hex2(value: number): string {
  return value.toString(16).padStart(2, '0');
}
