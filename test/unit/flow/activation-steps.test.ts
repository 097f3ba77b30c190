import { describe, expect, it } from 'vitest';
import { initialFlowState, type FlowEffect, type FlowEvent, type FlowState } from '../../../electron/flow/session-machine';
import { intent, runFlow } from '../../helpers/flow';
import type { MaskedCard } from '../../../electron/contract/contract';

const context = { consentTextVersion: 'v', activation: true };
const card: MaskedCard = { cardType: 'resident', maskedName: '测**', maskedIdNumber: '1101********002X', idNumberValid: true, validUntil: 'long-term', expired: false, photoDecodable: false };

function run(events: FlowEvent[], from: FlowState = initialFlowState) {
  return runFlow(events, context, from);
}

const toSsCard: FlowEvent[] = [
  intent({ type: 'begin' }),
  intent({ type: 'choose_language', language: 'zh-CN' }),
  intent({ type: 'consent', accepted: true, consentTextVersion: 'v' }),
  { type: 'card_read', card },
  intent({ type: 'confirm_card' }),
  { type: 'card_removed' },
];
const toPin: FlowEvent[] = [...toSsCard, { type: 'ss_card_present' }, { type: 'ss_card_read', holderMatches: true }];
const pinsEntered: FlowEvent[] = [
  { type: 'pin_entered', purpose: 'current' },
  { type: 'pin_entered', purpose: 'new' },
  { type: 'pin_entered', purpose: 'confirm' },
];
const types = (effects: FlowEffect[]) => effects.map((e) => e.type);

describe('activation steps', () => {
  it('goes from the ID card to the social-security card, then PINs, host, receipt, card back', () => {
    const atSsCard = run(toSsCard);
    expect(atSsCard.state.screen).toBe('insert_ss_card');
    expect(types(atSsCard.effects)).toContain('start_ss_card_read');
    const atPin = run(toPin);
    expect(atPin.state).toMatchObject({ screen: 'pin_entry', pin: { purpose: 'current', digitsEntered: 0, length: 6 } });
    const keyed = run([{ type: 'pin_key', count: 3 }], atPin.state);
    expect(keyed.state.pin!.digitsEntered).toBe(3);
    const changing = run(pinsEntered, atPin.state);
    expect(changing.state.screen).toBe('activating');
    expect(changing.effects.filter((e) => e.type === 'prompt_pin').map((e) => (e as { purpose: string }).purpose)).toEqual(['new', 'confirm']);
    expect(types(changing.effects)).toContain('change_pin');
    const done = run([{ type: 'pin_changed' }, { type: 'activation_done', receiptReference: 'K7Q2-9MXA' }, { type: 'printed' }, { type: 'ss_card_removed' }], changing.state);
    expect(done.state).toMatchObject({ screen: 'done', receiptReference: 'K7Q2-9MXA', notice: null });
    expect(types(done.effects)).toEqual(expect.arrayContaining(['request_activation', 'print_receipt', 'eject_ss_card', 'close_session']));
  });

  it('sends a card of someone else to staff, never to the PIN pad', () => {
    const { state, effects } = run([...toSsCard, { type: 'ss_card_read', holderMatches: false }]);
    expect(state).toMatchObject({ screen: 'card_error', problem: 'holder_mismatch', staffCalled: true, retry: null });
    expect(types(effects)).not.toContain('prompt_pin');
    expect(types(effects)).toContain('eject_ss_card');
  });

  it('asks again after a wrong current PIN, with the tries left, and sends a blocked PIN to staff', () => {
    const changing = run([...toPin, ...pinsEntered]);
    const wrong = run([{ type: 'pin_change_failed', problem: 'pin_wrong', triesLeft: 2 }], changing.state);
    expect(wrong.state).toMatchObject({ screen: 'pin_entry', problem: 'pin_wrong', pin: { purpose: 'current', triesLeft: 2 } });
    const again = run([...pinsEntered, { type: 'pin_change_failed', problem: 'pin_blocked' }], wrong.state);
    expect(again.state).toMatchObject({ screen: 'card_error', problem: 'pin_blocked', staffCalled: true, retry: null });
  });

  it('asks for the new PIN again when the confirmation differs', () => {
    const { state, effects } = run([...toPin, { type: 'pin_entered', purpose: 'current' }, { type: 'pin_entered', purpose: 'new' }, { type: 'pin_confirm_mismatch' }]);
    expect(state).toMatchObject({ screen: 'pin_entry', problem: 'pin_confirm_mismatch', pin: { purpose: 'new' } });
    expect(effects.at(-1)).toEqual({ type: 'prompt_pin', purpose: 'new' });
  });

  it('cannot be cancelled or idle-reset while the bank is being asked', () => {
    const activating = run([...toPin, ...pinsEntered, { type: 'pin_changed' }]).state;
    expect(run([intent({ type: 'cancel' }), { type: 'idle_timeout' }], activating).state.screen).toBe('activating');
  });

  it('finishes with staff told when the receipt cannot print', () => {
    const printing = run([...toPin, ...pinsEntered, { type: 'pin_changed' }, { type: 'activation_done', receiptReference: 'R' }]).state;
    const { state, effects } = run([{ type: 'print_failed' }], printing);
    expect(state).toMatchObject({ screen: 'take_ss_card', notice: 'receipt_not_printed', staffCalled: true });
    expect(effects).toContainEqual({ type: 'record', kind: 'staff_called', body: { screen: 'printing' } });
    expect(run([{ type: 'ss_card_removed' }], state).state).toMatchObject({ screen: 'done', notice: 'receipt_not_printed' });
  });

  it('retries a failed card read at the card, and a cancelled PIN entry at the PIN', () => {
    const failed = run([...toSsCard, { type: 'ss_card_failed', problem: 'ss_card_unreadable' }]).state;
    expect(run([intent({ type: 'retry' })], failed).state.screen).toBe('insert_ss_card');
    const cancelled = run([...toPin, { type: 'pin_failed', problem: 'pin_entry_cancelled' }]).state;
    const retried = run([intent({ type: 'retry' })], cancelled);
    expect(retried.state.screen).toBe('pin_entry');
    expect(retried.effects).toContainEqual({ type: 'prompt_pin', purpose: 'current' });
  });

  it('hands the card back on any session end', () => {
    const { effects } = run([...toPin, intent({ type: 'cancel' })]);
    expect(types(effects)).toContain('release_ss_card');
  });
});
