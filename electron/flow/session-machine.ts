// Runs anywhere (pure). The first part of the guided flow as an explicit state machine:
// attract → language → consent → insert card → read → masked data → remove card → done,
// with refusal leading to staff (never to a dead end), step timeouts, idle reset and cancel.
// The machine holds no PII: it sees only the masked card. The session service (Node) runs the
// effects it returns (ledger entries, starting/stopping the reader, wiping, timers).
import type { FaceProgress, Language, MaskedCard, Notice, PinPrompt, ProblemCode, Screen, SessionIntent } from '../contract/contract';
import { onActivationEvent, type ActivationEvent, type ActivationEffect } from './activation-steps';
import { onFaceEvent, startFaceCheck, type FaceEffect, type FaceEvent } from './face-steps';

export type SessionOutcome = 'completed' | 'cancelled' | 'timeout' | 'idle_reset' | 'staff_called';

/** Where "try again" goes from the error screen; null when only staff can help. */
export type RetryTarget = 'id_card' | 'ss_card' | 'pin' | 'face' | null;

export interface FlowState {
  readonly screen: Screen;
  readonly language: Language;
  readonly sessionActive: boolean;
  readonly card: MaskedCard | null;
  readonly problem: ProblemCode | null;
  readonly staffCalled: boolean;
  readonly retry: RetryTarget;
  readonly pin: PinPrompt | null;
  readonly receiptReference: string | null;
  readonly notice: Notice | null;
  readonly face: FaceProgress | null;
  readonly faceAttempts: number;
}

export interface FlowContext {
  readonly consentTextVersion: string;
  /** With a social-security card reader, PIN pad and host configured, the flow goes on to activation. */
  readonly activation: boolean;
  /** With a camera and verified face models, the holder is checked by face after the ID card. */
  readonly face?: boolean;
}

export type FlowEvent =
  | { readonly type: 'intent'; readonly intent: SessionIntent }
  | { readonly type: 'card_present' }
  | { readonly type: 'card_read'; readonly card: MaskedCard }
  | { readonly type: 'card_failed'; readonly problem: ProblemCode }
  | { readonly type: 'card_removed' }
  | { readonly type: 'step_timeout' }
  | { readonly type: 'idle_timeout' }
  | { readonly type: 'ledger_failed' }
  | ActivationEvent
  | FaceEvent;

export type RecordedKind = 'session_started' | 'consent_given' | 'consent_refused' | 'staff_called' | 'session_ended';

export type FlowEffect =
  | { readonly type: 'open_session' }
  | { readonly type: 'record'; readonly kind: RecordedKind; readonly body: Readonly<Record<string, string | boolean>> }
  | { readonly type: 'start_card_read' }
  | { readonly type: 'stop_card_read' }
  | { readonly type: 'wait_card_removal' }
  | { readonly type: 'arm_step_timer'; readonly step: StepTimer }
  | { readonly type: 'clear_step_timer' }
  /** Drops every piece of personal data the service holds for this session. */
  | { readonly type: 'close_session'; readonly outcome: SessionOutcome }
  | ActivationEffect
  | FaceEffect;

export type StepTimer = 'insert_card' | 'remove_card' | 'done' | 'insert_ss_card' | 'take_ss_card';

export interface Transition {
  readonly state: FlowState;
  readonly effects: readonly FlowEffect[];
}

export const initialFlowState: FlowState = {
  screen: 'attract',
  language: 'zh-CN',
  sessionActive: false,
  card: null,
  problem: null,
  staffCalled: false,
  retry: null,
  pin: null,
  receiptReference: null,
  notice: null,
  face: null,
  faceAttempts: 0,
};

const ALTERNATIVE = 'staff_verification';

function stay(state: FlowState): Transition {
  return { state, effects: [] };
}

export function end(state: FlowState, outcome: SessionOutcome, extra: FlowEffect[] = []): Transition {
  const effects: FlowEffect[] = [...extra, { type: 'stop_card_read' }, { type: 'clear_step_timer' }, { type: 'stop_face_check' }, { type: 'release_ss_card' }];
  if (state.sessionActive) {
    effects.push({ type: 'record', kind: 'session_ended', body: { outcome } }, { type: 'close_session', outcome });
  }
  return { state: initialFlowState, effects };
}

/** Screens where the kiosk is talking to the card or the bank: nobody may cut that short. */
const BUSY_SCREENS: ReadonlySet<Screen> = new Set(['activating', 'printing']);

/** The whole flow: one pure function from (state, event) to (state, effects). */
export function transition(state: FlowState, event: FlowEvent, context: FlowContext): Transition {
  const consentTextVersion = context.consentTextVersion;
  switch (event.type) {
    case 'idle_timeout':
      if (BUSY_SCREENS.has(state.screen)) return stay(state);
      return state.screen === 'attract' ? stay(state) : end(state, 'idle_reset');
    case 'ledger_failed':
      // Without a ledger nothing may proceed; staff are fetched and the person is told why.
      return {
        state: { ...state, screen: 'card_error', problem: 'ledger_unavailable', staffCalled: true, retry: null },
        effects: [{ type: 'stop_card_read' }, { type: 'clear_step_timer' }],
      };
    case 'intent':
      return onIntent(state, event.intent, context);
    case 'card_present':
      return state.screen === 'insert_card' ? stay({ ...state, screen: 'reading_card' }) : stay(state);
    case 'card_read':
      if (state.screen !== 'insert_card' && state.screen !== 'reading_card') return stay(state);
      return {
        state: { ...state, screen: 'card_result', card: event.card, problem: null },
        effects: [{ type: 'clear_step_timer' }],
      };
    case 'card_failed':
      if (state.screen !== 'insert_card' && state.screen !== 'reading_card') return stay(state);
      return {
        state: { ...state, screen: 'card_error', problem: event.problem, retry: 'id_card' },
        effects: [{ type: 'clear_step_timer' }],
      };
    case 'card_removed':
      if (state.screen !== 'remove_card') return stay(state);
      return afterIdCard(state, context);
    case 'step_timeout':
      switch (state.screen) {
        case 'insert_card':
          return {
            state: { ...state, screen: 'card_error', problem: 'took_too_long', retry: 'id_card' },
            effects: [{ type: 'stop_card_read' }],
          };
        // A reader that cannot tell us the card left must not keep the person waiting forever.
        case 'remove_card':
          return afterIdCard(state, context);
        case 'insert_ss_card':
          return {
            state: { ...state, screen: 'card_error', problem: 'took_too_long', retry: 'ss_card' },
            effects: [{ type: 'stop_ss_card' }],
          };
        case 'take_ss_card':
          return toDone(state);
        case 'done':
          return { state: initialFlowState, effects: [] };
        default:
          return stay(state);
      }
    case 'ss_card_removed':
      return state.screen === 'take_ss_card' ? toDone(state) : stay(state);
    case 'face_progress':
    case 'face_passed':
    case 'face_failed':
      return onFaceEvent(state, event, (passed) => afterFace(passed, context));
    default:
      return onActivationEvent(state, event);
  }
}

/** The ID card is back with its owner: the face check where there is one, then the job itself. */
function afterIdCard(state: FlowState, context: FlowContext): Transition {
  return context.face ? startFaceCheck(state) : afterFace(state, context);
}

function afterFace(state: FlowState, context: FlowContext): Transition {
  return context.activation ? toInsertSsCard(state) : toDone(state);
}

export function toInsertSsCard(state: FlowState): Transition {
  return {
    state: { ...state, screen: 'insert_ss_card', problem: null, retry: null },
    effects: [{ type: 'clear_step_timer' }, { type: 'start_ss_card_read' }, { type: 'arm_step_timer', step: 'insert_ss_card' }],
  };
}

export function toDone(state: FlowState): Transition {
  return {
    state: { ...initialFlowState, screen: 'done', language: state.language, receiptReference: state.receiptReference, notice: state.notice },
    effects: [
      { type: 'clear_step_timer' },
      { type: 'record', kind: 'session_ended', body: { outcome: 'completed' } },
      { type: 'close_session', outcome: 'completed' },
      { type: 'arm_step_timer', step: 'done' },
    ],
  };
}

function onIntent(state: FlowState, intent: SessionIntent, context: FlowContext): Transition {
  const consentTextVersion = context.consentTextVersion;
  switch (intent.type) {
    case 'still_here':
      return stay(state);
    case 'cancel':
      if (BUSY_SCREENS.has(state.screen)) return stay(state);
      return state.screen === 'attract' ? stay(state) : end(state, 'cancelled');
    case 'call_staff':
      if (state.staffCalled || !state.sessionActive) {
        // On the attract screen a call still reaches staff, but there is no session to record it in.
        return stay({ ...state, staffCalled: true });
      }
      return {
        state: { ...state, staffCalled: true },
        effects: [{ type: 'record', kind: 'staff_called', body: { screen: state.screen } }],
      };
    case 'begin':
      if (state.screen !== 'attract' && state.screen !== 'done') return stay(state);
      return {
        state: { ...initialFlowState, screen: 'language', sessionActive: true },
        effects: [
          { type: 'clear_step_timer' },
          { type: 'open_session' },
          { type: 'record', kind: 'session_started', body: { flow: context.activation ? 'card_activation' : 'id_check' } },
        ],
      };
    case 'choose_language':
      if (state.screen !== 'language') return stay(state);
      return { state: { ...state, language: intent.language, screen: 'consent' }, effects: [] };
    case 'consent': {
      if (state.screen !== 'consent') return stay(state);
      // A stale screen must not record agreement to a text that is no longer the one in force.
      if (intent.consentTextVersion !== consentTextVersion) return stay(state);
      const body = { consentTextVersion, language: state.language, alternativeOffered: ALTERNATIVE };
      if (intent.accepted) {
        return {
          state: { ...state, screen: 'insert_card' },
          effects: [
            { type: 'record', kind: 'consent_given', body },
            { type: 'start_card_read' },
            { type: 'arm_step_timer', step: 'insert_card' },
          ],
        };
      }
      return {
        state: { ...state, screen: 'alternative', staffCalled: true },
        effects: [
          { type: 'record', kind: 'consent_refused', body },
          { type: 'record', kind: 'staff_called', body: { screen: 'consent' } },
        ],
      };
    }
    case 'retry':
      if (state.screen !== 'card_error' || state.problem === 'ledger_unavailable' || state.retry === null) return stay(state);
      if (state.retry === 'ss_card') return toInsertSsCard(state);
      if (state.retry === 'face') return startFaceCheck(state);
      if (state.retry === 'pin') {
        return {
          state: { ...state, screen: 'pin_entry', problem: null, retry: null, pin: { purpose: 'current', digitsEntered: 0, length: 6, triesLeft: state.pin?.triesLeft ?? null } },
          effects: [{ type: 'prompt_pin', purpose: 'current' }],
        };
      }
      return {
        state: { ...state, screen: 'insert_card', problem: null, card: null, retry: null },
        effects: [{ type: 'stop_card_read' }, { type: 'start_card_read' }, { type: 'arm_step_timer', step: 'insert_card' }],
      };
    case 'confirm_card':
      if (state.screen !== 'card_result') return stay(state);
      return {
        state: { ...state, screen: 'remove_card' },
        effects: [{ type: 'wait_card_removal' }, { type: 'arm_step_timer', step: 'remove_card' }],
      };
  }
}
