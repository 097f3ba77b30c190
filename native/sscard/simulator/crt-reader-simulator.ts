// Runs in Node. The CRT-310-style reader seen from the other end of the wire (§4.6b): ACKs good
// command frames (NAKs damaged ones), answers ENQ with the reply, repeats the reply on NAK or a
// repeated ENQ without executing the command again, and forwards APDUs to a VirtualCard.
// Scriptable faults for tests, demo and training mode.
import type { ByteTransport } from '../../common/transport';
import { StxEtxFramer } from '../../common/stx-etx-framer';
import {
  ACK,
  CARD_STATUS_ABSENT,
  CARD_STATUS_POWERED,
  CARD_STATUS_PRESENT,
  CRT_CONTROL_BYTES,
  CRT_MAX_PAYLOAD,
  CRT_PM,
  DEFAULT_CPU_CARD_CM,
  ENQ,
  NAK,
  encodeCrtNegative,
  encodeCrtPositive,
} from '../common/crt-frame';
import { SYNTHETIC_SSCARDS } from './synthetic-sscards';
import { VirtualCard, type PinBlockOpener, type VirtualCardProfile } from './virtual-card';
import { padPinOpener } from './pad-pin-opener';

export interface CrtReaderSimulatorOptions {
  readonly cpuCardCm?: number;
  /** The motorised "move card to the front" command; matches CrtCardReaderOptions.ejectCommand. */
  readonly ejectCommand?: { readonly cm: number; readonly pm: number };
  readonly cards?: Readonly<Record<string, VirtualCardProfile>>;
  readonly openPinBlock?: PinBlockOpener;
  readonly onUnplugRequest?: () => void | Promise<void>;
  readonly random?: () => number;
}

export interface PullCardFault {
  /** Only an APDU with this INS (e.g. 0x5E CHANGE PIN); any APDU by default. */
  readonly ins?: number;
  /** The card executes the APDU before it leaves (the kiosk cannot know whether it did). */
  readonly afterExecution?: boolean;
}

const sleep = (ms: number) => (ms > 0 ? new Promise<void>((resolve) => setTimeout(resolve, ms)) : Promise.resolve());

export class CrtReaderSimulator {
  private transport: ByteTransport | undefined;
  private detachers: Array<() => void> = [];
  private framer = new StxEtxFramer({ minPayload: 1, maxPayload: CRT_MAX_PAYLOAD, controlBytes: CRT_CONTROL_BYTES });
  private readonly cm: number;
  private readonly cards: Readonly<Record<string, VirtualCardProfile>>;
  private readonly random: () => number;
  private card: VirtualCard | undefined;
  private powered = false;
  /** The reply to the last command: sent on ENQ, repeated on NAK / repeated ENQ. */
  private reply: Uint8Array | undefined;
  private writing: Promise<void> = Promise.resolve();
  // scenarios
  private nakNext = 0;
  private ignoreNextCommand = false;
  private ignoreNextEnq = false;
  private corruptNext = false;
  private pullFault: PullCardFault | undefined;
  private unplugNext = false;
  private apduFailure: string | undefined;
  private replyDelayMs = 0;
  private garbageBytes = 0;
  private splitMaxChunk = 0;
  /** Commands, by operation name ('apdu_t0', 'status'…), in order. */
  readonly received: string[] = [];
  /** Every C-APDU hex (tests check the dialogue; the CHANGE PIN data is ciphertext anyway). */
  readonly apdus: string[] = [];
  ejected = false;

  constructor(private readonly options: CrtReaderSimulatorOptions = {}) {
    this.cm = options.cpuCardCm ?? DEFAULT_CPU_CARD_CM;
    this.cards = options.cards ?? SYNTHETIC_SSCARDS;
    this.random = options.random ?? Math.random;
  }

  attach(transport: ByteTransport): void {
    this.detach();
    this.transport = transport;
    this.framer = new StxEtxFramer({ minPayload: 1, maxPayload: CRT_MAX_PAYLOAD, controlBytes: CRT_CONTROL_BYTES });
    this.detachers = [transport.onData((chunk) => this.onData(chunk)), transport.onClose(() => this.detach())];
  }

  detach(): void {
    for (const off of this.detachers.splice(0)) off();
    this.transport = undefined;
  }

  // --- the card ------------------------------------------------------------------------------

  insertCard(card: string | VirtualCardProfile): VirtualCard {
    const profile = typeof card === 'string' ? this.cards[card] : card;
    if (!profile) throw new Error(`unknown simulated card: ${String(card)}`);
    this.card = new VirtualCard(profile, this.options.openPinBlock ?? padPinOpener());
    this.powered = false;
    this.ejected = false;
    return this.card;
  }

  removeCard(): void {
    this.card = undefined;
    this.powered = false;
  }

  get insertedCard(): VirtualCard | undefined {
    return this.card;
  }

  // --- scenarios -----------------------------------------------------------------------------

  /** NAK the next n command frames (the driver resends). */
  nakNextCommands(n = 1): void {
    this.nakNext = n;
  }

  /** Stay silent on the next command frame: no ACK (the driver resends). */
  ignoreNextCommandFrame(): void {
    this.ignoreNextCommand = true;
  }

  /** Stay silent on the next ENQ (the driver asks again; the command is not executed twice). */
  ignoreNextEnquiry(): void {
    this.ignoreNextEnq = true;
  }

  /** Damage the BCC of the next reply (the driver NAKs, we resend it intact). */
  corruptNextReply(): void {
    this.corruptNext = true;
  }

  /** The citizen pulls the card during the next (matching) APDU. */
  pullCardDuringNextApdu(fault: PullCardFault = {}): void {
    this.pullFault = fault;
  }

  /** The reader reports a transmission error ('63') for the next APDU; the card never sees it. */
  failNextApdu(readerCode = '63'): void {
    this.apduFailure = readerCode;
  }

  /** Half the next reply, then the cable goes. */
  unplugDuringNextReply(): void {
    this.unplugNext = true;
  }

  setReplyDelay(ms: number): void {
    this.replyDelayMs = ms;
  }

  setGarbageBeforeReplies(bytes: number): void {
    this.garbageBytes = bytes;
  }

  /** Replies written in random chunks of 1..maxChunk bytes (0: whole). */
  setSplitReplies(maxChunk: number): void {
    this.splitMaxChunk = maxChunk;
  }

  idle(): Promise<void> {
    return this.writing;
  }

  // --- wire ----------------------------------------------------------------------------------

  private write(bytes: Uint8Array): void {
    const transport = this.transport;
    if (transport && this.splitMaxChunk <= 0 && this.replyDelayMs <= 0 && !this.unplugNext) {
      // The port keeps writes in order by itself; waiting for each write's callback would only
      // add a thread-pool round trip per byte sent (and inflate the bench).
      this.writing = Promise.all([this.writing, transport.write(bytes).catch(() => {})]).then(() => {});
      return;
    }
    this.writing = this.writing
      .then(async () => {
        if (!transport || this.transport !== transport) return;
        if (this.splitMaxChunk <= 0) return transport.write(bytes);
        for (let at = 0; at < bytes.length; ) {
          const size = 1 + Math.floor(this.random() * this.splitMaxChunk);
          await transport.write(bytes.subarray(at, at + size));
          at += size;
        }
      })
      .catch(() => {});
  }

  private onData(chunk: Uint8Array): void {
    for (const event of this.framer.push(chunk)) {
      if (event.kind === 'error') {
        if (event.code === 'FRAME_CHECKSUM' || event.code === 'FRAME_TERMINATOR') this.write(Uint8Array.of(NAK));
        continue;
      }
      if (event.kind === 'control') {
        if (event.byte === ENQ) this.onEnquiry();
        else if (event.byte === NAK && this.reply) this.sendReply(this.reply, false);
        continue; // ACK from the host closes the exchange
      }
      this.onCommand(event.payload);
    }
  }

  private onCommand(payload: Uint8Array): void {
    if (this.ignoreNextCommand) {
      this.ignoreNextCommand = false;
      return;
    }
    if (this.nakNext > 0) {
      this.nakNext -= 1;
      this.write(Uint8Array.of(NAK));
      return;
    }
    this.write(Uint8Array.of(ACK));
    this.reply = this.execute(payload);
  }

  private onEnquiry(): void {
    if (this.ignoreNextEnq) {
      this.ignoreNextEnq = false;
      return;
    }
    if (!this.reply) return;
    this.sendReply(this.reply, true);
  }

  private sendReply(reply: Uint8Array, firstTime: boolean): void {
    let bytes = reply;
    if (firstTime && this.corruptNext) {
      this.corruptNext = false;
      bytes = reply.slice();
      bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0x5a;
    }
    if (this.garbageBytes > 0) {
      // Noise never contains STX or a control byte, so it cannot pose as a frame or handshake.
      const noise = Array.from({ length: this.garbageBytes }, () => {
        let b = Math.floor(this.random() * 256);
        while (b === 0x02 || CRT_CONTROL_BYTES.includes(b)) b = (b + 7) & 0xff;
        return b;
      });
      bytes = Uint8Array.from([...noise, ...bytes]);
    }
    if (this.unplugNext) {
      this.unplugNext = false;
      const half = bytes.subarray(0, Math.ceil(bytes.length / 2));
      this.write(half);
      void this.writing.then(async () => {
        this.detach();
        await this.options.onUnplugRequest?.();
      });
      return;
    }
    const delay = this.replyDelayMs;
    if (delay > 0) {
      this.writing = this.writing.then(() => sleep(delay));
    }
    this.write(bytes);
  }

  private execute(payload: Uint8Array): Uint8Array {
    const cm = payload[0]!;
    const pm = payload[1];
    const eject = this.options.ejectCommand;
    if (eject && cm === eject.cm && pm === eject.pm) {
      this.received.push('eject');
      this.powered = false;
      if (this.card) this.ejected = true;
      this.card = undefined;
      return encodeCrtPositive(cm, pm);
    }
    if (cm !== this.cm || pm === undefined) {
      this.received.push('unknown');
      return encodeCrtNegative('00');
    }
    const data = payload.subarray(2);
    switch (pm) {
      case CRT_PM.status:
        this.received.push('status');
        return encodeCrtPositive(cm, pm, Uint8Array.of(!this.card ? CARD_STATUS_ABSENT : this.powered ? CARD_STATUS_POWERED : CARD_STATUS_PRESENT));
      case CRT_PM.coldReset:
      case CRT_PM.warmReset:
        this.received.push(pm === CRT_PM.coldReset ? 'cold_reset' : 'warm_reset');
        if (!this.card) return encodeCrtNegative('66');
        this.card.reset();
        this.powered = true;
        return encodeCrtPositive(cm, pm, this.card.atr);
      case CRT_PM.powerDown:
        this.received.push('power_down');
        this.powered = false;
        this.card?.reset();
        return encodeCrtPositive(cm, pm);
      case CRT_PM.apduT0:
      case CRT_PM.apduT1:
      case CRT_PM.apduAuto:
        return this.apdu(cm, pm, data);
      default:
        this.received.push('unknown');
        return encodeCrtNegative('01');
    }
  }

  private apdu(cm: number, pm: number, apdu: Uint8Array): Uint8Array {
    this.received.push(pm === CRT_PM.apduT0 ? 'apdu_t0' : pm === CRT_PM.apduT1 ? 'apdu_t1' : 'apdu_auto');
    this.apdus.push(Array.from(apdu, (b) => b.toString(16).padStart(2, '0').toUpperCase()).join(''));
    const card = this.card;
    if (!card) return encodeCrtNegative('66');
    if (!this.powered) return encodeCrtNegative('02');
    const wanted = pm === CRT_PM.apduT0 ? 0 : pm === CRT_PM.apduT1 ? 1 : card.profile.protocol;
    if (wanted !== card.profile.protocol) return encodeCrtNegative('63');
    if (this.apduFailure !== undefined) {
      const code = this.apduFailure;
      this.apduFailure = undefined;
      return encodeCrtNegative(code);
    }
    const fault = this.pullFault;
    if (fault && (fault.ins === undefined || fault.ins === apdu[1])) {
      this.pullFault = undefined;
      if (fault.afterExecution) card.process(apdu);
      this.removeCard();
      return encodeCrtNegative('64');
    }
    return encodeCrtPositive(cm, pm, card.process(apdu));
  }
}
