// Runs anywhere (pure). Commands and replies to the PIN pad over a ByteTransport. Replies are
// matched by SEQ; a prompt's key-count events and its final 'E' carry the prompt's SEQ. One
// command at a time, except that CANCEL may be sent while a prompt is open.
import { err, ok, type Result } from '../../common/result';
import type { CancelTimer, Clock } from '../../common/clock';
import type { ByteTransport } from '../../common/transport';
import { StxEtxFramer } from '../../common/stx-etx-framer';
import { PAD_CMD, PAD_EVENT, PAD_STATUS, encodePadCommand, padStatusError, readPadMessage, type PadMessage } from './pad-frame';
import type { PinPadError } from './types';

export interface PadClientOptions {
  readonly timeoutMs?: number;
  readonly retries?: number;
  readonly onEvent?: (event: { readonly kind: 'framing' | 'unsolicited' | 'retry'; readonly code?: string }) => void;
}

interface Waiter {
  readonly seq: number;
  readonly cmd: number;
  resolve(result: Result<PadMessage, PinPadError>): void;
  cancelTimer: CancelTimer;
  /** Resolves when this command is answered or given up (CANCEL waits for it). */
  readonly settled: Promise<void>;
  settle(): void;
}

interface EntryWaiter {
  readonly seq: number;
  readonly onKey: (count: number) => void;
  resolve(result: Result<PadMessage, PinPadError>): void;
}

export class PadClient {
  private readonly framer = new StxEtxFramer({ minPayload: 3, maxPayload: 256 });
  private seq = 0;
  private waiter: Waiter | undefined;
  private entry: EntryWaiter | undefined;
  private closedError: PinPadError | undefined;
  private readonly unsubscribe: Array<() => void> = [];
  private readonly timeoutMs: number;

  constructor(
    private readonly transport: ByteTransport,
    private readonly clock: Clock,
    private readonly options: PadClientOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 1000;
    this.unsubscribe.push(transport.onData((chunk) => this.onData(chunk)));
    this.unsubscribe.push(
      transport.onClose((reason) =>
        this.shutDown(reason.kind === 'unplugged' ? { code: 'PINPAD_UNPLUGGED', detail: reason.detail ?? 'transport closed' } : { code: 'PINPAD_CLOSED', detail: 'closed by host' }),
      ),
    );
  }

  get prompting(): boolean {
    return this.entry !== undefined;
  }

  /** Sends a command; a reply with a status other than OK is an error. Repeatable commands are resent on timeout. */
  async request(cmd: number, data?: Uint8Array, repeatable = false): Promise<Result<PadMessage, PinPadError>> {
    const attempts = repeatable ? 1 + (this.options.retries ?? 2) : 1;
    let last: Result<PadMessage, PinPadError> = err({ code: 'PINPAD_TIMEOUT' });
    for (let attempt = 0; attempt < attempts; attempt++) {
      if (attempt > 0) this.options.onEvent?.({ kind: 'retry', code: last.ok ? undefined : last.error.code });
      last = await this.once(cmd, data);
      if (last.ok || last.error.code !== 'PINPAD_TIMEOUT') break;
    }
    if (last.ok && last.value.status !== PAD_STATUS.ok) return err(padStatusError(last.value.status));
    return last;
  }

  /**
   * Opens a prompt and resolves with its 'E' message (any status). `onKey` gets the counts.
   * `guardMs` bounds the wait in case the pad dies silently mid-entry.
   */
  async prompt(data: Uint8Array, onKey: (count: number) => void, guardMs: number): Promise<Result<PadMessage, PinPadError>> {
    if (this.entry) return err({ code: 'PINPAD_BUSY', detail: 'a prompt is open' });
    const seq = this.nextSeq();
    const done = new Promise<Result<PadMessage, PinPadError>>((resolve) => {
      this.entry = { seq, onKey, resolve };
    });
    const accepted = await this.once(PAD_CMD.promptPin, data, seq);
    if (!accepted.ok || accepted.value.status !== PAD_STATUS.ok) {
      this.entry = undefined;
      return accepted.ok ? err(padStatusError(accepted.value.status)) : accepted;
    }
    const cancelGuard = this.clock.setTimer(guardMs, () => this.finishEntry(seq, err({ code: 'PINPAD_TIMEOUT', detail: 'no end of entry from the pad' })));
    const result = await done;
    cancelGuard();
    return result;
  }

  /**
   * Asks the pad to end the open prompt; its 'E' (cancelled by host) then ends prompt(). An abort
   * can land while the PROMPT itself awaits its reply: CANCEL then follows that reply rather than
   * being refused as busy (which would leave the pad prompting until its own timeout).
   */
  async cancelPrompt(): Promise<void> {
    while (this.waiter) await this.waiter.settled;
    if (!this.entry) return;
    await this.once(PAD_CMD.cancel);
  }

  dispose(): void {
    this.shutDown({ code: 'PINPAD_CLOSED', detail: 'client disposed' });
  }

  private nextSeq(): number {
    this.seq = (this.seq + 1) & 0xff;
    return this.seq;
  }

  private once(cmd: number, data?: Uint8Array, seqOverride?: number): Promise<Result<PadMessage, PinPadError>> {
    if (this.closedError) return Promise.resolve(err(this.closedError));
    if (this.waiter) return Promise.resolve(err({ code: 'PINPAD_BUSY', detail: 'command in flight' }));
    const seq = seqOverride ?? this.nextSeq();
    return new Promise((resolve) => {
      let settle = () => {};
      const settled = new Promise<void>((done) => (settle = done));
      const waiter: Waiter = { seq, cmd, resolve, cancelTimer: () => {}, settled, settle };
      this.waiter = waiter;
      waiter.cancelTimer = this.clock.setTimer(this.timeoutMs, () => this.finishWaiter(waiter, err({ code: 'PINPAD_TIMEOUT', detail: 'no reply' })));
      this.transport.write(encodePadCommand(cmd, seq, data)).catch((cause: unknown) => {
        this.finishWaiter(waiter, err({ code: 'PINPAD_UNPLUGGED', detail: `write failed: ${String((cause as Error)?.message ?? cause)}` }));
      });
    });
  }

  private finishWaiter(waiter: Waiter, result: Result<PadMessage, PinPadError>): void {
    if (this.waiter !== waiter) return;
    this.waiter = undefined;
    waiter.cancelTimer();
    waiter.resolve(result);
    waiter.settle();
  }

  private finishEntry(seq: number, result: Result<PadMessage, PinPadError>): void {
    const entry = this.entry;
    if (!entry || entry.seq !== seq) return;
    this.entry = undefined;
    entry.resolve(result);
  }

  private shutDown(error: PinPadError): void {
    if (this.closedError) return;
    this.closedError = error;
    for (const off of this.unsubscribe.splice(0)) off();
    if (this.waiter) this.finishWaiter(this.waiter, err(error));
    if (this.entry) this.finishEntry(this.entry.seq, err(error));
  }

  private onData(chunk: Uint8Array): void {
    for (const event of this.framer.push(chunk)) {
      if (event.kind === 'error') {
        this.options.onEvent?.({ kind: 'framing', code: event.code });
        continue;
      }
      if (event.kind !== 'frame') continue;
      const message = readPadMessage(event.payload);
      if (!message) continue;
      if (message.cmd === PAD_EVENT.key && this.entry?.seq === message.seq) {
        this.entry.onKey(message.data[0] ?? 0);
        continue;
      }
      if (message.cmd === PAD_EVENT.entryDone && this.entry?.seq === message.seq) {
        this.finishEntry(message.seq, ok(message));
        continue;
      }
      const waiter = this.waiter;
      if (waiter && waiter.seq === message.seq && waiter.cmd === message.cmd) {
        this.finishWaiter(waiter, ok(message));
        continue;
      }
      this.options.onEvent?.({ kind: 'unsolicited' });
    }
  }
}
