// Runs anywhere (pure). The ID card reader as the session flow sees it: connect and self-test,
// poll for a card, select and read it, notice removal, survive unplug and re-plug.
//
// Protocol facts this leans on (hardware-protocols.md §1.5):
// - status (11 FF) once per connection, then the SAM ID (12 FF) for diagnostics;
// - poll find (20 01) every pollIntervalMs; 9F → select (20 02) → read (30 01 / 30 10) → 30 03;
// - after a successful read, find keeps answering 80 while the card is still in the field
//   (observed, unconfirmed as normative). A "no card" from find alone therefore cannot mean
//   removal. waitForRemoval uses select as the second signal: the card counts as gone only when
//   find says 80 *and* select fails, on two consecutive polls. That select answers 90 for a card
//   that find no longer reports is itself unconfirmed on real readers; `removalProbe: 'find'`
//   falls back to two plain 80s.
import { err, ok, type Result } from '../../common/result';
import type { CancelTimer, Clock } from '../../common/clock';
import type { CancelSignal } from '../../common/cancel';
import type { ByteTransport, TransportCloseReason, TransportOpener } from '../../common/transport';
import type {
  IdCardError,
  IdCardRead,
  IdCardReaderService,
  PhotoDecodeResult,
  PhotoDecoder,
  ReaderState,
  ReaderStatus,
} from './types';
import { SamProtocolClient, type ProtocolClientOptions } from './protocol-client';
import { formatSamId, parseAppendedAddresses, parseCardText } from './card-text';

export interface ReaderServiceOptions {
  readonly open: TransportOpener;
  readonly clock: Clock;
  readonly photoDecoder?: PhotoDecoder;
  /** Find-card poll period; the protocol notes 300–1000 ms. */
  readonly pollIntervalMs?: number;
  /** Reconnect backoff: first delay, doubled per failure up to the maximum. */
  readonly reconnectInitialDelayMs?: number;
  readonly reconnectMaxDelayMs?: number;
  /** Whether to ask for the appended address (30 03) after each read. */
  readonly readAppendedAddress?: boolean;
  readonly removalProbe?: 'select' | 'find';
  /** Select may fail (81) while a card is still sliding into the field: tolerated this many times. */
  readonly selectAttempts?: number;
  readonly protocol?: ProtocolClientOptions;
  /** Diagnostics without PII. */
  readonly onEvent?: (event: ReaderServiceEvent) => void;
}

export type ReaderServiceEvent =
  | { readonly kind: 'state'; readonly state: ReaderState; readonly code?: string }
  | { readonly kind: 'reconnect_scheduled'; readonly delayMs: number }
  | { readonly kind: 'card_read'; readonly cardType: string; readonly fingerprintBytes: number };

export const DEFAULT_POLL_INTERVAL_MS = 500;

const UNPLUGGED: IdCardError = { code: 'ID_READER_UNPLUGGED', detail: 'reader disconnected' };
const CLOSED: IdCardError = { code: 'ID_READER_CLOSED', detail: 'reader service closed' };
const ABORTED: IdCardError = { code: 'ID_READ_ABORTED', detail: 'aborted by caller' };

/** One readCard / waitForRemoval: stoppable from outside (abort, unplug, close). */
class Operation {
  private error: IdCardError | undefined;
  private readonly wakers = new Set<() => void>();
  private resolveStopped!: (error: IdCardError) => void;
  readonly stopped = new Promise<IdCardError>((resolve) => (this.resolveStopped = resolve));

  constructor(private readonly clock: Clock) {}

  get stopError(): IdCardError | undefined {
    return this.error;
  }

  stop(error: IdCardError): void {
    if (this.error) return;
    this.error = error;
    this.resolveStopped(error);
    for (const wake of [...this.wakers]) wake();
  }

  sleep(ms: number): Promise<void> {
    if (this.error) return Promise.resolve();
    return new Promise((resolve) => {
      let cancel: CancelTimer = () => {};
      const wake = () => {
        cancel();
        this.wakers.delete(wake);
        resolve();
      };
      this.wakers.add(wake);
      cancel = this.clock.setTimer(ms, wake);
    });
  }
}

export class SamReaderService implements IdCardReaderService {
  private state: ReaderState = 'connecting';
  private samId: string | undefined;
  private lastError: IdCardError | undefined;
  private readonly listeners = new Set<(status: ReaderStatus) => void>();
  private transport: ByteTransport | undefined;
  private client: SamProtocolClient | undefined;
  private closed = false;
  private started = false;
  private reconnectDelay: number;
  private cancelReconnect: CancelTimer | undefined;
  private operation: Operation | undefined;
  private operationTail: Promise<unknown> = Promise.resolve();
  private readonly pollIntervalMs: number;

  constructor(private readonly options: ReaderServiceOptions) {
    this.pollIntervalMs = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
    this.reconnectDelay = options.reconnectInitialDelayMs ?? 250;
  }

  /** Starts connecting; status moves to 'ready' once the SAM has answered its self-test. */
  start(): this {
    if (!this.started && !this.closed) {
      this.started = true;
      void this.connect();
    }
    return this;
  }

  status(): ReaderStatus {
    return {
      state: this.state,
      ...(this.samId === undefined ? {} : { samId: this.samId }),
      ...(this.lastError === undefined ? {} : { lastError: this.lastError }),
    };
  }

  onStatus(listener: (status: ReaderStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  readCard(options: {
    readonly signal: CancelSignal;
    readonly withFingerprint?: boolean;
    readonly onCardPresent?: () => void;
  }): Promise<Result<IdCardRead, IdCardError>> {
    return this.runOperation(options.signal, (op, client) => this.readLoop(op, client, options.withFingerprint ?? false, options.onCardPresent));
  }

  waitForRemoval(options: { readonly signal: CancelSignal }): Promise<Result<void, IdCardError>> {
    return this.runOperation(options.signal, (op, client) => this.removalLoop(op, client));
  }

  decodePhoto(photo: Uint8Array): Promise<PhotoDecodeResult> {
    if (!this.options.photoDecoder) return Promise.resolve({ kind: 'not_decodable', reason: 'no_decoder' });
    return this.options.photoDecoder.decode(photo);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.cancelReconnect?.();
    this.operation?.stop(CLOSED);
    const transport = this.transport;
    this.transport = undefined;
    this.client?.dispose();
    this.client = undefined;
    this.setState('unplugged', CLOSED);
    if (transport) await transport.close().catch(() => {});
  }

  private setState(state: ReaderState, error?: IdCardError, samId?: string): void {
    this.state = state;
    if (error !== undefined) this.lastError = error;
    if (state === 'ready') this.lastError = undefined;
    if (samId !== undefined) this.samId = samId;
    this.options.onEvent?.({ kind: 'state', state, ...(error ? { code: error.code } : {}) });
    const status = this.status();
    for (const listener of [...this.listeners]) listener(status);
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    this.setState('connecting');
    let transport: ByteTransport;
    try {
      transport = await this.options.open();
    } catch (cause) {
      this.setState('unplugged', openFailure(cause));
      this.scheduleReconnect();
      return;
    }
    if (this.closed) {
      await transport.close().catch(() => {});
      return;
    }
    const client = new SamProtocolClient(transport, this.options.clock, this.options.protocol);
    this.transport = transport;
    this.client = client;
    transport.onClose((reason) => this.onTransportClosed(transport, reason));
    if (!transport.isOpen) {
      this.onTransportClosed(transport, { kind: 'unplugged', detail: 'closed while opening' });
      return;
    }
    const selfTest = await client.samStatus();
    if (this.transport !== transport) return;
    if (!selfTest.ok) {
      // A port that opens but does not answer (wrong port, reader off) or a failed self-test (60).
      this.transport = undefined;
      this.client = undefined;
      client.dispose();
      await transport.close().catch(() => {});
      if (this.closed) return;
      this.setState('fault', selfTest.error);
      this.scheduleReconnect();
      return;
    }
    const samIdBytes = await client.readSamId();
    if (this.transport !== transport) return;
    const samId = samIdBytes.ok ? formatSamId(samIdBytes.value) : undefined;
    this.reconnectDelay = this.options.reconnectInitialDelayMs ?? 250;
    this.setState('ready', undefined, samId?.ok ? samId.value : undefined);
  }

  private onTransportClosed(transport: ByteTransport, reason: TransportCloseReason): void {
    if (this.transport !== transport) return;
    this.transport = undefined;
    this.client?.dispose();
    this.client = undefined;
    if (this.closed) return;
    const error: IdCardError = { ...UNPLUGGED, detail: reason.kind === 'unplugged' ? (reason.detail ?? UNPLUGGED.detail) : 'port closed' };
    this.operation?.stop(error);
    this.setState('unplugged', error);
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed) return;
    this.cancelReconnect?.();
    const delayMs = this.reconnectDelay;
    this.reconnectDelay = Math.min(delayMs * 2, this.options.reconnectMaxDelayMs ?? 5000);
    this.options.onEvent?.({ kind: 'reconnect_scheduled', delayMs });
    this.cancelReconnect = this.options.clock.setTimer(delayMs, () => {
      this.cancelReconnect = undefined;
      void this.connect();
    });
  }

  /** Resolves with the client once ready; fails at once when unplugged or faulted. */
  private whenReady(op: Operation): Promise<Result<SamProtocolClient, IdCardError>> {
    if (this.state === 'ready' && this.client) return Promise.resolve(ok(this.client));
    if (this.state === 'unplugged' || this.state === 'fault' || !this.started) {
      return Promise.resolve(err(this.lastError ?? UNPLUGGED));
    }
    return new Promise((resolve) => {
      const off = this.onStatus((status) => {
        if (status.state === 'connecting') return;
        off();
        resolve(status.state === 'ready' && this.client ? ok(this.client) : err(status.lastError ?? UNPLUGGED));
      });
      void op.stopped.then((error) => {
        off();
        resolve(err(error));
      });
    });
  }

  private async runOperation<T>(
    signal: CancelSignal,
    body: (op: Operation, client: SamProtocolClient) => Promise<Result<T, IdCardError>>,
  ): Promise<Result<T, IdCardError>> {
    if (this.closed) return err(CLOSED);
    if (this.operation && !this.operation.stopError) return err({ code: 'ID_READER_BUSY', detail: 'another card operation is running' });
    if (signal.aborted) return err(ABORTED);
    const op = new Operation(this.options.clock);
    this.operation = op;
    const onAbort = () => op.stop(ABORTED);
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      // An aborted operation may still have one command in flight: let it land first.
      await this.operationTail;
      if (op.stopError) return err(op.stopError);
      const ready = await this.whenReady(op);
      if (!ready.ok) return ready;
      if (op.stopError) return err(op.stopError);
      const running = body(op, ready.value);
      this.operationTail = running.catch(() => {});
      return await Promise.race([running, op.stopped.then((error) => err(error))]);
    } finally {
      op.stop(ABORTED);
      signal.removeEventListener('abort', onAbort);
      if (this.operation === op) this.operation = undefined;
    }
  }

  private async readLoop(
    op: Operation,
    client: SamProtocolClient,
    withFingerprint: boolean,
    onCardPresent: (() => void) | undefined,
  ): Promise<Result<IdCardRead, IdCardError>> {
    const selectAttempts = this.options.selectAttempts ?? 3;
    let selectFailures = 0;
    for (;;) {
      if (op.stopError) return err(op.stopError);
      const found = await client.findCard();
      if (!found.ok) return found;
      if (op.stopError) return err(op.stopError);
      if (!found.value) {
        await op.sleep(this.pollIntervalMs);
        continue;
      }
      const selected = await client.selectCard();
      if (op.stopError) return err(op.stopError);
      if (!selected.ok) {
        if (selected.error.code === 'SAM_STATUS_81' && ++selectFailures < selectAttempts) {
          await op.sleep(this.pollIntervalMs);
          continue;
        }
        return selected;
      }
      onCardPresent?.();
      const data = await client.readCardData(withFingerprint);
      if (!data.ok) return data;
      const text = parseCardText(data.value.text);
      if (!text.ok) return text;
      let appendedAddresses: string[] = [];
      if (this.options.readAppendedAddress ?? true) {
        const raw = await client.readAppendedAddressData();
        if (!raw.ok) return raw;
        if (raw.value) {
          const parsed = parseAppendedAddresses(raw.value);
          if (!parsed.ok) return parsed;
          appendedAddresses = parsed.value;
        }
      }
      this.options.onEvent?.({ kind: 'card_read', cardType: text.value.cardType, fingerprintBytes: data.value.fingerprintBytes });
      return ok({ text: text.value, photo: data.value.photo, fingerprintBytes: data.value.fingerprintBytes, appendedAddresses });
    }
  }

  private async removalLoop(op: Operation, client: SamProtocolClient): Promise<Result<void, IdCardError>> {
    let absentPolls = 0;
    for (;;) {
      if (op.stopError) return err(op.stopError);
      const found = await client.findCard();
      if (!found.ok) return found;
      let present: boolean | undefined = found.value;
      if (!present && (this.options.removalProbe ?? 'select') === 'select') {
        const selected = await client.selectCard();
        if (selected.ok) present = true;
        else if (selected.error.code === 'SAM_STATUS_81') present = false;
        else if (selected.error.code === 'ID_READER_UNPLUGGED' || selected.error.code === 'ID_READER_CLOSED') return selected;
        // Any other select failure says nothing either way: do not count this poll.
        else present = undefined;
      }
      if (present === false) absentPolls += 1;
      else absentPolls = 0;
      if (absentPolls >= 2) return ok(undefined);
      await op.sleep(this.pollIntervalMs);
    }
  }
}

function openFailure(cause: unknown): IdCardError {
  if (cause && typeof cause === 'object' && 'code' in cause && (cause as { code: unknown }).code === 'ID_READER_PORT_OPEN_FAILED') {
    const detail = (cause as { detail?: unknown; message?: unknown }).detail ?? (cause as { message?: unknown }).message;
    return { code: 'ID_READER_PORT_OPEN_FAILED', detail: String(detail ?? 'open failed') };
  }
  const message = cause && typeof cause === 'object' && 'message' in cause ? String((cause as { message: unknown }).message) : String(cause);
  return { code: 'ID_READER_PORT_OPEN_FAILED', detail: message };
}

/** Creates and starts the service. */
export function startReaderService(options: ReaderServiceOptions): SamReaderService {
  return new SamReaderService(options).start();
}
