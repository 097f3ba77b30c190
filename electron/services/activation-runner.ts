// Runs in Node (main process or dev host). Carries out the activation effects of the session
// machine against the social-security card, the PIN pad, the bank host and the printer. It is the
// only holder of the card's data and of the PIN pad's blocks (ciphertext: the kiosk never sees a
// PIN), and it records each outcome in the ledger before it reports it to the machine — so a crash
// at any point leaves a ledger that says exactly how far the activation got.
import { randomBytes } from 'node:crypto';
import type { BankHost, BankHostError } from '../../native/bankhost/common/types';
import type { Clock } from '../../native/common/clock';
import { pinAccountDigits } from '../../native/pinpad/common/iso9564';
import { samePin } from '../../native/pinpad/common/pin-block-compare';
import type { PinEntry, PinPadError, PinPadService } from '../../native/pinpad/common/types';
import { formatReferenceCode } from '../../native/printer/common/reference-code';
import type { ReceiptPrinter } from '../../native/printer/common/types';
import type { SocialSecurityCardData, SocialSecurityCardService, SscardError } from '../../native/sscard/common/types';
import type { ProblemCode } from '../contract/contract';
import type { ActivationEffect, ActivationEvent, PinPurpose } from '../flow/activation-steps';
import type { Logger } from './logger';

export interface ActivationDevices {
  readonly card: SocialSecurityCardService;
  readonly pinPad: PinPadService;
  readonly host: BankHost;
  readonly printer: ReceiptPrinter;
  readonly branchName: string;
  readonly kioskId: string;
  readonly newIdempotencyKey: () => string;
}

/** What the runner needs from the session it works for. */
export interface ActivationSession {
  dispatch(event: ActivationEvent): void;
  /** Appends to the ledger; false when the ledger refused (the session then stops). */
  record(kind: string, body: Record<string, unknown>): boolean;
  /** The confirmed ID card's number, for the holder check; null if there is none. */
  idNumber(): string | null;
  maskedIdNumber(): string;
  maskedName(): string;
  keyedHash(value: string): string;
  /** Test seam for the crash-consistency suite: may end the process at a named point. */
  checkpoint(point: string): void;
  /** The ledger sequence number of the entry just recorded. */
  lastRecordedSeq(): number | null;
  receiptProof(seq: number): { qrPayload: string; digest: string } | null;
}

const HOST_ATTEMPTS = 3;
const PIN_LENGTH = 6;

export class ActivationRunner {
  private abort: AbortController | null = null;
  private card: SocialSecurityCardData | null = null;
  private readonly pins = new Map<PinPurpose, PinEntry>();
  private cardInserted = false;
  private receiptReference: string | null = null;
  private hostReference: string | null = null;
  /** The ledger entry of the activation result, which the receipt proves. */
  private resultSeq: number | null = null;

  constructor(
    private readonly devices: ActivationDevices,
    private readonly session: ActivationSession,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  run(effect: ActivationEffect): void {
    switch (effect.type) {
      case 'start_ss_card_read':
        void this.readCard();
        return;
      case 'stop_ss_card':
        this.cancel();
        return;
      case 'prompt_pin':
        void this.promptPin(effect.purpose);
        return;
      case 'change_pin':
        void this.changePin();
        return;
      case 'request_activation':
        void this.requestActivation();
        return;
      case 'print_receipt':
        void this.printReceipt();
        return;
      case 'eject_ss_card':
        void this.ejectAndWait();
        return;
      case 'release_ss_card':
        this.release();
        return;
    }
  }

  private begin(): AbortSignal {
    this.abort?.abort();
    this.abort = new AbortController();
    return this.abort.signal;
  }

  private cancel(): void {
    this.abort?.abort();
    this.abort = null;
  }

  private async readCard(): Promise<void> {
    const signal = this.begin();
    const present = await this.devices.card.waitForCard({ signal });
    if (signal.aborted) return;
    if (!present.ok) return this.failCard(present.error);
    this.cardInserted = true;
    this.session.dispatch({ type: 'ss_card_present' });
    const read = await this.devices.card.readCard();
    if (signal.aborted) return;
    if (!read.ok) return this.failCard(read.error);
    const idNumber = this.session.idNumber();
    const holderMatches = idNumber !== null && normalise(read.value.socialSecurityNumber) === normalise(idNumber);
    const recorded = this.session.record('sscard_read', {
      generation: read.value.generation,
      cardNumberKey: this.session.keyedHash(`sscard:${read.value.cardNumber}`),
      holderMatches,
    });
    if (!recorded) return;
    this.card = read.value;
    this.session.dispatch({ type: 'ss_card_read', holderMatches });
  }

  private failCard(error: SscardError): void {
    if (error.code === 'CARD_ABORTED') return;
    if (!this.session.record('sscard_read_failed', { code: error.code })) return;
    this.session.dispatch({ type: 'ss_card_failed', problem: cardProblem(error) });
  }

  private async promptPin(purpose: PinPurpose): Promise<void> {
    const signal = this.begin();
    if (purpose !== 'confirm') this.pins.delete('confirm');
    const entry = await this.devices.pinPad.promptPin({
      length: PIN_LENGTH,
      purpose,
      signal,
      // Format 0 binds the block to the card's account, as the card expects it.
      accountDigits: this.card ? pinAccountDigits(this.card.socialSecurityNumber) : '000000000000',
      onKey: (count) => {
        if (!signal.aborted) this.session.dispatch({ type: 'pin_key', count });
      },
    });
    if (signal.aborted) return;
    if (!entry.ok) return this.failPin(entry.error);
    this.pins.set(purpose, entry.value);
    if (purpose === 'confirm') {
      const chosen = this.pins.get('new');
      if (!chosen || !samePin(chosen, entry.value)) {
        this.dropPins('new', 'confirm');
        this.session.dispatch({ type: 'pin_confirm_mismatch' });
        return;
      }
    }
    this.session.dispatch({ type: 'pin_entered', purpose });
  }

  private failPin(error: PinPadError): void {
    if (error.code === 'PINPAD_ABORTED') return;
    const problem: ProblemCode =
      error.code === 'PINPAD_CANCELLED' ? 'pin_entry_cancelled' : error.code === 'PINPAD_ENTRY_TIMEOUT' ? 'took_too_long' : 'pinpad_unavailable';
    this.logger.log('warn', 'pin_entry_failed', { code: error.code });
    this.session.dispatch({ type: 'pin_failed', problem });
  }

  private async changePin(): Promise<void> {
    const current = this.pins.get('current');
    const next = this.pins.get('new');
    if (!current || !next) {
      this.session.dispatch({ type: 'pin_change_failed', problem: 'ss_card_unreadable' });
      return;
    }
    const result = await this.devices.card.changePin({ current, next });
    this.dropPins('current', 'new', 'confirm');
    if (result.ok) {
      if (!this.session.record('pin_change', { outcome: 'changed' })) return;
      this.session.checkpoint('pin_changed');
      this.session.dispatch({ type: 'pin_changed' });
      return;
    }
    const error = result.error;
    if (error.code === 'CARD_WRONG_PIN') {
      const triesLeft = error.triesLeft ?? 0;
      if (!this.session.record('pin_change', { outcome: 'wrong_pin', triesLeft })) return;
      this.session.dispatch({ type: 'pin_change_failed', problem: 'pin_wrong', triesLeft });
      return;
    }
    if (error.code === 'CARD_PIN_BLOCKED') {
      if (!this.session.record('pin_change', { outcome: 'blocked' })) return;
      this.session.dispatch({ type: 'pin_change_failed', problem: 'pin_blocked' });
      return;
    }
    if (!this.session.record('pin_change', { outcome: 'failed', code: error.code })) return;
    this.session.dispatch({ type: 'pin_change_failed', problem: cardProblem(error) === 'ss_card_removed_early' ? 'ss_card_removed_early' : 'ss_card_unreadable' });
  }

  private async requestActivation(): Promise<void> {
    const card = this.card;
    const idNumber = this.session.idNumber();
    if (!card || !idNumber) return;
    const request = {
      idempotencyKey: this.devices.newIdempotencyKey(),
      cardNumberKey: this.session.keyedHash(`sscard:${card.cardNumber}`),
      idNumberKey: this.session.keyedHash(idNumber),
      kioskId: this.devices.kioskId,
    };
    // Written before the host hears of it: a crash from here on is found and finished at start-up.
    if (!this.session.record('activation_requested', { ...request })) return;
    this.session.checkpoint('activation_requested');
    let last: BankHostError | null = null;
    for (let attempt = 1; attempt <= HOST_ATTEMPTS; attempt++) {
      const answer = await this.devices.host.requestActivation(request);
      this.session.checkpoint('host_answered');
      if (answer.ok) {
        this.receiptReference = formatReferenceCode(randomBytes(5));
        this.hostReference = answer.value.hostReference;
        const recorded = this.session.record('activation_result', {
          idempotencyKey: request.idempotencyKey,
          status: answer.value.status,
          hostReference: answer.value.hostReference,
          receiptReference: this.receiptReference,
          attempts: attempt,
          recovered: false,
        });
        if (!recorded) return;
        this.resultSeq = this.session.lastRecordedSeq();
        this.session.checkpoint('activation_result');
        this.session.dispatch({ type: 'activation_done', receiptReference: this.receiptReference });
        return;
      }
      last = answer.error;
      this.logger.log('warn', 'host_activation_failed', { code: answer.error.code, attempt });
      if (!answer.error.mayHaveLanded && answer.error.code !== 'HOST_UNREACHABLE') break;
    }
    if (last?.code === 'HOST_REJECTED') {
      if (!this.session.record('activation_result', { idempotencyKey: request.idempotencyKey, status: 'rejected', reason: last.reason.slice(0, 120), recovered: false })) return;
      this.session.dispatch({ type: 'activation_failed', problem: 'host_rejected' });
      return;
    }
    // Still unknown: no result is recorded, so start-up recovery asks the host again with this key.
    this.session.dispatch({ type: 'activation_failed', problem: 'host_unavailable' });
  }

  private async printReceipt(): Promise<void> {
    const reference = this.receiptReference ?? formatReferenceCode(randomBytes(5));
    // Anyone holding the receipt can check, without the kiosk, that the activation is in its ledger.
    const proof = this.resultSeq !== null ? this.session.receiptProof(this.resultSeq) : null;
    const result = await this.devices.printer.print({
      title: '社会保障卡启用回执',
      action: '社会保障卡已启用',
      completedAt: localTime(this.clock.now()),
      branch: this.devices.branchName,
      kioskId: this.devices.kioskId,
      maskedIdNumber: this.session.maskedIdNumber(),
      maskedName: this.session.maskedName(),
      recorded: ['身份证核验结果', '社保卡启用结果', '办理时间与网点'],
      reference,
      ...(this.hostReference ? { hostReference: this.hostReference } : {}),
      qrPayload: proof?.qrPayload ?? `kiosk-receipt:${this.devices.kioskId}:${reference}`,
      ...(proof && this.resultSeq !== null ? { notes: [`记录 #${this.resultSeq} 校验 ${proof.digest}`] } : {}),
    });
    if (!this.session.record('receipt_printed', result.ok ? { reference, outcome: 'printed' } : { reference, outcome: 'failed', code: result.error.code })) return;
    this.session.dispatch(result.ok ? { type: 'printed' } : { type: 'print_failed' });
  }

  private async ejectAndWait(): Promise<void> {
    const signal = this.begin();
    await this.devices.card.eject();
    const removed = await this.devices.card.waitForRemoval({ signal });
    if (signal.aborted || !removed.ok) return;
    this.cardInserted = false;
    this.session.dispatch({ type: 'ss_card_removed' });
  }

  /** Session end: stop, hand the card back, forget everything. */
  private release(): void {
    this.cancel();
    if (this.cardInserted) {
      this.cardInserted = false;
      void this.devices.card.eject();
    }
    this.card = null;
    this.resultSeq = null;
    this.receiptReference = null;
    this.hostReference = null;
    this.dropPins('current', 'new', 'confirm');
  }

  private dropPins(...purposes: PinPurpose[]): void {
    for (const purpose of purposes) {
      this.pins.get(purpose)?.pinBlock.fill(0);
      this.pins.delete(purpose);
    }
  }
}

function normalise(idNumber: string): string {
  return idNumber.trim().toUpperCase();
}

function cardProblem(error: SscardError): ProblemCode {
  switch (error.code) {
    case 'CARD_REMOVED':
    case 'CARD_ABSENT':
      return 'ss_card_removed_early';
    case 'CARD_NOT_SOCIAL_SECURITY':
    case 'CARD_FILE_NOT_FOUND':
    case 'CARD_PIN_REQUIRED':
      return 'ss_card_not_supported';
    case 'CARD_READER_UNPLUGGED':
    case 'CARD_READER_PORT_OPEN_FAILED':
      return 'reader_unplugged';
    default:
      return 'ss_card_unreadable';
  }
}

function localTime(ms: number): string {
  const date = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

