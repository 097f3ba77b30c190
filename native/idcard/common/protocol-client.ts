// Runs anywhere (pure). Commands and replies over a ByteTransport: one request in flight, a
// receive timeout per command, limited retries, SW3 mapped to typed errors. Device conditions
// are returned as Result values; nothing here throws for them.
//
// A second request while one is in flight gets ID_READER_BUSY rather than being queued: the
// reader service is the only caller and never overlaps requests, so an overlap is a bug to
// surface, and a queue would hide it (and could outlive an unplug).
//
// Retries: only commands that are safe to repeat (status, SAM ID, find, the reads) are resent
// after a receive timeout or a reply with a bad checksum. Select is not: a repeated select after
// a lost reply can fail on a card that was in fact selected. Any command is resent when the
// reader says it never understood it (SW3 10 checksum, 11 length/timeout).
import { err, ok, type Result } from '../../common/result';
import type { Clock, CancelTimer } from '../../common/clock';
import type { ByteTransport } from '../../common/transport';
import type { IdCardError } from './types';
import {
  SW3_CARD_FOUND,
  SW3_NO_CARD,
  SW3_NO_DATA,
  SW3_SUCCESS,
  encodeNamedCommand,
  isResponseFrame,
  readResponse,
  splitCardReadData,
  type CardReadData,
  type SamCommandName,
  type SamResponse,
} from './sam-frame';
import { SamFramer } from './sam-framer';
import { samStatusError } from './sam-status';

export interface ProtocolClientOptions {
  /** Receive timeout for short commands (status, find, select…). */
  readonly timeoutMs?: number;
  /** Receive timeout for the reads; a full read takes about a second (§1.5), so at least 1.5 s. */
  readonly readTimeoutMs?: number;
  /** Extra attempts for repeatable commands. */
  readonly retries?: number;
  /** Observes protocol events (no payloads: they may hold PII). */
  readonly onEvent?: (event: ProtocolEvent) => void;
}

export type ProtocolEvent =
  | { readonly kind: 'retry'; readonly command: SamCommandName; readonly attempt: number; readonly reason: string }
  | { readonly kind: 'framing'; readonly code: string; readonly skippedBytes: number }
  | { readonly kind: 'unsolicited'; readonly bytes: number };

interface CommandSpec {
  readonly accept: readonly number[];
  readonly repeatable: boolean;
  readonly long: boolean;
}

const SPECS: Readonly<Record<SamCommandName, CommandSpec>> = {
  reset_sam: { accept: [SW3_SUCCESS], repeatable: false, long: false },
  sam_status: { accept: [SW3_SUCCESS], repeatable: true, long: false },
  read_sam_id: { accept: [SW3_SUCCESS], repeatable: true, long: false },
  // 34 "no card found yet" is treated like 80.
  find_card: { accept: [SW3_CARD_FOUND, SW3_NO_CARD, 0x34], repeatable: true, long: false },
  select_card: { accept: [SW3_SUCCESS], repeatable: false, long: false },
  read_text_photo: { accept: [SW3_SUCCESS], repeatable: true, long: true },
  read_text_photo_fingerprint: { accept: [SW3_SUCCESS], repeatable: true, long: true },
  read_appended_address: { accept: [SW3_SUCCESS, SW3_NO_DATA], repeatable: true, long: false },
  read_management_number: { accept: [SW3_SUCCESS], repeatable: true, long: false },
};

/** The reader never executed the command: resending is safe for any command. */
const SW3_RESEND = [0x10, 0x11];

interface Pending {
  readonly name: SamCommandName;
  readonly frame: Uint8Array;
  readonly spec: CommandSpec;
  attempt: number;
  cancelTimer: CancelTimer;
  resolve(result: Result<SamResponse, IdCardError>): void;
}

export const DEFAULT_TIMEOUT_MS = 1000;
export const DEFAULT_READ_TIMEOUT_MS = 2000;
export const DEFAULT_RETRIES = 2;

export class SamProtocolClient {
  private readonly framer = new SamFramer();
  private pending: Pending | undefined;
  private closed: IdCardError | undefined;
  private readonly unsubscribe: Array<() => void> = [];
  private readonly timeoutMs: number;
  private readonly readTimeoutMs: number;
  private readonly retries: number;

  constructor(
    private readonly transport: ByteTransport,
    private readonly clock: Clock,
    private readonly options: ProtocolClientOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.readTimeoutMs = Math.max(options.readTimeoutMs ?? DEFAULT_READ_TIMEOUT_MS, 1500);
    this.retries = options.retries ?? DEFAULT_RETRIES;
    this.unsubscribe.push(transport.onData((chunk) => this.onData(chunk)));
    this.unsubscribe.push(
      transport.onClose((reason) =>
        this.shutDown(
          reason.kind === 'unplugged'
            ? { code: 'ID_READER_UNPLUGGED', detail: reason.detail ?? 'transport closed' }
            : { code: 'ID_READER_CLOSED', detail: 'transport closed by host' },
        ),
      ),
    );
  }

  get busy(): boolean {
    return this.pending !== undefined;
  }

  /** Sends a command and waits for its reply; SW3 outside the command's accepted set is an error. */
  request(name: SamCommandName, data?: Uint8Array): Promise<Result<SamResponse, IdCardError>> {
    if (this.closed) return Promise.resolve(err(this.closed));
    if (!this.transport.isOpen) return Promise.resolve(err({ code: 'ID_READER_UNPLUGGED', detail: 'transport not open' }));
    if (this.pending) return Promise.resolve(err({ code: 'ID_READER_BUSY', detail: `${this.pending.name} in flight` }));
    return new Promise((resolve) => {
      this.pending = {
        name,
        frame: encodeNamedCommand(name, data),
        spec: SPECS[name],
        attempt: 0,
        cancelTimer: () => {},
        resolve,
      };
      this.send();
    });
  }

  async samStatus(): Promise<Result<void, IdCardError>> {
    const reply = await this.request('sam_status');
    return reply.ok ? ok(undefined) : reply;
  }

  async readSamId(): Promise<Result<Uint8Array, IdCardError>> {
    const reply = await this.request('read_sam_id');
    return reply.ok ? ok(reply.value.data) : reply;
  }

  /** True when a card is in the field and ready to select (9F); false for 80 / 34. */
  async findCard(): Promise<Result<boolean, IdCardError>> {
    const reply = await this.request('find_card');
    return reply.ok ? ok(reply.value.sw3 === SW3_CARD_FOUND) : reply;
  }

  async selectCard(): Promise<Result<Uint8Array, IdCardError>> {
    const reply = await this.request('select_card');
    return reply.ok ? ok(reply.value.data) : reply;
  }

  async readCardData(withFingerprint: boolean): Promise<Result<CardReadData, IdCardError>> {
    const reply = await this.request(withFingerprint ? 'read_text_photo_fingerprint' : 'read_text_photo');
    return reply.ok ? splitCardReadData(reply.value.data, withFingerprint) : reply;
  }

  /** The `30 03` data, or undefined when the card has none (SW3 91). */
  async readAppendedAddressData(): Promise<Result<Uint8Array | undefined, IdCardError>> {
    const reply = await this.request('read_appended_address');
    if (!reply.ok) return reply;
    return ok(reply.value.sw3 === SW3_NO_DATA ? undefined : reply.value.data);
  }

  /** Detaches from the transport (which the caller owns) and fails a request in flight. */
  dispose(): void {
    this.shutDown({ code: 'ID_READER_CLOSED', detail: 'protocol client disposed' });
  }

  private shutDown(error: IdCardError): void {
    if (this.closed) return;
    this.closed = error;
    for (const off of this.unsubscribe.splice(0)) off();
    this.finish(err(error));
  }

  private send(): void {
    const pending = this.pending;
    if (!pending) return;
    pending.attempt += 1;
    this.framer.reset();
    const timeout = pending.spec.long ? this.readTimeoutMs : this.timeoutMs;
    pending.cancelTimer = this.clock.setTimer(timeout, () => this.onTimeout(pending));
    this.transport.write(pending.frame).catch((cause: unknown) => {
      if (this.pending !== pending) return;
      // A serial write fails when the device has gone (EIO/ENXIO); the close event follows.
      this.finish(err({ code: 'ID_READER_UNPLUGGED', detail: `write failed: ${describe(cause)}` }));
    });
  }

  private onTimeout(pending: Pending): void {
    if (this.pending !== pending) return;
    // Whatever is buffered belongs to a reply that will not complete in time.
    this.framer.reset();
    this.retryOr(pending, 'timeout', { code: 'ID_READER_TIMEOUT', detail: `${pending.name}: no reply` }, pending.spec.repeatable);
  }

  private retryOr(pending: Pending, reason: string, error: IdCardError, allowed: boolean): void {
    pending.cancelTimer();
    if (allowed && pending.attempt <= this.retries) {
      this.options.onEvent?.({ kind: 'retry', command: pending.name, attempt: pending.attempt + 1, reason });
      this.send();
    } else {
      this.finish(err(error));
    }
  }

  private finish(result: Result<SamResponse, IdCardError>): void {
    const pending = this.pending;
    if (!pending) return;
    pending.cancelTimer();
    this.pending = undefined;
    pending.resolve(result);
  }

  private onData(chunk: Uint8Array): void {
    const events = this.framer.push(chunk);
    let checksumError: IdCardError | undefined;
    for (const event of events) {
      if (event.kind === 'error') {
        this.options.onEvent?.({ kind: 'framing', code: event.error.code, skippedBytes: event.skippedBytes });
        if (event.error.code === 'ID_FRAME_CHECKSUM') checksumError = event.error;
        continue;
      }
      const pending = this.pending;
      if (!pending || !isResponseFrame(event.frame)) {
        // Late replies after a timeout, or an echo of our own command on a looped-back line.
        this.options.onEvent?.({ kind: 'unsolicited', bytes: event.frame.bytes.length });
        continue;
      }
      const response = readResponse(event.frame);
      if (!response.ok) continue;
      this.onResponse(pending, response.value);
      // A good reply in the same chunk supersedes an earlier damaged one.
      checksumError = undefined;
    }
    const pending = this.pending;
    if (checksumError && pending) {
      this.retryOr(pending, 'checksum', checksumError, pending.spec.repeatable);
    }
  }

  private onResponse(pending: Pending, response: SamResponse): void {
    if (!plausibleReply(pending, response)) {
      // Most likely the late reply to an earlier, timed-out command: keep waiting for ours.
      this.options.onEvent?.({ kind: 'unsolicited', bytes: response.data.length + 11 });
      return;
    }
    if (SW3_RESEND.includes(response.sw3)) {
      this.retryOr(pending, `sw3 ${response.sw3.toString(16)}`, samStatusError(response.sw3), true);
      return;
    }
    if (!pending.spec.accept.includes(response.sw3)) {
      this.finish(err(samStatusError(response.sw3)));
      return;
    }
    this.finish(ok(response));
  }
}

const SUCCESS_CLASS = [SW3_SUCCESS, SW3_NO_DATA, SW3_CARD_FOUND];
const READ_REPLY_MIN_BYTES = 4 + 256 + 1024;

/**
 * Replies carry no command echo, so a reply that arrives after its command timed out can be
 * taken for the answer to the next one. A success-class SW3 the command never yields, or a
 * data length that does not fit it, marks such a stray reply.
 */
function plausibleReply(pending: Pending, response: SamResponse): boolean {
  if (SUCCESS_CLASS.includes(response.sw3) && !pending.spec.accept.includes(response.sw3)) return false;
  if (response.sw3 !== SW3_SUCCESS) return true;
  const length = response.data.length;
  switch (pending.name) {
    case 'read_text_photo':
    case 'read_text_photo_fingerprint':
      return length >= READ_REPLY_MIN_BYTES;
    case 'read_sam_id':
      return length === 16;
    default:
      return length < READ_REPLY_MIN_BYTES;
  }
}

function describe(cause: unknown): string {
  if (cause && typeof cause === 'object' && 'message' in cause) return String((cause as { message: unknown }).message);
  return String(cause);
}

