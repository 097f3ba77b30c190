// Runs anywhere (pure). The activation part of the flow, after the ID card is confirmed:
// social-security card in → holder check → current PIN → new PIN twice → card changes its PIN →
// the bank activates → receipt → card back. The machine sees outcomes only: the card's data and
// the PIN blocks stay in the session service, and every outcome is in the ledger before the
// service reports it here.
import type { PinPrompt, ProblemCode } from '../contract/contract';
import type { FlowState, Transition } from './session-machine';

export type PinPurpose = PinPrompt['purpose'];

export type ActivationEvent =
  | { readonly type: 'ss_card_present' }
  | { readonly type: 'ss_card_read'; readonly holderMatches: boolean }
  | { readonly type: 'ss_card_failed'; readonly problem: ProblemCode }
  | { readonly type: 'pin_key'; readonly count: number }
  | { readonly type: 'pin_entered'; readonly purpose: PinPurpose }
  | { readonly type: 'pin_confirm_mismatch' }
  | { readonly type: 'pin_failed'; readonly problem: ProblemCode }
  | { readonly type: 'pin_changed' }
  | { readonly type: 'pin_change_failed'; readonly problem: 'pin_wrong'; readonly triesLeft: number }
  | { readonly type: 'pin_change_failed'; readonly problem: 'pin_blocked' | 'ss_card_removed_early' | 'ss_card_unreadable' }
  | { readonly type: 'activation_done'; readonly receiptReference: string }
  | { readonly type: 'activation_failed'; readonly problem: 'host_rejected' | 'host_unavailable' }
  | { readonly type: 'printed' }
  | { readonly type: 'print_failed' }
  | { readonly type: 'ss_card_removed' };

export type ActivationEffect =
  | { readonly type: 'start_ss_card_read' }
  | { readonly type: 'stop_ss_card' }
  | { readonly type: 'prompt_pin'; readonly purpose: PinPurpose }
  /** The service sends CHANGE PIN, then (on success) asks the host to activate. */
  | { readonly type: 'change_pin' }
  | { readonly type: 'request_activation' }
  | { readonly type: 'print_receipt' }
  | { readonly type: 'eject_ss_card' }
  /** Session end: power the card down and hand it back, whatever step the flow was at. */
  | { readonly type: 'release_ss_card' };

const PIN_LENGTH = 6;

function prompt(purpose: PinPurpose, triesLeft: number | null = null): PinPrompt {
  return { purpose, digitsEntered: 0, length: PIN_LENGTH, triesLeft };
}

function toStaff(state: FlowState, problem: ProblemCode): Transition {
  return {
    state: { ...state, screen: 'card_error', problem, retry: null, staffCalled: true, pin: null },
    effects: [
      { type: 'clear_step_timer' },
      { type: 'eject_ss_card' },
      { type: 'record', kind: 'staff_called', body: { screen: state.screen } },
    ],
  };
}

export function onActivationEvent(state: FlowState, event: ActivationEvent): Transition {
  const stay = { state, effects: [] };
  switch (event.type) {
    case 'ss_card_present':
      return state.screen === 'insert_ss_card' ? { state: { ...state, screen: 'reading_ss_card' }, effects: [{ type: 'clear_step_timer' }] } : stay;
    case 'ss_card_read':
      if (state.screen !== 'insert_ss_card' && state.screen !== 'reading_ss_card') return stay;
      // A card of someone else is never activated here: staff sort it out with the person.
      if (!event.holderMatches) return toStaff(state, 'holder_mismatch');
      return {
        state: { ...state, screen: 'pin_entry', problem: null, pin: prompt('current') },
        effects: [{ type: 'clear_step_timer' }, { type: 'prompt_pin', purpose: 'current' }],
      };
    case 'ss_card_failed':
      if (state.screen !== 'insert_ss_card' && state.screen !== 'reading_ss_card') return stay;
      return { state: { ...state, screen: 'card_error', problem: event.problem, retry: 'ss_card' }, effects: [{ type: 'clear_step_timer' }] };
    case 'pin_key':
      if (state.screen !== 'pin_entry' || !state.pin) return stay;
      return { state: { ...state, pin: { ...state.pin, digitsEntered: Math.min(event.count, state.pin.length) } }, effects: [] };
    case 'pin_entered': {
      if (state.screen !== 'pin_entry' || state.pin?.purpose !== event.purpose) return stay;
      if (event.purpose === 'current') {
        return { state: { ...state, problem: null, pin: prompt('new', state.pin.triesLeft) }, effects: [{ type: 'prompt_pin', purpose: 'new' }] };
      }
      if (event.purpose === 'new') {
        return { state: { ...state, problem: null, pin: prompt('confirm', state.pin.triesLeft) }, effects: [{ type: 'prompt_pin', purpose: 'confirm' }] };
      }
      return { state: { ...state, screen: 'activating', problem: null, pin: null }, effects: [{ type: 'change_pin' }] };
    }
    case 'pin_confirm_mismatch':
      if (state.screen !== 'pin_entry') return stay;
      // The two new PINs differ: ask for the new one again, saying why.
      return { state: { ...state, problem: 'pin_confirm_mismatch', pin: prompt('new', state.pin?.triesLeft ?? null) }, effects: [{ type: 'prompt_pin', purpose: 'new' }] };
    case 'pin_failed':
      if (state.screen !== 'pin_entry') return stay;
      return { state: { ...state, screen: 'card_error', problem: event.problem, retry: 'pin' }, effects: [] };
    case 'pin_changed':
      return state.screen === 'activating' ? { state, effects: [{ type: 'request_activation' }] } : stay;
    case 'pin_change_failed':
      if (state.screen !== 'activating') return stay;
      if (event.problem === 'pin_wrong') {
        return {
          state: { ...state, screen: 'pin_entry', problem: 'pin_wrong', pin: prompt('current', event.triesLeft) },
          effects: [{ type: 'prompt_pin', purpose: 'current' }],
        };
      }
      if (event.problem === 'pin_blocked') return toStaff(state, 'pin_blocked');
      return { state: { ...state, screen: 'card_error', problem: event.problem, retry: 'ss_card' }, effects: [] };
    case 'activation_done':
      if (state.screen !== 'activating') return stay;
      return { state: { ...state, screen: 'printing', receiptReference: event.receiptReference }, effects: [{ type: 'print_receipt' }] };
    case 'activation_failed':
      if (state.screen !== 'activating') return stay;
      return toStaff(state, event.problem);
    case 'printed':
    case 'print_failed': {
      if (state.screen !== 'printing') return stay;
      const next: Transition = {
        state: { ...state, screen: 'take_ss_card', notice: event.type === 'print_failed' ? 'receipt_not_printed' : null },
        effects: [{ type: 'eject_ss_card' }, { type: 'arm_step_timer', step: 'take_ss_card' }],
      };
      if (event.type === 'printed') return next;
      // The card is activated all the same; staff print the receipt by hand.
      return {
        state: { ...next.state, staffCalled: true },
        effects: [...next.effects, ...(state.staffCalled ? [] : [{ type: 'record' as const, kind: 'staff_called' as const, body: { screen: 'printing' } }])],
      };
    }
    case 'ss_card_removed':
      // Handled by the session machine, which owns the end of a session.
      return stay;
  }
}
