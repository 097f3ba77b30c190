// Runs in Node. The reader seen from the other end of the wire: parses command frames with the
// driver's own framer and answers per hardware-protocols.md §1, with scriptable faults for tests,
// the demo and training mode. Speaks to any ByteTransport (a socat pty end through the real
// serialport binding, or an in-memory pair).
import type { ByteTransport } from '../../common/transport';
import {
  SW3_CARD_FOUND,
  SW3_NO_CARD,
  SW3_NO_DATA,
  SW3_SUCCESS,
  commandName,
  encodeCardReadData,
  encodeResponse,
  isResponseFrame,
  readCommand,
  type SamCommandName,
} from '../common/sam-frame';
import { SamFramer } from '../common/sam-framer';
import {
  SYNTHETIC_CARDS,
  encodeAppendedAddresses,
  encodeCardText,
  syntheticFingerprint,
  syntheticPhoto,
  type SyntheticCard,
} from './synthetic-cards';

export interface SamSimulatorOptions {
  /** Cards that placeCard(key) can find; the synthetic set by default. */
  readonly cards?: Readonly<Record<string, SyntheticCard>>;
  readonly samId?: Uint8Array;
  /** Called when an "unplug mid-frame" fault fires, after half the reply was written. */
  readonly onUnplugRequest?: () => void | Promise<void>;
  /** Deterministic randomness for garbage and chunk splits (Math.random by default). */
  readonly random?: () => number;
}

export interface SplitReplies {
  readonly maxChunk: number;
  readonly delayMs: number;
}

interface NextReplyFault {
  readonly command?: SamCommandName;
}

const sleep = (ms: number) => (ms > 0 ? new Promise<void>((resolve) => setTimeout(resolve, ms)) : Promise.resolve());

/** A synthetic SAM ID: 05.02-0000001234-0000005678-0000009999 in display form. */
export const SIMULATED_SAM_ID = Uint8Array.of(5, 0, 2, 0, 0xd2, 0x04, 0, 0, 0x2e, 0x16, 0, 0, 0x0f, 0x27, 0, 0);

export class SamSimulator {
  private transport: ByteTransport | undefined;
  private detachListeners: Array<() => void> = [];
  private framer = new SamFramer();
  private queue: Promise<void> = Promise.resolve();
  private readonly cards: Readonly<Record<string, SyntheticCard>>;
  private readonly random: () => number;
  private card: SyntheticCard | undefined;
  /** §1.5 quirk: once read, find answers 80 until the card leaves the field. */
  private cardRead = false;
  private replyDelayMs = 0;
  private readDelayMs = 0;
  private garbageBytes = 0;
  private garbageOnce = false;
  private split: SplitReplies | undefined;
  private corruptChecksum: NextReplyFault | undefined;
  private forcedStatus: (NextReplyFault & { readonly sw3: number }) | undefined;
  private unplugFault: NextReplyFault | undefined;
  private selfTestFails = false;
  private fingerprintOverride: number | undefined;
  private addressesOverride: readonly string[] | undefined;
  /** Commands received, in order (names, or 'unknown'/'bad_frame'). */
  readonly received: string[] = [];

  constructor(private readonly options: SamSimulatorOptions = {}) {
    this.cards = options.cards ?? SYNTHETIC_CARDS;
    this.random = options.random ?? Math.random;
  }

  attach(transport: ByteTransport): void {
    this.detach();
    this.transport = transport;
    this.framer = new SamFramer();
    this.detachListeners = [
      transport.onData((chunk) => this.onData(chunk)),
      transport.onClose(() => this.detach()),
    ];
  }

  detach(): void {
    for (const off of this.detachListeners.splice(0)) off();
    this.transport = undefined;
  }

  get attached(): boolean {
    return this.transport !== undefined;
  }

  // --- card in the field -------------------------------------------------------------------

  placeCard(card: string | SyntheticCard): void {
    const resolved = typeof card === 'string' ? this.cards[card] : card;
    if (!resolved) throw new Error(`unknown simulated card: ${String(card)}`);
    this.card = resolved;
    this.cardRead = false;
  }

  removeCard(): void {
    this.card = undefined;
    this.cardRead = false;
  }

  get cardKey(): string | undefined {
    return this.card?.key;
  }

  // --- scenarios ---------------------------------------------------------------------------

  /** Delay before every reply. */
  setReplyDelay(ms: number): void {
    this.replyDelayMs = ms;
  }

  /** A slow card: extra delay before replies to the text/photo reads (30 01, 30 10). */
  setSlowCard(ms: number): void {
    this.readDelayMs = ms;
  }

  /** Random bytes before replies: the next one only, or every one. */
  setGarbageBeforeReplies(bytes: number, every = false): void {
    this.garbageBytes = bytes;
    this.garbageOnce = !every;
  }

  /** Replies are written in random chunks of 1..maxChunk bytes with delayMs between them. */
  setSplitReplies(split: SplitReplies | undefined): void {
    this.split = split;
  }

  corruptNextChecksum(fault: NextReplyFault = {}): void {
    this.corruptChecksum = fault;
  }

  /** The next reply (optionally: to that command) carries this SW3 and no data. */
  forceNextStatus(sw3: number, fault: NextReplyFault = {}): void {
    this.forcedStatus = { ...fault, sw3 };
  }

  /** The next reply (optionally: to that command) stops half-way and the cable is pulled. */
  unplugDuringNextReply(fault: NextReplyFault = {}): void {
    this.unplugFault = fault;
  }

  setSelfTestFails(fails: boolean): void {
    this.selfTestFails = fails;
  }

  /** Overrides the fingerprint size of every card (0, 512 or 1024); undefined = the card's own. */
  setFingerprintBytes(bytes: 0 | 512 | 1024 | undefined): void {
    this.fingerprintOverride = bytes;
  }

  /** Overrides the appended addresses of every card; undefined = the card's own. */
  setAppendedAddresses(addresses: readonly string[] | undefined): void {
    this.addressesOverride = addresses;
  }

  resetScenarios(): void {
    this.replyDelayMs = 0;
    this.readDelayMs = 0;
    this.garbageBytes = 0;
    this.split = undefined;
    this.corruptChecksum = undefined;
    this.forcedStatus = undefined;
    this.unplugFault = undefined;
    this.selfTestFails = false;
    this.fingerprintOverride = undefined;
    this.addressesOverride = undefined;
  }

  /** Resolves when every reply queued so far has been written. */
  idle(): Promise<void> {
    return this.queue;
  }

  // --- protocol ----------------------------------------------------------------------------

  private onData(chunk: Uint8Array): void {
    for (const event of this.framer.push(chunk)) {
      if (event.kind === 'error') {
        if (event.error.code === 'ID_FRAME_CHECKSUM') {
          this.received.push('bad_frame');
          this.enqueue(undefined, 0x10, new Uint8Array(0));
        }
        continue;
      }
      if (isResponseFrame(event.frame)) continue;
      const command = readCommand(event.frame);
      if (!command.ok) continue;
      const name = commandName(command.value.cmd, command.value.para);
      this.received.push(name ?? 'unknown');
      const [sw3, data] = this.answer(name);
      this.enqueue(name, sw3, data);
    }
  }

  private answer(name: SamCommandName | undefined): [number, Uint8Array] {
    const none = new Uint8Array(0);
    const card = this.card;
    switch (name) {
      case 'reset_sam':
        return [SW3_SUCCESS, none];
      case 'sam_status':
        return [this.selfTestFails ? 0x60 : SW3_SUCCESS, none];
      case 'read_sam_id':
        return [SW3_SUCCESS, this.options.samId ?? SIMULATED_SAM_ID];
      case 'find_card':
        return [card && !this.cardRead ? SW3_CARD_FOUND : SW3_NO_CARD, new Uint8Array(4)];
      case 'select_card':
        return card ? [SW3_SUCCESS, new Uint8Array(8)] : [0x81, none];
      case 'read_text_photo':
      case 'read_text_photo_fingerprint': {
        if (!card) return [0x41, none];
        this.cardRead = true;
        const text = encodeCardText(card.text);
        const photo = syntheticPhoto(card.key);
        if (name === 'read_text_photo') return [SW3_SUCCESS, encodeCardReadData(text, photo)];
        const fingerprint = syntheticFingerprint(card.key, this.fingerprintOverride ?? card.fingerprintBytes);
        return [SW3_SUCCESS, encodeCardReadData(text, photo, fingerprint)];
      }
      case 'read_appended_address': {
        if (!card) return [0x41, none];
        const addresses = this.addressesOverride ?? card.appendedAddresses;
        return addresses.length === 0 ? [SW3_NO_DATA, none] : [SW3_SUCCESS, encodeAppendedAddresses(addresses)];
      }
      case 'read_management_number':
        return card ? [SW3_SUCCESS, new Uint8Array(28)] : [0x41, none];
      default:
        return [0x21, none];
    }
  }

  private takeFault<T extends NextReplyFault>(fault: T | undefined, name: SamCommandName | undefined): T | undefined {
    if (!fault) return undefined;
    return fault.command === undefined || fault.command === name ? fault : undefined;
  }

  private enqueue(name: SamCommandName | undefined, sw3: number, data: Uint8Array): void {
    const forced = this.takeFault(this.forcedStatus, name);
    if (forced) this.forcedStatus = undefined;
    const corrupt = this.takeFault(this.corruptChecksum, name);
    if (corrupt) this.corruptChecksum = undefined;
    const unplug = this.takeFault(this.unplugFault, name);
    if (unplug) this.unplugFault = undefined;
    // A read the host never received whole does not trigger the post-read quirk.
    if ((forced || unplug) && name?.startsWith('read_text')) this.cardRead = false;
    const garbage = this.garbageBytes;
    if (this.garbageOnce) this.garbageBytes = 0;
    const delay = this.replyDelayMs + (name?.startsWith('read_text') ? this.readDelayMs : 0);

    const frame = forced ? encodeResponse(forced.sw3) : encodeResponse(sw3, data);
    if (corrupt) frame[frame.length - 1] = frame[frame.length - 1]! ^ 0x5a;
    this.queue = this.queue.then(() => this.reply(frame, { delay, garbage, unplug: unplug !== undefined })).catch(() => {});
  }

  private async reply(frame: Uint8Array, how: { delay: number; garbage: number; unplug: boolean }): Promise<void> {
    await sleep(how.delay);
    const transport = this.transport;
    if (!transport) return;
    let bytes = frame;
    if (how.garbage > 0) {
      // Garbage never contains 0xAA, so it cannot hold a preamble of its own.
      const noise = Uint8Array.from({ length: how.garbage }, () => {
        const value = Math.floor(this.random() * 255);
        return value >= 0xaa ? value + 1 : value;
      });
      bytes = new Uint8Array(noise.length + frame.length);
      bytes.set(noise, 0);
      bytes.set(frame, noise.length);
    }
    if (how.unplug) {
      await transport.write(bytes.subarray(0, bytes.length - Math.ceil(frame.length / 2)));
      this.detach();
      await this.options.onUnplugRequest?.();
      return;
    }
    if (!this.split) {
      await transport.write(bytes);
      return;
    }
    for (let at = 0; at < bytes.length; ) {
      const size = 1 + Math.floor(this.random() * this.split.maxChunk);
      await transport.write(bytes.subarray(at, at + size));
      at += size;
      if (at < bytes.length) await sleep(this.split.delayMs);
    }
  }
}

