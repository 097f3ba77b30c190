// Runs anywhere (pure). The receipt printer over a ByteTransport: DLE EOT status before a job
// (refuse to print into an empty printer), the job, DLE EOT again after it (the paper can run out
// part-way: the flow must then tell staff, the activation itself stands).
import { err, ok, type Result } from '../../common/result';
import type { CancelTimer, Clock } from '../../common/clock';
import type { ByteTransport, TransportOpener } from '../../common/transport';
import { realTimeStatus } from './escpos';
import { combineStatus, isStatusByte } from './printer-status';
import { renderReceipt, type RenderOptions } from './receipt-renderer';
import type { GbkEncoder, PrinterError, PrinterStatus, QrEncoder, Receipt, ReceiptPrinter } from './types';

export interface PrinterServiceOptions {
  readonly open: TransportOpener;
  readonly clock: Clock;
  readonly gbk: GbkEncoder;
  readonly qr?: QrEncoder;
  readonly render?: RenderOptions;
  readonly statusTimeoutMs?: number;
  /**
   * How long to wait after the job before asking how it went: the printer answers DLE EOT at
   * once, even with the job still in its buffer, so asking too early can miss a paper-out that
   * comes a line later. Serial printers at 9600 baud print about as fast as bytes arrive.
   */
  readonly settleMs?: number;
}

export class PrinterService implements ReceiptPrinter {
  private transport: ByteTransport | undefined;
  private opening: Promise<Result<ByteTransport, PrinterError>> | undefined;
  private busy = false;
  private readonly replies: number[] = [];
  private waiter: (() => void) | undefined;

  constructor(private readonly options: PrinterServiceOptions) {}

  async status(): Promise<Result<PrinterStatus, PrinterError>> {
    if (this.busy) return err({ code: 'PRINTER_BUSY' });
    this.busy = true;
    try {
      return await this.queryStatus();
    } finally {
      this.busy = false;
    }
  }

  async print(receipt: Receipt): Promise<Result<void, PrinterError>> {
    if (this.busy) return err({ code: 'PRINTER_BUSY', printed: 'none' });
    this.busy = true;
    try {
      let qr;
      if (receipt.qrPayload !== undefined) {
        qr = this.options.qr?.encode(receipt.qrPayload);
        if (!qr) return err({ code: 'PRINTER_QR_FAILED', printed: 'none' });
      }
      const bytes = renderReceipt(receipt, this.options.gbk, qr, this.options.render);
      if (!bytes.ok) return bytes;
      const before = await this.queryStatus();
      if (!before.ok) return err({ ...before.error, printed: 'none' });
      const refusal = statusError(before.value);
      if (refusal) return err({ ...refusal, printed: 'none' });
      const transport = await this.connection();
      if (!transport.ok) return err({ ...transport.error, printed: 'none' });
      try {
        await transport.value.write(bytes.value);
      } catch (cause) {
        return err({ code: 'PRINTER_UNPLUGGED', detail: String((cause as Error)?.message ?? cause), printed: 'partial' });
      }
      if (this.options.settleMs) await this.sleep(this.options.settleMs);
      const after = await this.queryStatus();
      if (!after.ok) return err({ ...after.error, printed: 'partial' });
      const failure = statusError(after.value);
      if (failure) return err({ ...failure, printed: 'partial' });
      return ok(undefined);
    } finally {
      this.busy = false;
    }
  }

  async close(): Promise<void> {
    const transport = this.transport;
    this.transport = undefined;
    await transport?.close().catch(() => {});
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.options.clock.setTimer(ms, resolve));
  }

  private async connection(): Promise<Result<ByteTransport, PrinterError>> {
    if (this.transport?.isOpen) return ok(this.transport);
    this.opening ??= (async (): Promise<Result<ByteTransport, PrinterError>> => {
      try {
        const transport = await this.options.open();
        this.transport = transport;
        this.replies.length = 0;
        transport.onData((chunk) => {
          this.replies.push(...chunk);
          this.waiter?.();
        });
        transport.onClose(() => {
          if (this.transport === transport) this.transport = undefined;
          this.waiter?.();
        });
        return ok(transport);
      } catch (cause) {
        return err({ code: 'PRINTER_PORT_OPEN_FAILED', detail: String((cause as Error)?.message ?? cause) });
      } finally {
        this.opening = undefined;
      }
    })();
    return this.opening;
  }

  /** One DLE EOT n → one status byte (bytes without the 0x12 pattern are skipped). */
  private async realTime(n: 2 | 4): Promise<Result<number, PrinterError>> {
    const transport = await this.connection();
    if (!transport.ok) return transport;
    this.replies.length = 0;
    try {
      await transport.value.write(Uint8Array.from(realTimeStatus(n)));
    } catch {
      return err({ code: 'PRINTER_UNPLUGGED' });
    }
    const timeoutMs = this.options.statusTimeoutMs ?? 1000;
    let timedOut = false;
    let cancel: CancelTimer = () => {};
    const wake = () => this.waiter?.();
    cancel = this.options.clock.setTimer(timeoutMs, () => {
      timedOut = true;
      wake();
    });
    try {
      for (;;) {
        while (this.replies.length > 0) {
          const byte = this.replies.shift()!;
          if (isStatusByte(byte)) return ok(byte);
        }
        if (timedOut) return err({ code: 'PRINTER_TIMEOUT', detail: `no answer to DLE EOT ${n}` });
        if (!this.transport) return err({ code: 'PRINTER_UNPLUGGED' });
        await new Promise<void>((resolve) => (this.waiter = resolve));
        this.waiter = undefined;
      }
    } finally {
      cancel();
    }
  }

  private async queryStatus(): Promise<Result<PrinterStatus, PrinterError>> {
    const offline = await this.realTime(2);
    if (!offline.ok) return offline;
    const paper = await this.realTime(4);
    if (!paper.ok) return paper;
    return ok(combineStatus(offline.value, paper.value));
  }
}

function statusError(status: PrinterStatus): PrinterError | undefined {
  if (status.paper === 'out') return { code: 'PRINTER_PAPER_OUT' };
  if (status.coverOpen) return { code: 'PRINTER_COVER_OPEN' };
  if (status.error) return { code: 'PRINTER_FAULT' };
  if (status.offline) return { code: 'PRINTER_OFFLINE' };
  return undefined;
}
