// Runs anywhere (pure). Finds SAM frames in a byte stream cut into arbitrary chunks. Used for
// both directions (the driver reads responses, the simulator reads commands).
//
// Recovery rules:
// - bytes before a preamble are garbage (reported with their count when the next frame or error
//   is reported, or on flush);
// - a LEN outside [3, SAM_MAX_LENGTH_FIELD] or a bad CHK rejects only the first byte of the
//   preamble: scanning resumes at the next byte, so a valid frame that starts inside the bad
//   one's bytes (a truncated frame followed by a good one) is still found;
// - an incomplete frame is kept until more bytes arrive; `flush()` (end of a capture, or a
//   receive timeout) declares it truncated and rescans what it had swallowed.
import type { IdCardError } from './types';
import { SAM_HEADER_BYTES, SAM_MAX_LENGTH_FIELD, SAM_MIN_LENGTH_FIELD, SAM_PREAMBLE, type SamFrame } from './sam-frame';

export type FramerEvent =
  | { readonly kind: 'frame'; readonly frame: SamFrame; readonly offset: number }
  | { readonly kind: 'error'; readonly error: IdCardError; readonly offset: number; readonly skippedBytes: number };

export interface SamFramerOptions {
  readonly maxLengthField?: number;
}

const P0 = SAM_PREAMBLE[0]!;
const P3 = SAM_PREAMBLE[3]!;
const P4 = SAM_PREAMBLE[4]!;

export class SamFramer {
  private buffer = new Uint8Array(8192);
  private start = 0;
  private end = 0;
  /** Stream offset of buffer[0]. */
  private base = 0;
  private garbageBytes = 0;
  private garbageOffset = 0;
  private readonly maxLengthField: number;

  constructor(options: SamFramerOptions = {}) {
    this.maxLengthField = options.maxLengthField ?? SAM_MAX_LENGTH_FIELD;
  }

  /** Bytes held while waiting for the rest of a frame (or a preamble's tail). */
  get bufferedBytes(): number {
    return this.end - this.start;
  }

  push(chunk: Uint8Array): FramerEvent[] {
    try {
      this.append(chunk);
      return this.scan(false);
    } catch (cause) {
      // Unreachable by design; a framer must never take the reader down with it.
      this.reset();
      return [{ kind: 'error', error: { code: 'ID_FRAME_GARBAGE', detail: `framer fault: ${String(cause)}` }, offset: this.base, skippedBytes: 0 }];
    }
  }

  /** The stream ended or timed out: nothing buffered can complete any more. */
  flush(): FramerEvent[] {
    try {
      const events = this.scan(true);
      this.emitGarbage(events);
      return events;
    } catch (cause) {
      this.reset();
      return [{ kind: 'error', error: { code: 'ID_FRAME_GARBAGE', detail: `framer fault: ${String(cause)}` }, offset: this.base, skippedBytes: 0 }];
    }
  }

  /** Drops everything buffered without reporting it. */
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

  private skipAsGarbage(count: number): void {
    if (count <= 0) return;
    if (this.garbageBytes === 0) this.garbageOffset = this.base + this.start;
    this.garbageBytes += count;
    this.start += count;
  }

  private emitGarbage(events: FramerEvent[]): void {
    if (this.garbageBytes === 0) return;
    events.push({
      kind: 'error',
      error: { code: 'ID_FRAME_GARBAGE', detail: `skipped ${this.garbageBytes} bytes` },
      offset: this.garbageOffset,
      skippedBytes: this.garbageBytes,
    });
    this.garbageBytes = 0;
  }

  private rejectPreamble(events: FramerEvent[], error: IdCardError): void {
    this.emitGarbage(events);
    events.push({ kind: 'error', error, offset: this.base + this.start, skippedBytes: 1 });
    this.start += 1;
  }

  private findPreamble(from: number): number {
    const buf = this.buffer;
    const last = this.end - SAM_PREAMBLE.length;
    let i = from;
    while (i <= last) {
      const at = buf.indexOf(P0, i);
      if (at < 0 || at > last) return -1;
      if (buf[at + 1] === P0 && buf[at + 2] === P0 && buf[at + 3] === P3 && buf[at + 4] === P4) return at;
      i = at + 1;
    }
    return -1;
  }

  /** Length of the longest buffer suffix that could be the start of a preamble. */
  private partialPreambleTail(): number {
    const max = Math.min(SAM_PREAMBLE.length - 1, this.end - this.start);
    for (let k = max; k > 0; k--) {
      let match = true;
      for (let j = 0; j < k; j++) {
        if (this.buffer[this.end - k + j] !== SAM_PREAMBLE[j]) {
          match = false;
          break;
        }
      }
      if (match) return k;
    }
    return 0;
  }

  private scan(final: boolean): FramerEvent[] {
    const events: FramerEvent[] = [];
    const buf = this.buffer;
    for (;;) {
      const at = this.findPreamble(this.start);
      if (at < 0) {
        const keep = final ? 0 : this.partialPreambleTail();
        this.skipAsGarbage(this.end - this.start - keep);
        break;
      }
      this.skipAsGarbage(at - this.start);
      const available = this.end - this.start;
      if (available < SAM_HEADER_BYTES) {
        if (!final) break;
        this.rejectPreamble(events, { code: 'ID_FRAME_TRUNCATED', detail: `stream ended ${available} bytes into a frame header` });
        continue;
      }
      const lengthField = (buf[this.start + 5]! << 8) | buf[this.start + 6]!;
      if (lengthField < SAM_MIN_LENGTH_FIELD || lengthField > this.maxLengthField) {
        this.rejectPreamble(events, { code: 'ID_FRAME_LENGTH', detail: `length field ${lengthField}` });
        continue;
      }
      const total = SAM_HEADER_BYTES + lengthField;
      if (available < total) {
        if (!final) break;
        this.rejectPreamble(events, { code: 'ID_FRAME_TRUNCATED', detail: `stream ended after ${available} of ${total} bytes` });
        continue;
      }
      const checkAt = this.start + total - 1;
      let sum = 0;
      for (let i = this.start + 5; i < checkAt; i++) sum ^= buf[i]!;
      if (sum !== buf[checkAt]) {
        this.rejectPreamble(events, {
          code: 'ID_FRAME_CHECKSUM',
          detail: `expected ${sum.toString(16).padStart(2, '0')}, got ${buf[checkAt]!.toString(16).padStart(2, '0')}`,
        });
        continue;
      }
      this.emitGarbage(events);
      const bytes = buf.slice(this.start, this.start + total);
      events.push({ kind: 'frame', frame: { bytes, body: bytes.subarray(SAM_HEADER_BYTES, total - 1) }, offset: this.base + this.start });
      this.start += total;
    }
    if (this.start === this.end) {
      this.base += this.end;
      this.start = 0;
      this.end = 0;
    }
    return events;
  }
}
