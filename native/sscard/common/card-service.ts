// Runs anywhere (pure). The social security card reader as the activation flow sees it: connect
// and reconnect, wait for a card, read it, change its PIN with the PIN pad's blocks, eject,
// notice removal. Built on the CardReader seam, so a PC/SC reader plugs in through
// `openReader` without touching this file; the CRT-310 serial reader is crtReaderOpener().
//
// Card operations run one at a time (a lock), because the reader link carries one exchange at a
// time and an interleaved presence poll would break a GET RESPONSE chain.
import { err, ok, type Result } from '../../common/result';
import type { Clock, CancelTimer } from '../../common/clock';
import type { CancelSignal } from '../../common/cancel';
import type { TransportOpener } from '../../common/transport';
import type {
  CardReader,
  CardServiceState,
  CardServiceStatus,
  GbkDecoder,
  PadPinBlock,
  PinChange,
  SocialSecurityCardData,
  SocialSecurityCardService,
  SscardError,
} from './types';
import { CrtLink, type CrtLinkOptions } from './crt-link';
import { CrtCardReader, type CrtCardReaderOptions } from './crt-card-reader';
import { DEFAULT_CPU_CARD_CM } from './crt-frame';
import { ApduChannel } from './apdu-channel';
import { SocialSecurityCardClient } from './sscard-client';

/** A connected reader and how to learn that it went away. */
export interface OpenedReader {
  readonly reader: CardReader;
  onGone(listener: (error: SscardError) => void): void;
  close(): Promise<void>;
}

export type ReaderOpener = () => Promise<OpenedReader>;

export interface CrtReaderOpenerOptions {
  readonly open: TransportOpener;
  readonly clock: Clock;
  /** CM byte of CPU-card commands: **unconfirmed** (§4.6b), 0x51 by default. */
  readonly cpuCardCm?: number;
  readonly link?: CrtLinkOptions;
  readonly reader?: CrtCardReaderOptions;
}

export function crtReaderOpener(options: CrtReaderOpenerOptions): ReaderOpener {
  return async () => {
    const transport = await options.open();
    const link = new CrtLink(transport, options.clock, options.cpuCardCm ?? DEFAULT_CPU_CARD_CM, options.link);
    const reader = new CrtCardReader(link, options.reader);
    return {
      reader,
      onGone(listener) {
        transport.onClose((reason) =>
          listener({ code: 'CARD_READER_UNPLUGGED', detail: reason.kind === 'unplugged' ? (reason.detail ?? 'transport closed') : 'port closed' }),
        );
      },
      async close() {
        reader.dispose();
        await transport.close().catch(() => {});
      },
    };
  };
}

export interface CardServiceOptions {
  readonly openReader: ReaderOpener;
  readonly clock: Clock;
  readonly gbk: GbkDecoder;
  /** Presence poll period while waiting for insertion or removal. */
  readonly pollIntervalMs?: number;
  readonly reconnectInitialDelayMs?: number;
  readonly reconnectMaxDelayMs?: number;
  /** Diagnostics: states and codes, never card data. */
  readonly onEvent?: (event: CardServiceEvent) => void;
}

export type CardServiceEvent =
  | { readonly kind: 'state'; readonly state: CardServiceState; readonly code?: string }
  | { readonly kind: 'reconnect_scheduled'; readonly delayMs: number }
  | { readonly kind: 'card_read'; readonly generation: number; readonly protocol: 0 | 1 };

const UNPLUGGED: SscardError = { code: 'CARD_READER_UNPLUGGED', detail: 'reader disconnected' };
const CLOSED: SscardError = { code: 'CARD_READER_CLOSED', detail: 'card service closed' };
const ABORTED: SscardError = { code: 'CARD_ABORTED', detail: 'aborted by caller' };

interface Connection {
  readonly opened: OpenedReader;
}

interface CardSession {
  readonly client: SocialSecurityCardClient;
  readonly protocol: 0 | 1;
}

export class CardService implements SocialSecurityCardService {
  private state: CardServiceState = 'connecting';
  private lastError: SscardError | undefined;
  private readonly listeners = new Set<(status: CardServiceStatus) => void>();
  private connection: Connection | undefined;
  private session: CardSession | undefined;
  private lock: Promise<unknown> = Promise.resolve();
  private closed = false;
  private started = false;
  private cancelReconnect: CancelTimer | undefined;
  private reconnectDelay: number;
  private readonly pollIntervalMs: number;

  constructor(private readonly options: CardServiceOptions) {
    this.pollIntervalMs = options.pollIntervalMs ?? 300;
    this.reconnectDelay = options.reconnectInitialDelayMs ?? 250;
  }

  start(): this {
    if (!this.started && !this.closed) {
      this.started = true;
      void this.connect();
    }
    return this;
  }

  status(): CardServiceStatus {
    return { state: this.state, ...(this.lastError ? { lastError: this.lastError } : {}) };
  }

  onStatus(listener: (status: CardServiceStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves once the reader has answered (ready or card_present) or failed to. */
  whenConnected(): Promise<CardServiceStatus> {
    if (this.state !== 'connecting') return Promise.resolve(this.status());
    return new Promise((resolve) => {
      const off = this.onStatus((status) => {
        if (status.state === 'connecting') return;
        off();
        resolve(status);
      });
    });
  }

  async waitForCard(options: { readonly signal: CancelSignal }): Promise<Result<void, SscardError>> {
    return this.pollPresence(options.signal, (presence) => presence !== 'absent');
  }

  async waitForRemoval(options: { readonly signal: CancelSignal }): Promise<Result<void, SscardError>> {
    const result = await this.pollPresence(options.signal, (presence) => presence === 'absent');
    if (result.ok) this.session = undefined;
    return result;
  }

  readCard(options: { readonly pin?: PadPinBlock } = {}): Promise<Result<SocialSecurityCardData, SscardError>> {
    return this.withReader(async (reader) => {
      this.session = undefined;
      const opened = await this.openSession(reader);
      if (!opened.ok) return opened;
      const data = await opened.value.client.readCard(options.pin);
      if (!data.ok) return this.afterCardError(data);
      this.session = opened.value;
      this.options.onEvent?.({ kind: 'card_read', generation: data.value.generation, protocol: opened.value.protocol });
      return data;
    });
  }

  changePin(change: PinChange): Promise<Result<void, SscardError>> {
    return this.withReader(async (reader) => {
      let session = this.session;
      if (!session) {
        const opened = await this.openSession(reader);
        if (!opened.ok) return opened;
        session = opened.value;
        this.session = session;
      }
      const changed = await session.client.changePin(change);
      return changed.ok ? changed : this.afterCardError(changed);
    });
  }

  eject(): Promise<Result<void, SscardError>> {
    return this.withReader(async (reader) => {
      this.session = undefined;
      return reader.eject();
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.cancelReconnect?.();
    const connection = this.connection;
    this.connection = undefined;
    this.session = undefined;
    this.setState('unplugged', CLOSED);
    await connection?.opened.close();
  }

  // --- internals ------------------------------------------------------------------------------

  private async openSession(reader: CardReader): Promise<Result<CardSession, SscardError>> {
    const atr = await reader.powerOn('cold');
    if (!atr.ok) return this.afterCardError(atr);
    if (this.state === 'ready') this.setState('card_present');
    const protocol = atr.value.protocols[0] ?? 0;
    const client = new SocialSecurityCardClient(new ApduChannel(reader, protocol), this.options.gbk);
    let selected = await client.selectApplication();
    if (!selected.ok && selected.error.code === 'CARD_COMMUNICATION_ERROR') {
      // A card that garbled its first exchange (dirty contacts, a slow EEPROM wake-up) often
      // answers after a warm reset; one try, then the error stands.
      const warm = await reader.powerOn('warm');
      if (!warm.ok) return this.afterCardError(warm);
      selected = await client.selectApplication();
    }
    if (!selected.ok) return this.afterCardError(selected);
    return ok({ client, protocol });
  }

  private afterCardError<T>(result: Result<T, SscardError>): Result<T, SscardError> {
    if (!result.ok) {
      const code = result.error.code;
      if (code === 'CARD_REMOVED' || code === 'CARD_ABSENT') {
        this.session = undefined;
        if (this.state === 'card_present') this.setState('ready');
      }
    }
    return result;
  }

  private withReader<T>(body: (reader: CardReader) => Promise<Result<T, SscardError>>): Promise<Result<T, SscardError>> {
    const run = async (): Promise<Result<T, SscardError>> => {
      if (this.closed) return err(CLOSED);
      const connection = this.connection;
      if (!connection || !this.started) return err(this.lastError ?? UNPLUGGED);
      return body(connection.opened.reader);
    };
    const next = this.lock.then(run, run);
    this.lock = next.catch(() => {});
    return next;
  }

  private async pollPresence(signal: CancelSignal, done: (presence: 'absent' | 'present' | 'powered') => boolean): Promise<Result<void, SscardError>> {
    for (;;) {
      if (signal.aborted) return err(ABORTED);
      const presence = await this.withReader((reader) => reader.presence());
      if (!presence.ok) return presence;
      const present = presence.value !== 'absent';
      if (present && this.state === 'ready') this.setState('card_present');
      if (!present && this.state === 'card_present') this.setState('ready');
      if (done(presence.value)) return ok(undefined);
      const aborted = await this.sleep(this.pollIntervalMs, signal);
      if (aborted) return err(ABORTED);
    }
  }

  /** Resolves true when the signal aborted the sleep. */
  private sleep(ms: number, signal: CancelSignal): Promise<boolean> {
    return new Promise((resolve) => {
      let cancel: CancelTimer = () => {};
      const onAbort = () => {
        cancel();
        resolve(true);
      };
      cancel = this.options.clock.setTimer(ms, () => {
        signal.removeEventListener('abort', onAbort);
        resolve(false);
      });
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  private setState(state: CardServiceState, error?: SscardError): void {
    this.state = state;
    if (error !== undefined) this.lastError = error;
    if (state === 'ready' || state === 'card_present') this.lastError = undefined;
    this.options.onEvent?.({ kind: 'state', state, ...(error ? { code: error.code } : {}) });
    const status = this.status();
    for (const listener of [...this.listeners]) listener(status);
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    this.setState('connecting');
    let opened: OpenedReader;
    try {
      opened = await this.options.openReader();
    } catch (cause) {
      this.setState('unplugged', openFailure(cause));
      this.scheduleReconnect();
      return;
    }
    if (this.closed) {
      await opened.close();
      return;
    }
    const connection: Connection = { opened };
    this.connection = connection;
    opened.onGone((error) => this.onGone(connection, error));
    const presence = await this.withReader((reader) => reader.presence());
    if (this.connection !== connection) return;
    if (!presence.ok) {
      // A port that opens but does not answer: wrong port, reader off, wrong CM byte.
      this.connection = undefined;
      await opened.close();
      if (this.closed) return;
      this.setState('fault', presence.error);
      this.scheduleReconnect();
      return;
    }
    this.reconnectDelay = this.options.reconnectInitialDelayMs ?? 250;
    this.setState(presence.value === 'absent' ? 'ready' : 'card_present');
  }

  private onGone(connection: Connection, error: SscardError): void {
    if (this.connection !== connection || this.closed) return;
    this.connection = undefined;
    this.session = undefined;
    void connection.opened.close();
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
}

function openFailure(cause: unknown): SscardError {
  const detail = cause && typeof cause === 'object' && 'message' in cause ? String((cause as { message: unknown }).message) : String(cause);
  return { code: 'CARD_READER_PORT_OPEN_FAILED', detail };
}

export function startCardService(options: CardServiceOptions): CardService {
  return new CardService(options).start();
}
