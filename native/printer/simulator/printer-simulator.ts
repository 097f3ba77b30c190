// Runs in Node. An ESC/POS printer seen from the other end of the wire: interprets the command
// subset of escpos.ts, keeps what would be on paper as text lines (GBK decoded in Chinese mode),
// answers DLE EOT at once, and can run out of paper — now or after n more lines.
import iconv from 'iconv-lite';
import type { ByteTransport } from '../../common/transport';
import { DLE, EOT, ESC, FS, GS, LF } from '../common/escpos';
import { statusBytes } from '../common/printer-status';
import type { PaperState } from '../common/types';

export interface PrintedLine {
  readonly text: string;
  readonly align: 'left' | 'center' | 'right';
  readonly bold: boolean;
}

export type PaperItem = { readonly kind: 'line'; readonly line: PrintedLine } | { readonly kind: 'image'; readonly width: number; readonly height: number } | { readonly kind: 'cut' };

export class PrinterSimulator {
  private transport: ByteTransport | undefined;
  private detachers: Array<() => void> = [];
  private pending: number[] = [];
  private lineBytes: number[] = [];
  private alignment: PrintedLine['align'] = 'left';
  private isBold = false;
  private chinese = false;
  private paper: PaperState = 'ok';
  private linesUntilOut = Infinity;
  private coverOpen = false;
  /** What reached the paper, in order. */
  readonly paperItems: PaperItem[] = [];
  /** Bytes that arrived while there was no paper (they never print). */
  lostBytes = 0;
  /** Every byte received (tests can scan the raw stream). */
  readonly received: number[] = [];

  attach(transport: ByteTransport): void {
    this.detach();
    this.transport = transport;
    this.detachers = [transport.onData((chunk) => this.onData(chunk)), transport.onClose(() => this.detach())];
  }

  detach(): void {
    for (const off of this.detachers.splice(0)) off();
    this.transport = undefined;
  }

  setPaper(state: PaperState): void {
    this.paper = state;
    if (state !== 'out') this.linesUntilOut = Infinity;
  }

  /** The roll ends after n more printed lines. */
  runOutAfterLines(n: number): void {
    this.linesUntilOut = n;
  }

  setCoverOpen(open: boolean): void {
    this.coverOpen = open;
  }

  /** The paper as text: one line per printed line, '[QR 198x198]' for images, '---- cut ----' for cuts. */
  renderText(): string {
    return this.paperItems
      .map((item) => (item.kind === 'line' ? item.line.text : item.kind === 'image' ? `[image ${item.width}x${item.height}]` : '---- cut ----'))
      .join('\n');
  }

  /** Receipts, split at cuts (the last may be unfinished). */
  receipts(): string[] {
    return this.renderText()
      .split('---- cut ----')
      .map((text) => text.replace(/^\n|\n$/g, ''))
      .filter((text) => text.length > 0);
  }

  private onData(chunk: Uint8Array): void {
    this.received.push(...chunk);
    this.pending.push(...chunk);
    this.interpret();
  }

  private reply(byte: number): void {
    void this.transport?.write(Uint8Array.of(byte)).catch(() => {});
  }

  /** Consumes complete commands from `pending`; leaves an incomplete one for the next chunk. */
  private interpret(): void {
    const p = this.pending;
    let i = 0;
    const need = (n: number) => i + n <= p.length;
    for (;;) {
      if (i >= p.length) break;
      const b = p[i]!;
      if (b === DLE) {
        if (!need(3)) break;
        if (p[i + 1] === EOT) this.answerStatus(p[i + 2]!);
        i += 3;
      } else if (b === ESC) {
        if (!need(2)) break;
        const op = p[i + 1]!;
        if (op === 0x40) {
          this.alignment = 'left';
          this.isBold = false;
          this.chinese = false;
          i += 2;
        } else if (op === 0x61 || op === 0x45 || op === 0x64) {
          if (!need(3)) break;
          const n = p[i + 2]!;
          if (op === 0x61) this.alignment = n === 1 || n === 0x31 ? 'center' : n === 2 || n === 0x32 ? 'right' : 'left';
          else if (op === 0x45) this.isBold = (n & 1) === 1;
          else for (let k = 0; k < n; k++) this.printLine(true);
          i += 3;
        } else i += 2;
      } else if (b === FS) {
        if (!need(2)) break;
        if (p[i + 1] === 0x26) this.chinese = true;
        if (p[i + 1] === 0x2e) this.chinese = false;
        i += 2;
      } else if (b === GS) {
        if (!need(2)) break;
        const op = p[i + 1]!;
        if (op === 0x56) {
          if (!need(3)) break;
          const m = p[i + 2]!;
          const extra = m === 65 || m === 66 ? 1 : 0;
          if (!need(3 + extra)) break;
          if (this.paper !== 'out') this.paperItems.push({ kind: 'cut' });
          i += 3 + extra;
        } else if (op === 0x76) {
          if (!need(8)) break;
          const widthBytes = p[i + 4]! | (p[i + 5]! << 8);
          const height = p[i + 6]! | (p[i + 7]! << 8);
          if (!need(8 + widthBytes * height)) break;
          if (this.paper !== 'out') this.paperItems.push({ kind: 'image', width: widthBytes * 8, height });
          else this.lostBytes += widthBytes * height;
          i += 8 + widthBytes * height;
        } else i += 2;
      } else if (b === LF) {
        this.printLine(false);
        i += 1;
      } else {
        this.lineBytes.push(b);
        i += 1;
      }
    }
    this.pending = p.slice(i);
  }

  private printLine(blankFeed: boolean): void {
    const bytes = blankFeed ? [] : this.lineBytes;
    this.lineBytes = [];
    if (this.paper === 'out') {
      this.lostBytes += bytes.length + 1;
      return;
    }
    const buffer = Buffer.from(bytes);
    const text = this.chinese ? iconv.decode(buffer, 'gbk') : buffer.toString('latin1');
    this.paperItems.push({ kind: 'line', line: { text, align: this.alignment, bold: this.isBold } });
    this.linesUntilOut -= 1;
    if (this.linesUntilOut <= 0) {
      this.paper = 'out';
      this.linesUntilOut = Infinity;
    }
  }

  private answerStatus(n: number): void {
    const bytes = statusBytes({ paper: this.paper, coverOpen: this.coverOpen, offline: false, error: false });
    if (n === 2) this.reply(bytes.offlineCause);
    else if (n === 4) this.reply(bytes.paperSensor);
    else if (n === 1) this.reply(0x12 | (this.paper === 'out' || this.coverOpen ? 0x08 : 0));
    else if (n === 3) this.reply(0x12);
  }
}
