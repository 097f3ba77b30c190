// Runs anywhere (pure). The PIN pad device service: connect (STATUS as the self-test), prompt
// for a PIN, read key check values, survive unplug and re-plug. What leaves this module is the
// pad's ciphertext, its KCV and key counts — there is no code path that could carry a digit.
import { err, ok, type Result } from '../../common/result';
import type { CancelTimer, Clock } from '../../common/clock';
import type { ByteTransport, TransportOpener } from '../../common/transport';
import { PadClient, type PadClientOptions } from './pad-client';
import { ALGORITHM_CODE, PAD_CMD, PAD_STATUS, encodePromptData, padStatusError } from './pad-frame';
import { keyCheckValueBytes } from './iso9564';
import type { PinAlgorithm, PinEntry, PinPadError, PinPadService, PinPadState, PinPadStatus, PromptPinOptions } from './types';

export interface PadServiceOptions {
  readonly open: TransportOpener;
  readonly clock: Clock;
  readonly algorithm?: PinAlgorithm;
  /**
   * KCV the working key must have (from the key ceremony record). A pad answering with another
   * KCV holds the wrong key: its blocks would be garbage to the host, so the prompt fails early.
   */
  readonly expectedKeyCheckValue?: string;
  readonly entryTimeoutSeconds?: number;
  readonly client?: PadClientOptions;
  readonly reconnectInitialDelayMs?: number;
  readonly reconnectMaxDelayMs?: number;
  readonly onEvent?: (event: { readonly kind: 'state'; readonly state: PinPadState; readonly code?: string } | { readonly kind: 'keys'; readonly count: number }) => void;
}

const BLOCK_BYTES: Readonly<Record<PinAlgorithm, number>> = { tdes: 8, sm4: 16 };
const UNPLUGGED: PinPadError = { code: 'PINPAD_UNPLUGGED', detail: 'pad disconnected' };

export class PadService implements PinPadService {
  private state: PinPadState = 'connecting';
  private lastError: PinPadError | undefined;
  private readonly listeners = new Set<(status: PinPadStatus) => void>();
  private transport: ByteTransport | undefined;
  private client: PadClient | undefined;
  private closed = false;
  private cancelReconnect: CancelTimer | undefined;
  private reconnectDelay: number;

  constructor(private readonly options: PadServiceOptions) {
    this.reconnectDelay = options.reconnectInitialDelayMs ?? 250;
  }

  start(): this {
    void this.connect();
    return this;
  }

  status(): PinPadStatus {
    return { state: this.state, ...(this.lastError ? { lastError: this.lastError } : {}) };
  }

  onStatus(listener: (status: PinPadStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  whenConnected(): Promise<PinPadStatus> {
    if (this.state !== 'connecting') return Promise.resolve(this.status());
    return new Promise((resolve) => {
      const off = this.onStatus((status) => {
        if (status.state === 'connecting') return;
        off();
        resolve(status);
      });
    });
  }

  async keyCheckValue(algorithm: PinAlgorithm): Promise<Result<string, PinPadError>> {
    const client = this.client;
    if (!client) return err(this.lastError ?? UNPLUGGED);
    const reply = await client.request(PAD_CMD.keyCheckValue, Uint8Array.of(ALGORITHM_CODE[algorithm]), true);
    if (!reply.ok) return reply;
    return ok(hex(reply.value.data));
  }

  /**
   * Loads a working key sent enciphered under the pad's master key (ECB, 16 bytes) with its
   * KCV; the pad deciphers it, checks the KCV, and answers with the KCV it computed. The kiosk
   * only ever handles the enciphered key (from the host's key distribution).
   */
  async loadWorkingKey(algorithm: PinAlgorithm, encryptedKey: Uint8Array, keyCheckValue: Uint8Array): Promise<Result<string, PinPadError>> {
    const client = this.client;
    if (!client || this.state !== 'ready') return err(this.lastError ?? UNPLUGGED);
    if (encryptedKey.length !== 16 || keyCheckValue.length !== keyCheckValueBytes(algorithm)) {
      return err({ code: 'PINPAD_BAD_PARAMETER', detail: 'a 16-byte key and its KCV' });
    }
    const data = Uint8Array.from([ALGORITHM_CODE[algorithm], ...encryptedKey, ...keyCheckValue]);
    const reply = await client.request(PAD_CMD.loadWorkingKey, data);
    return reply.ok ? ok(hex(reply.value.data)) : reply;
  }

  async promptPin(options: PromptPinOptions): Promise<Result<PinEntry, PinPadError>> {
    const client = this.client;
    if (!client || this.state !== 'ready') {
      return err(this.state === 'prompting' ? { code: 'PINPAD_BUSY', detail: 'a prompt is open' } : (this.lastError ?? UNPLUGGED));
    }
    if (options.signal.aborted) return err({ code: 'PINPAD_ABORTED' });
    const algorithm = this.options.algorithm ?? 'tdes';
    const accountDigits = options.accountDigits ?? '000000000000';
    if (!Number.isInteger(options.length) || options.length < 4 || options.length > 12 || !/^\d{12}$/.test(accountDigits)) {
      return err({ code: 'PINPAD_BAD_PARAMETER', detail: 'length 4–12 and 12 account digits' });
    }
    const timeoutSeconds = options.entryTimeoutSeconds ?? this.options.entryTimeoutSeconds ?? 60;
    const data = encodePromptData({ algorithm, minLength: options.length, maxLength: options.length, purpose: options.purpose, timeoutSeconds, accountDigits });
    const onAbort = () => void client.cancelPrompt();
    options.signal.addEventListener('abort', onAbort, { once: true });
    this.setState('prompting');
    try {
      const done = await client.prompt(
        data,
        (count) => {
          this.options.onEvent?.({ kind: 'keys', count });
          options.onKey?.(count);
        },
        timeoutSeconds * 1000 + 5000,
      );
      if (!done.ok) return done;
      if (done.value.status !== PAD_STATUS.ok) return err(padStatusError(done.value.status));
      const blockBytes = BLOCK_BYTES[algorithm];
      const kcvBytes = keyCheckValueBytes(algorithm);
      if (done.value.data.length !== blockBytes + kcvBytes) {
        return err({ code: 'PINPAD_PROTOCOL', detail: `entry data of ${done.value.data.length} bytes` });
      }
      const keyCheckValue = hex(done.value.data.subarray(blockBytes));
      const expected = this.options.expectedKeyCheckValue;
      if (expected !== undefined && expected.toUpperCase() !== keyCheckValue) {
        return err({ code: 'PINPAD_KEY_CHECK_MISMATCH', detail: `pad key ${keyCheckValue}, expected ${expected.toUpperCase()}` });
      }
      return ok({ pinBlock: done.value.data.slice(0, blockBytes), algorithm, keyCheckValue });
    } finally {
      options.signal.removeEventListener('abort', onAbort);
      if ((this.state as PinPadState) === 'prompting') this.setState('ready');
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.cancelReconnect?.();
    const transport = this.transport;
    this.transport = undefined;
    this.client?.dispose();
    this.client = undefined;
    this.setState('unplugged', { code: 'PINPAD_CLOSED' });
    await transport?.close().catch(() => {});
  }

  private setState(state: PinPadState, error?: PinPadError): void {
    this.state = state;
    if (error) this.lastError = error;
    if (state === 'ready') this.lastError = undefined;
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
      this.setState('unplugged', { code: 'PINPAD_PORT_OPEN_FAILED', detail: String((cause as Error)?.message ?? cause) });
      this.scheduleReconnect();
      return;
    }
    if (this.closed) {
      await transport.close().catch(() => {});
      return;
    }
    const client = new PadClient(transport, this.options.clock, this.options.client);
    this.transport = transport;
    this.client = client;
    transport.onClose((reason) => {
      if (this.transport !== transport || this.closed) return;
      this.transport = undefined;
      this.client = undefined;
      client.dispose();
      this.setState('unplugged', { ...UNPLUGGED, detail: reason.kind === 'unplugged' ? (reason.detail ?? 'unplugged') : 'port closed' });
      this.scheduleReconnect();
    });
    const selfTest = await client.request(PAD_CMD.status, undefined, true);
    if (this.transport !== transport) return;
    if (!selfTest.ok) {
      this.transport = undefined;
      this.client = undefined;
      client.dispose();
      await transport.close().catch(() => {});
      if (this.closed) return;
      this.setState('fault', selfTest.error);
      this.scheduleReconnect();
      return;
    }
    this.reconnectDelay = this.options.reconnectInitialDelayMs ?? 250;
    this.setState('ready');
  }

  private scheduleReconnect(): void {
    if (this.closed) return;
    this.cancelReconnect?.();
    const delayMs = this.reconnectDelay;
    this.reconnectDelay = Math.min(delayMs * 2, this.options.reconnectMaxDelayMs ?? 5000);
    this.cancelReconnect = this.options.clock.setTimer(delayMs, () => {
      this.cancelReconnect = undefined;
      void this.connect();
    });
  }
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0').toUpperCase()).join('');
}

export function startPadService(options: PadServiceOptions): PadService {
  return new PadService(options).start();
}

export { padStatusError };
