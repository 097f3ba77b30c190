// Runs in Node. The PIN pad seen from the other end of the wire (docs/pinpad-protocol.md). Tests
// script the citizen's fingers on the PAD — `pad.enter('123456 OK')` — never on the app: the app
// only ever receives key counts and the encrypted format-0 block.
//
// Script tokens: digits, BS (backspace), CLEAR, OK, CANCEL, TIMEOUT (the pad's entry timer runs
// out now), HOLD (the citizen walks away: nothing more happens until the host cancels).
import type { ByteTransport } from '../../common/transport';
import { StxEtxFramer } from '../../common/stx-etx-framer';
import {
  PAD_CMD,
  PAD_EVENT,
  PAD_STATUS,
  algorithmFromCode,
  decodePromptData,
  encodePadReply,
  readPadMessage,
  type PromptPinRequest,
} from '../common/pad-frame';
import { formatZeroBlock, padToCipherBlock } from '../common/iso9564';
import type { PinAlgorithm } from '../common/types';
import { cipherFor, keyCheckValue } from '../node/block-cipher';
import { TEST_MASTER_KEYS, TEST_WORKING_KEYS } from './test-keys';

export interface PadSimulatorOptions {
  readonly workingKeys?: Partial<Record<PinAlgorithm, Uint8Array>>;
  readonly masterKeys?: Partial<Record<PinAlgorithm, Uint8Array>>;
  /** Delay between simulated key presses (0: as fast as the event loop allows). */
  readonly keyDelayMs?: number;
}

interface OpenPrompt {
  readonly seq: number;
  readonly request: PromptPinRequest;
  digits: string;
  finished: boolean;
}

const sleep = (ms: number) => new Promise<void>((resolve) => (ms > 0 ? setTimeout(resolve, ms) : setImmediate(resolve)));

export class PadSimulator {
  private transport: ByteTransport | undefined;
  private detachers: Array<() => void> = [];
  private framer = new StxEtxFramer({ minPayload: 2, maxPayload: 256 });
  private readonly workingKeys: Partial<Record<PinAlgorithm, Uint8Array>>;
  private readonly masterKeys: Partial<Record<PinAlgorithm, Uint8Array>>;
  private readonly scripts: string[][] = [];
  private prompt: OpenPrompt | undefined;
  private silent = false;
  /** Command names received, in order (for assertions; never PIN material). */
  readonly received: string[] = [];
  /** Prompts shown, by purpose. */
  readonly prompts: string[] = [];

  constructor(private readonly options: PadSimulatorOptions = {}) {
    this.workingKeys = { ...TEST_WORKING_KEYS, ...options.workingKeys };
    this.masterKeys = { ...TEST_MASTER_KEYS, ...options.masterKeys };
  }

  attach(transport: ByteTransport): void {
    this.detach();
    this.transport = transport;
    this.framer = new StxEtxFramer({ minPayload: 2, maxPayload: 256 });
    this.detachers = [transport.onData((chunk) => this.onData(chunk)), transport.onClose(() => this.detach())];
  }

  detach(): void {
    for (const off of this.detachers.splice(0)) off();
    this.transport = undefined;
  }

  /** Queues what the citizen will type at the next prompt, e.g. '123456 OK' or '12 BS 3456 OK'. */
  enter(script: string): void {
    this.scripts.push(tokenize(script));
    if (this.prompt && !this.prompt.finished && this.scripts.length === 1) void this.play(this.prompt);
  }

  /** A pad that stops answering (for host timeouts). */
  setSilent(silent: boolean): void {
    this.silent = silent;
  }

  removeWorkingKey(algorithm: PinAlgorithm): void {
    delete this.workingKeys[algorithm];
  }

  get prompting(): boolean {
    return this.prompt !== undefined && !this.prompt.finished;
  }

  private send(bytes: Uint8Array): Promise<void> {
    return this.transport ? this.transport.write(bytes).catch(() => {}) : Promise.resolve();
  }

  private onData(chunk: Uint8Array): void {
    for (const event of this.framer.push(chunk)) {
      if (event.kind !== 'frame' || this.silent) continue;
      const payload = event.payload;
      if (payload.length < 2) continue;
      const cmd = payload[0]!;
      const seq = payload[1]!;
      const data = payload.subarray(2);
      this.handle(cmd, seq, data);
    }
  }

  private handle(cmd: number, seq: number, data: Uint8Array): void {
    switch (cmd) {
      case PAD_CMD.status:
        this.received.push('status');
        void this.send(encodePadReply(cmd, seq, PAD_STATUS.ok, Uint8Array.of(this.prompting ? 1 : 0, ...Array.from('SIMPAD-1', (c) => c.charCodeAt(0)))));
        return;
      case PAD_CMD.keyCheckValue: {
        this.received.push('key_check_value');
        const algorithm = algorithmFromCode(data[0] ?? 0);
        const key = algorithm ? this.workingKeys[algorithm] : undefined;
        if (!algorithm) return void this.send(encodePadReply(cmd, seq, PAD_STATUS.badParameter));
        if (!key) return void this.send(encodePadReply(cmd, seq, PAD_STATUS.noKey));
        void this.send(encodePadReply(cmd, seq, PAD_STATUS.ok, keyCheckValue(algorithm, key)));
        return;
      }
      case PAD_CMD.loadWorkingKey: {
        this.received.push('load_working_key');
        const algorithm = algorithmFromCode(data[0] ?? 0);
        const master = algorithm ? this.masterKeys[algorithm] : undefined;
        if (!algorithm || data.length < 1 + 16) return void this.send(encodePadReply(cmd, seq, PAD_STATUS.badParameter));
        if (!master) return void this.send(encodePadReply(cmd, seq, PAD_STATUS.noKey));
        const cipher = cipherFor(algorithm);
        const encrypted = data.subarray(1, 17);
        const key = new Uint8Array(16);
        for (let at = 0; at < 16; at += cipher.blockBytes) key.set(cipher.decrypt(master, encrypted.subarray(at, at + cipher.blockBytes)), at);
        const claimed = data.subarray(17);
        const actual = keyCheckValue(algorithm, key);
        if (claimed.length !== actual.length || claimed.some((b, i) => b !== actual[i])) {
          return void this.send(encodePadReply(cmd, seq, PAD_STATUS.keyCheckMismatch));
        }
        this.workingKeys[algorithm] = key;
        void this.send(encodePadReply(cmd, seq, PAD_STATUS.ok, actual));
        return;
      }
      case PAD_CMD.promptPin: {
        this.received.push('prompt_pin');
        const request = decodePromptData(data);
        if (!request || request.minLength < 4 || request.maxLength > 12 || request.minLength > request.maxLength) {
          return void this.send(encodePadReply(cmd, seq, PAD_STATUS.badParameter));
        }
        if (this.prompting) return void this.send(encodePadReply(cmd, seq, PAD_STATUS.busy));
        if (!this.workingKeys[request.algorithm]) return void this.send(encodePadReply(cmd, seq, PAD_STATUS.noKey));
        const prompt: OpenPrompt = { seq, request, digits: '', finished: false };
        this.prompt = prompt;
        this.prompts.push(request.purpose);
        void this.send(encodePadReply(cmd, seq, PAD_STATUS.ok)).then(() => {
          if (this.scripts.length > 0) void this.play(prompt);
        });
        return;
      }
      case PAD_CMD.cancel:
        this.received.push('cancel');
        void this.send(encodePadReply(cmd, seq, PAD_STATUS.ok)).then(() => {
          if (this.prompting) void this.finish(this.prompt!, PAD_STATUS.cancelledByHost);
        });
        return;
      default:
        this.received.push('unknown');
        void this.send(encodePadReply(cmd, seq, PAD_STATUS.unknownCommand));
    }
  }

  private async play(prompt: OpenPrompt): Promise<void> {
    const script = this.scripts.shift();
    if (!script) return;
    for (const token of script) {
      await sleep(this.options.keyDelayMs ?? 0);
      if (prompt.finished || this.prompt !== prompt) return;
      const max = prompt.request.maxLength;
      if (/^\d$/.test(token)) {
        if (prompt.digits.length < max) prompt.digits += token;
      } else if (token === 'BS') {
        prompt.digits = prompt.digits.slice(0, -1);
      } else if (token === 'CLEAR') {
        prompt.digits = '';
      } else if (token === 'OK') {
        // A real pad beeps at OK with too few digits and keeps waiting.
        if (prompt.digits.length >= prompt.request.minLength) return this.finish(prompt, PAD_STATUS.ok);
        continue;
      } else if (token === 'CANCEL') {
        return this.finish(prompt, PAD_STATUS.cancelledByUser);
      } else if (token === 'TIMEOUT') {
        return this.finish(prompt, PAD_STATUS.entryTimeout);
      } else if (token === 'HOLD') {
        return;
      }
      await this.send(encodePadReply(PAD_EVENT.key, prompt.seq, PAD_STATUS.ok, Uint8Array.of(prompt.digits.length)));
    }
  }

  private async finish(prompt: OpenPrompt, status: number): Promise<void> {
    if (prompt.finished) return;
    prompt.finished = true;
    let data = new Uint8Array(0);
    if (status === PAD_STATUS.ok) {
      const algorithm = prompt.request.algorithm;
      const key = this.workingKeys[algorithm]!;
      const cipher = cipherFor(algorithm);
      const clear = formatZeroBlock(prompt.digits, prompt.request.accountDigits)!;
      const block = cipher.encrypt(key, padToCipherBlock(clear, cipher.blockBytes));
      const kcv = keyCheckValue(algorithm, key);
      data = new Uint8Array(block.length + kcv.length);
      data.set(block, 0);
      data.set(kcv, block.length);
    }
    prompt.digits = '';
    await this.send(encodePadReply(PAD_EVENT.entryDone, prompt.seq, status, data));
  }
}

function tokenize(script: string): string[] {
  const tokens: string[] = [];
  for (const word of script.trim().split(/\s+/)) {
    if (/^\d+$/.test(word)) tokens.push(...word);
    else if (word) tokens.push(word.toUpperCase());
  }
  return tokens;
}
