// Runs anywhere (pure). The CRT-310 handshake over a ByteTransport (§4.6b), one exchange at a
// time:
//   host → command frame;   reader → ACK (06) or NAK (15);   host → ENQ (05);
//   reader → reply frame;   host → ACK.
// Recovery:
// - NAK or no ACK: the reader never took the command, so resending it is safe for any command;
// - no reply after ENQ: send ENQ again — the reader repeats its reply without executing the
//   command again, which matters for CHANGE PIN (not repeatable) and for a card's PIN counter;
// - a reply with a bad BCC: NAK it; the reader sends the same reply again.
// A second exchange while one runs gets CARD_READER_BUSY: the card service never overlaps them.
import { err, ok, type Result } from '../../common/result';
import type { Clock } from '../../common/clock';
import { EventInbox } from '../../common/event-inbox';
import type { ByteTransport } from '../../common/transport';
import { StxEtxFramer, type StxEtxEvent } from '../../common/stx-etx-framer';
import { ACK, CRT_CONTROL_BYTES, CRT_MAX_PAYLOAD, ENQ, NAK, encodeCrtCommand, negativeReplyError, parseCrtReply } from './crt-frame';
import type { SscardError, SscardErrorCode } from './types';

export interface CrtLinkOptions {
  /** Wait for ACK/NAK after a command. */
  readonly ackTimeoutMs?: number;
  /** Wait for the reply after ENQ; covers the card's own processing time. */
  readonly replyTimeoutMs?: number;
  /** Extra attempts per phase (command resend, ENQ resend, NAK of a damaged reply). */
  readonly retries?: number;
  /** Diagnostics, never payloads (APDUs can carry PIN blocks and PII). */
  readonly onEvent?: (event: CrtLinkEvent) => void;
}

export type CrtLinkEvent =
  | { readonly kind: 'retry'; readonly phase: 'command' | 'reply'; readonly reason: string }
  | { readonly kind: 'framing'; readonly code: string; readonly skippedBytes: number }
  | { readonly kind: 'exchange'; readonly pm: number; readonly commandBytes: number; readonly replyBytes: number };

export interface CrtPositiveReply {
  readonly pm: number;
  readonly data: Uint8Array;
}

export const DEFAULT_ACK_TIMEOUT_MS = 300;
export const DEFAULT_REPLY_TIMEOUT_MS = 3000;

type LinkEvent = StxEtxEvent | { readonly kind: 'write_failed'; readonly detail: string };

export class CrtLink {
  private readonly framer = new StxEtxFramer({ minPayload: 1, maxPayload: CRT_MAX_PAYLOAD, controlBytes: CRT_CONTROL_BYTES });
  private readonly inbox: EventInbox<LinkEvent>;
  private readonly unsubscribe: Array<() => void> = [];
  private closedError: SscardError | undefined;
  private inFlight = false;
  private readonly ackTimeoutMs: number;
  private readonly replyTimeoutMs: number;
  private readonly retries: number;

  constructor(
    private readonly transport: ByteTransport,
    clock: Clock,
    readonly cm: number,
    private readonly options: CrtLinkOptions = {},
  ) {
    this.inbox = new EventInbox(clock);
    this.ackTimeoutMs = options.ackTimeoutMs ?? DEFAULT_ACK_TIMEOUT_MS;
    this.replyTimeoutMs = options.replyTimeoutMs ?? DEFAULT_REPLY_TIMEOUT_MS;
    this.retries = options.retries ?? 2;
    this.unsubscribe.push(transport.onData((chunk) => this.onData(chunk)));
    this.unsubscribe.push(
      transport.onClose((reason) =>
        this.shutDown(
          reason.kind === 'unplugged'
            ? { code: 'CARD_READER_UNPLUGGED', detail: reason.detail ?? 'transport closed' }
            : { code: 'CARD_READER_CLOSED', detail: 'transport closed by host' },
        ),
      ),
    );
  }

  get busy(): boolean {
    return this.inFlight;
  }

  /** One command: positive replies as data, negative replies mapped to coded errors. */
  /**
   * `repeatable: false` (PIN commands): when the ACK never comes the reader may still have taken
   * the command, so it is not sent again — CARD_OUTCOME_UNKNOWN instead. A NAK is an explicit
   * refusal and is resent for any command.
   */
  async exchange(
    pm: number,
    data?: Uint8Array,
    options: { readonly cm?: number; readonly replyTimeoutMs?: number; readonly repeatable?: boolean } = {},
  ): Promise<Result<CrtPositiveReply, SscardError>> {
    const cm = options.cm ?? this.cm;
    if (this.closedError) return err(this.closedError);
    if (!this.transport.isOpen) return err({ code: 'CARD_READER_UNPLUGGED', detail: 'transport not open' });
    if (this.inFlight) return err({ code: 'CARD_READER_BUSY', detail: 'exchange in flight' });
    this.inFlight = true;
    try {
      const frame = encodeCrtCommand(cm, pm, data);
      const taken = await this.sendCommand(frame, options.repeatable ?? true);
      if (!taken.ok) return taken;
      const reply = await this.fetchReply(options.replyTimeoutMs ?? this.replyTimeoutMs);
      if (!reply.ok) return reply;
      this.options.onEvent?.({ kind: 'exchange', pm, commandBytes: frame.length, replyBytes: reply.value.length + 5 });
      const parsed = parseCrtReply(reply.value);
      if (!parsed.ok) return parsed;
      if (parsed.value.kind === 'negative') return err(negativeReplyError(parsed.value.errorCode));
      if (parsed.value.cm !== cm || parsed.value.pm !== pm) {
        return err({ code: 'CARD_READER_PROTOCOL', detail: `reply for ${hex(parsed.value.cm)} ${hex(parsed.value.pm)} to ${hex(cm)} ${hex(pm)}` });
      }
      return ok({ pm, data: parsed.value.data });
    } finally {
      this.inFlight = false;
    }
  }

  dispose(): void {
    this.shutDown({ code: 'CARD_READER_CLOSED', detail: 'link disposed' });
  }

  private shutDown(error: SscardError): void {
    if (this.closedError) return;
    this.closedError = error;
    for (const off of this.unsubscribe.splice(0)) off();
    this.inbox.close();
  }

  private closedResult(): Result<never, SscardError> {
    return err(this.closedError ?? { code: 'CARD_READER_CLOSED', detail: 'link closed' });
  }

  /**
   * Writes without waiting for serialport's write callback (a thread-pool round trip): the answer
   * cannot arrive before the bytes leave, and anything that arrives is queued in the inbox
   * anyway. A failed write (the device has gone: EIO/ENXIO) lands in the inbox as an event.
   */
  private send(bytes: Uint8Array): void {
    this.transport.write(bytes).catch((cause: unknown) => this.inbox.push({ kind: 'write_failed', detail: describe(cause) }));
  }

  private async sendCommand(frame: Uint8Array, repeatable: boolean): Promise<Result<void, SscardError>> {
    let lastFailure: SscardErrorCode = 'CARD_READER_TIMEOUT';
    for (let attempt = 0; attempt <= this.retries; attempt++) {
      if (attempt > 0) this.options.onEvent?.({ kind: 'retry', phase: 'command', reason: lastFailure === 'CARD_READER_NAK' ? 'nak' : 'no ack' });
      this.framer.reset();
      this.inbox.clear();
      this.send(frame);
      for (;;) {
        const item = await this.inbox.next(this.ackTimeoutMs);
        if (item.kind === 'closed') return this.closedResult();
        if (item.kind === 'timeout') {
          if (!repeatable) return err({ code: 'CARD_OUTCOME_UNKNOWN', detail: 'no ACK: the reader may have taken the command' });
          lastFailure = 'CARD_READER_TIMEOUT';
          break;
        }
        const event = item.event;
        if (event.kind === 'write_failed') return err({ code: 'CARD_READER_UNPLUGGED', detail: `write failed: ${event.detail}` });
        if (event.kind !== 'control') continue; // stale frames and noise before the ACK
        if (event.byte === ACK) return ok(undefined);
        if (event.byte === NAK) {
          lastFailure = 'CARD_READER_NAK';
          break;
        }
      }
    }
    return err({ code: lastFailure, detail: lastFailure === 'CARD_READER_NAK' ? 'reader refused the command frame' : 'no ACK from the reader' });
  }

  private async fetchReply(timeoutMs: number): Promise<Result<Uint8Array, SscardError>> {
    let request = Uint8Array.of(ENQ);
    let failure: SscardError = { code: 'CARD_READER_TIMEOUT', detail: 'no reply after ENQ' };
    for (let attempt = 0; attempt <= this.retries; attempt++) {
      if (attempt > 0) this.options.onEvent?.({ kind: 'retry', phase: 'reply', reason: failure.code });
      this.send(request);
      for (;;) {
        const item = await this.inbox.next(timeoutMs);
        if (item.kind === 'closed') return this.closedResult();
        if (item.kind === 'timeout') {
          this.framer.reset();
          failure = { code: 'CARD_READER_TIMEOUT', detail: 'no reply after ENQ' };
          request = Uint8Array.of(ENQ);
          break;
        }
        const event = item.event;
        if (event.kind === 'write_failed') return err({ code: 'CARD_READER_UNPLUGGED', detail: `write failed: ${event.detail}` });
        if (event.kind === 'frame') {
          this.send(Uint8Array.of(ACK));
          return ok(event.payload);
        }
        if (event.kind === 'error' && (event.code === 'FRAME_CHECKSUM' || event.code === 'FRAME_TERMINATOR')) {
          failure = { code: event.code === 'FRAME_CHECKSUM' ? 'SSCARD_FRAME_CHECKSUM' : 'SSCARD_FRAME_TERMINATOR', detail: event.detail };
          // The rest of the damaged frame is still arriving: start afresh so its bytes don't
          // pose as a frame, and ask for the reply again.
          this.framer.reset();
          this.inbox.clear();
          request = Uint8Array.of(NAK);
          break;
        }
      }
    }
    return err(failure);
  }

  private onData(chunk: Uint8Array): void {
    const events = this.framer.push(chunk);
    // A good frame in the same chunk supersedes damage reported before it (noise with a stray
    // STX ahead of the real reply): NAKing would throw the good reply away.
    const lastFrame = events.findLastIndex((event) => event.kind === 'frame');
    events.forEach((event, index) => {
      if (event.kind === 'error') {
        this.options.onEvent?.({ kind: 'framing', code: event.code, skippedBytes: event.skippedBytes });
        if (index < lastFrame) return;
      }
      this.inbox.push(event);
    });
  }
}

function hex(value: number): string {
  return value.toString(16).padStart(2, '0');
}

function describe(cause: unknown): string {
  if (cause && typeof cause === 'object' && 'message' in cause) return String((cause as { message: unknown }).message);
  return String(cause);
}
