// Runs in Node (main process or dev host). Drives the pure session machine: feeds it device
// events and intents, runs its effects (ledger, reader, timers), and is the only holder of the
// card's personal data, which it drops when the session closes.
import { randomBytes, createHash } from 'node:crypto';
import type { Clock, CancelTimer } from '../../native/common/clock';
import type { Result } from '../../native/common/result';
import type { IdCardRead, IdCardReaderService, IdCardError, PhotoDecoder } from '../../native/idcard/common/types';
import type { MaskedCard, ProblemCode, SessionIntent, SessionView } from '../contract/contract';
import { consentTexts } from '../contract/consent-text';
import { initialFlowState, transition, type FlowEffect, type FlowEvent, type FlowState, type StepTimer } from '../flow/session-machine';
import { maskIdNumber, maskName } from '../flow/masking';
import type { Logger } from './logger';
import { ActivationRunner, type ActivationDevices } from './activation-runner';
import type { ActivationEffect } from '../flow/activation-steps';
import type { FaceEffect } from '../flow/face-steps';
import type { FacePreview } from '../contract/contract';
import type { FaceCheck } from './face-check';

/** The part of the ledger the session needs. */
export interface SessionLedger {
  append(entry: { sessionId: string; kind: string; body: Record<string, unknown> }): Result<unknown, { code: string }>;
  idNumberKey(idNumber: string): string;
  /** Keeps who the person is, encrypted and erasable (retention), for staff look-ups and data-subject export. */
  recordPerson?(person: { sessionId: string; idNumber: string; name: string }): Result<unknown, { code: string }>;
  /** An inclusion proof of entry `seq` for the receipt's QR code, once a checkpoint covers it. */
  receiptProof?(seq: number): { qrPayload: string; digest: string } | null;
}

export interface FlowTimings {
  readonly idleResetMs: number;
  readonly insertCardMs: number;
  readonly removeCardMs: number;
  readonly doneDisplayMs: number;
  readonly insertSsCardMs: number;
  readonly takeSsCardMs: number;
}

export const defaultFlowTimings: FlowTimings = {
  idleResetMs: 90_000,
  insertCardMs: 120_000,
  removeCardMs: 30_000,
  doneDisplayMs: 8_000,
  insertSsCardMs: 120_000,
  takeSsCardMs: 60_000,
};

export interface SessionServiceOptions {
  readonly reader: IdCardReaderService;
  readonly ledger: SessionLedger;
  readonly photoDecoder: PhotoDecoder;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly timings?: Partial<FlowTimings>;
  /** With these the flow goes on from the ID card to activating the social-security card. */
  readonly activation?: ActivationDevices;
  /** Test seam for the crash-consistency suite (see compose.ts); a no-op in production. */
  readonly checkpoint?: (point: string) => void;
  /** With this (a camera and verified models), the holder is checked by face after the ID card. */
  readonly face?: FaceCheck;
}

interface OpenSession {
  readonly id: string;
  readonly ref: string;
  /** The only copy of the card's personal data; zeroed and dropped at close. */
  card: IdCardRead | null;
}

export class SessionService {
  private state: FlowState = initialFlowState;
  private session: OpenSession | null = null;
  private readAbort: AbortController | null = null;
  private cancelStepTimer: CancelTimer | null = null;
  private cancelIdleTimer: CancelTimer | null = null;
  private lastActivityAt: number;
  private readonly listeners = new Set<(view: SessionView) => void>();
  private readonly previewListeners = new Set<(preview: FacePreview) => void>();
  private faceAbort: AbortController | null = null;
  private readonly timings: FlowTimings;
  private readonly consentVersion: string;
  private readonly activation: ActivationRunner | null;
  private lastRecordedSeq: number | null = null;

  constructor(private readonly options: SessionServiceOptions) {
    this.timings = { ...defaultFlowTimings, ...options.timings };
    this.lastActivityAt = options.clock.now();
    this.consentVersion = consentTexts[this.state.language].version;
    this.activation = options.activation
      ? new ActivationRunner(
          options.activation,
          {
            dispatch: (event) => {
              this.touch();
              this.dispatch(event);
            },
            record: (kind, body) => this.record(kind, body),
            lastRecordedSeq: () => this.lastRecordedSeq,
            receiptProof: (seq) => options.ledger.receiptProof?.(seq) ?? null,
            idNumber: () => this.session?.card?.text.idNumber ?? null,
            maskedIdNumber: () => this.state.card?.maskedIdNumber ?? '',
            maskedName: () => this.state.card?.maskedName ?? '',
            keyedHash: (value) => options.ledger.idNumberKey(value),
            checkpoint: (point) => options.checkpoint?.(point),
          },
          options.clock,
          options.logger,
        )
      : null;
  }

  view(): SessionView {
    const idle = this.state.screen === 'attract' ? null : Math.max(0, this.lastActivityAt + this.timings.idleResetMs - this.options.clock.now());
    return {
      screen: this.state.screen,
      language: this.state.language,
      sessionRef: this.session?.ref ?? null,
      card: this.state.card,
      problem: this.state.problem,
      staffCalled: this.state.staffCalled,
      consentTextVersion: consentTexts[this.state.language].version,
      idleResetInMs: idle,
      pin: this.state.pin,
      receiptReference: this.state.receiptReference,
      notice: this.state.notice,
      canRetry: this.state.screen === 'card_error' && this.state.retry !== null && this.state.problem !== 'ledger_unavailable',
      face: this.state.face,
    };
  }

  onChange(listener: (view: SessionView) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Camera previews during the face step (small JPEGs for the oval; nothing is kept). */
  onPreview(listener: (preview: FacePreview) => void): () => void {
    this.previewListeners.add(listener);
    return () => this.previewListeners.delete(listener);
  }

  send(intent: SessionIntent): SessionView {
    this.touch();
    this.dispatch({ type: 'intent', intent });
    return this.view();
  }

  /** Ends any open session (app quit); the ledger records it as cancelled. */
  shutdown(): void {
    this.dispatch({ type: 'intent', intent: { type: 'cancel' } });
    this.cancelIdleTimer?.();
  }

  private touch(): void {
    this.lastActivityAt = this.options.clock.now();
    this.cancelIdleTimer?.();
    this.cancelIdleTimer = this.options.clock.setTimer(this.timings.idleResetMs, () => {
      this.cancelIdleTimer = null;
      this.dispatch({ type: 'idle_timeout' });
    });
  }

  private dispatch(event: FlowEvent): void {
    const before = this.state;
    const { state, effects } = transition(this.state, event, { consentTextVersion: this.consentVersion, activation: this.activation !== null, face: this.options.face !== undefined });
    this.state = state;
    let ledgerRefused = false;
    for (const effect of effects) {
      // After a refused entry nothing moves forward, but stopping devices and wiping data always run.
      if (ledgerRefused && !CLEANUP_EFFECTS.has(effect.type)) continue;
      if (!this.run(effect)) ledgerRefused = true;
    }
    if (before !== this.state) this.emit();
  }

  /** Runs one effect; false stops the remaining effects (the ledger refused an entry). */
  private run(effect: FlowEffect): boolean {
    switch (effect.type) {
      case 'open_session':
        this.session = { id: randomBytes(16).toString('hex'), ref: sessionRef(), card: null };
        return true;
      case 'record':
        return this.record(effect.kind, this.recordBody(effect));
      case 'start_card_read':
        this.startCardRead();
        return true;
      case 'stop_card_read':
        this.readAbort?.abort();
        this.readAbort = null;
        return true;
      case 'wait_card_removal':
        this.waitForRemoval();
        return true;
      case 'arm_step_timer':
        this.armStepTimer(effect.step);
        return true;
      case 'clear_step_timer':
        this.cancelStepTimer?.();
        this.cancelStepTimer = null;
        return true;
      case 'close_session':
        this.wipe();
        return true;
      case 'start_face_check':
      case 'stop_face_check':
        this.runFace(effect);
        return true;
      default:
        this.runActivation(effect);
        return true;
    }
  }

  private runActivation(effect: ActivationEffect): void {
    this.activation?.run(effect);
  }

  private runFace(effect: FaceEffect): void {
    this.faceAbort?.abort();
    this.faceAbort = null;
    if (effect.type === 'start_face_check') void this.faceCheck();
  }

  private async faceCheck(): Promise<void> {
    const face = this.options.face;
    const session = this.session;
    const photo = session?.card?.photo;
    if (!face || !session || !photo) return;
    const abort = new AbortController();
    this.faceAbort = abort;
    const decoded = await this.options.photoDecoder.decode(photo);
    if (abort.signal.aborted) return;
    if (decoded.kind !== 'decoded') {
      // Without a usable ID photo there is nothing to compare with: staff check the card instead.
      this.record('face_verified', { outcome: 'unavailable', reason: 'photo_not_decodable', challenges: [], stepMillis: [], models: 'none' });
      this.dispatch({ type: 'face_failed', problem: 'face_photo_unavailable' });
      return;
    }
    try {
      const outcome = await face.run({
        reference: { width: decoded.width, height: decoded.height, bgr: decoded.bgr },
        signal: abort.signal,
        onProgress: (progress) => {
          if (abort.signal.aborted) return;
          this.touch();
          this.dispatch({ type: 'face_progress', progress });
        },
        onPreview: (preview) => {
          if (!abort.signal.aborted) for (const listener of this.previewListeners) listener(preview);
        },
      });
      if (abort.signal.aborted || this.session !== session) return;
      if (!this.record('face_verified', { ...outcome.record })) return;
      this.dispatch(outcome.passed ? { type: 'face_passed' } : { type: 'face_failed', problem: outcome.problem });
    } finally {
      decoded.bgr.fill(0);
      if (this.faceAbort === abort) this.faceAbort = null;
    }
  }

  private recordBody(effect: Extract<FlowEffect, { type: 'record' }>): Record<string, unknown> {
    if (effect.kind === 'consent_given' || effect.kind === 'consent_refused') {
      const text = consentTexts[this.state.language];
      return { ...effect.body, consentTextHash: sha256(JSON.stringify(text)) };
    }
    if (effect.kind === 'session_started') return { ...effect.body, language: this.state.language };
    return { ...effect.body };
  }

  private record(kind: string, body: Record<string, unknown>): boolean {
    if (!this.session) return true;
    const result = this.options.ledger.append({ sessionId: this.session.id, kind, body });
    if (result.ok) {
      const seq = (result.value as { seq?: unknown } | null)?.seq;
      this.lastRecordedSeq = typeof seq === 'number' ? seq : null;
      return true;
    }
    this.options.logger.log('error', 'ledger_append_failed', { code: result.error.code, kind });
    // Re-entrancy is safe: ledger_failed only stops the reader and timers.
    queueMicrotask(() => this.dispatch({ type: 'ledger_failed' }));
    return false;
  }

  private startCardRead(): void {
    this.readAbort?.abort();
    const abort = new AbortController();
    this.readAbort = abort;
    const onCardPresent = () => {
      if (abort.signal.aborted) return;
      this.touch(); // placing a card is activity: the person must not be rushed on the next screen
      this.dispatch({ type: 'card_present' });
    };
    this.options.reader.readCard({ signal: abort.signal, onCardPresent }).then(
      (result) => {
        if (abort.signal.aborted) {
          if (result.ok) zero(result.value);
          return;
        }
        this.touch();
        void this.onCardResult(result);
      },
      (error: unknown) => {
        this.options.logger.log('error', 'id_card_read_threw', { name: error instanceof Error ? error.name : 'unknown' });
        if (!abort.signal.aborted) this.failRead('ID_READER_TIMEOUT');
      },
    );
  }

  private async onCardResult(result: Result<IdCardRead, IdCardError>): Promise<void> {
    if (!result.ok) {
      this.failRead(result.error.code);
      return;
    }
    const read = result.value;
    const session = this.session;
    if (!session) {
      zero(read);
      return;
    }
    const decoded = await this.options.photoDecoder.decode(read.photo);
    if (decoded.kind === 'decoded') decoded.bgr.fill(0); // slice 1 only needs to know it decodes
    const text = read.text;
    const expired = text.validUntil !== 'long-term' && text.validUntil < isoDate(this.options.clock.now());
    const problem: ProblemCode | null = !text.idNumberValid ? 'id_number_invalid' : expired ? 'card_expired' : null;
    const recorded = this.record('id_card_read', {
      cardType: text.cardType,
      idNumberKey: this.options.ledger.idNumberKey(text.idNumber),
      idNumberValid: text.idNumberValid,
      expired,
      photoDecodable: decoded.kind === 'decoded',
      outcome: problem ? 'rejected' : 'ok',
    });
    if (!recorded || this.session !== session || this.readAbort?.signal.aborted) {
      zero(read);
      return;
    }
    if (problem) {
      zero(read);
      this.dispatch({ type: 'card_failed', problem });
      return;
    }
    if (this.options.ledger.recordPerson) {
      // Name and number only: the address is not needed for anything the kiosk does, so it is not kept.
      const person = this.options.ledger.recordPerson({ sessionId: session.id, idNumber: text.idNumber, name: text.name });
      if (!person.ok) {
        this.options.logger.log('error', 'ledger_append_failed', { code: person.error.code, kind: 'person_identified' });
        zero(read);
        this.dispatch({ type: 'ledger_failed' });
        return;
      }
    }
    session.card = read;
    const card: MaskedCard = {
      cardType: text.cardType,
      maskedName: maskName(text.name),
      maskedIdNumber: maskIdNumber(text.idNumber),
      idNumberValid: text.idNumberValid,
      validUntil: text.validUntil,
      expired,
      photoDecodable: decoded.kind === 'decoded',
    };
    this.dispatch({ type: 'card_read', card });
  }

  private failRead(code: string): void {
    this.record('id_card_read_failed', { code });
    this.dispatch({ type: 'card_failed', problem: problemFor(code) });
  }

  private waitForRemoval(): void {
    const abort = new AbortController();
    this.readAbort = abort;
    void this.options.reader.waitForRemoval({ signal: abort.signal }).then((result) => {
      if (abort.signal.aborted) return;
      // Unplugged while waiting: the step timer moves on; there is nothing to wait for.
      if (result.ok) this.dispatch({ type: 'card_removed' });
      else this.options.logger.log('warn', 'card_removal_unknown', { code: result.error.code });
    });
  }

  private armStepTimer(step: StepTimer): void {
    this.cancelStepTimer?.();
    const ms = {
      insert_card: this.timings.insertCardMs,
      remove_card: this.timings.removeCardMs,
      done: this.timings.doneDisplayMs,
      insert_ss_card: this.timings.insertSsCardMs,
      take_ss_card: this.timings.takeSsCardMs,
    }[step];
    this.cancelStepTimer = this.options.clock.setTimer(ms, () => {
      this.cancelStepTimer = null;
      this.dispatch({ type: 'step_timeout' });
    });
  }

  private wipe(): void {
    if (this.session?.card) zero(this.session.card);
    this.session = null;
  }

  private emit(): void {
    const view = this.view();
    for (const listener of this.listeners) listener(view);
  }
}

/** Effects that only stop, release or forget: they run even when the ledger refuses an entry. */
const CLEANUP_EFFECTS: ReadonlySet<FlowEffect['type']> = new Set<FlowEffect['type']>([
  'stop_card_read',
  'clear_step_timer',
  'stop_face_check',
  'stop_ss_card',
  'release_ss_card',
  'close_session',
]);

/** Maps a driver error code to what the person is told. */
export function problemFor(code: string): ProblemCode {
  if (code === 'ID_READER_UNPLUGGED' || code === 'ID_READER_PORT_OPEN_FAILED') return 'reader_unplugged';
  if (code === 'ID_CARD_REMOVED') return 'card_removed_early';
  if (code === 'ID_CARD_UNSUPPORTED_LAYOUT' || code === 'SAM_STATUS_40') return 'card_not_supported';
  if (code === 'SAM_STATUS_60' || code === 'SAM_STATUS_66' || code === 'SAM_STATUS_61') return 'reader_fault';
  return 'card_unreadable';
}

function zero(read: IdCardRead): void {
  read.photo.fill(0);
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Eight characters from an alphabet without look-alikes, read out to staff over the phone. */
function sessionRef(): string {
  const alphabet = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
  return Array.from(randomBytes(8), (byte) => alphabet[byte % alphabet.length]).join('');
}
