import { describe, expect, it } from 'vitest';
import { initialFlowState, type FlowEvent, type FlowState, type FlowEffect } from '../../../electron/flow/session-machine';
import { intent, runFlow } from '../../helpers/flow';
import type { MaskedCard } from '../../../electron/contract/contract';

const V = 'v-test';
const idCheck = { consentTextVersion: V, activation: false };
const card: MaskedCard = { cardType: 'resident', maskedName: '测**', maskedIdNumber: '1101********002X', idNumberValid: true, validUntil: 'long-term', expired: false, photoDecodable: false };

function run(events: FlowEvent[], from: FlowState = initialFlowState) {
  return runFlow(events, idCheck, from);
}

const toConsent = [intent({ type: 'begin' }), intent({ type: 'choose_language', language: 'zh-CN' })];
const kinds = (effects: FlowEffect[]) => effects.flatMap((e) => (e.type === 'record' ? [e.kind] : []));

describe('session machine', () => {
  it('walks the happy path and records each step', () => {
    const { state, effects } = run([
      ...toConsent,
      intent({ type: 'consent', accepted: true, consentTextVersion: V }),
      { type: 'card_present' },
      { type: 'card_read', card },
      intent({ type: 'confirm_card' }),
      { type: 'card_removed' },
    ]);
    expect(state.screen).toBe('done');
    expect(state.card).toBeNull();
    expect(kinds(effects)).toEqual(['session_started', 'consent_given', 'session_ended']);
    expect(effects.some((e) => e.type === 'close_session' && e.outcome === 'completed')).toBe(true);
  });

  it('starts no card read when consent is refused, and routes to staff', () => {
    const { state, effects } = run([...toConsent, intent({ type: 'consent', accepted: false, consentTextVersion: V })]);
    expect(state.screen).toBe('alternative');
    expect(state.staffCalled).toBe(true);
    expect(effects.some((e) => e.type === 'start_card_read')).toBe(false);
    expect(kinds(effects)).toEqual(['session_started', 'consent_refused', 'staff_called']);
  });

  it('ignores consent given to a text version that is no longer in force', () => {
    const { state, effects } = run([...toConsent, intent({ type: 'consent', accepted: true, consentTextVersion: 'old' })]);
    expect(state.screen).toBe('consent');
    expect(effects.some((e) => e.type === 'start_card_read')).toBe(false);
  });

  it('resets on idle from any screen, ending the session and wiping', () => {
    const { state, effects } = run([...toConsent, intent({ type: 'consent', accepted: true, consentTextVersion: V }), { type: 'card_read', card }, { type: 'idle_timeout' }]);
    expect(state).toEqual(initialFlowState);
    expect(effects.some((e) => e.type === 'close_session' && e.outcome === 'idle_reset')).toBe(true);
    expect(effects.some((e) => e.type === 'stop_card_read')).toBe(true);
  });

  it('treats idle on the attract screen as nothing', () => {
    expect(run([{ type: 'idle_timeout' }]).effects).toEqual([]);
  });

  it('offers retry after a failed read and a timeout on the insert step', () => {
    const failed = run([...toConsent, intent({ type: 'consent', accepted: true, consentTextVersion: V }), { type: 'card_failed', problem: 'card_unreadable' }]);
    expect(failed.state.screen).toBe('card_error');
    const retried = run([intent({ type: 'retry' })], failed.state);
    expect(retried.state.screen).toBe('insert_card');
    expect(retried.effects.map((e) => e.type)).toContain('start_card_read');
    const timedOut = run([{ type: 'step_timeout' }], retried.state);
    expect(timedOut.state.problem).toBe('took_too_long');
  });

  it('cancels from mid-flow to attract with a session_ended entry', () => {
    const { state, effects } = run([...toConsent, intent({ type: 'cancel' })]);
    expect(state.screen).toBe('attract');
    expect(effects.filter((e) => e.type === 'record').at(-1)).toMatchObject({ kind: 'session_ended', body: { outcome: 'cancelled' } });
  });

  it('records a staff call once per session', () => {
    const { effects } = run([...toConsent, intent({ type: 'call_staff' }), intent({ type: 'call_staff' })]);
    expect(kinds(effects).filter((k) => k === 'staff_called')).toHaveLength(1);
  });

  it('stops everything when the ledger fails, and offers no retry', () => {
    const { state } = run([...toConsent, intent({ type: 'consent', accepted: true, consentTextVersion: V }), { type: 'ledger_failed' }, intent({ type: 'retry' })]);
    expect(state.screen).toBe('card_error');
    expect(state.problem).toBe('ledger_unavailable');
    expect(state.staffCalled).toBe(true);
  });

  it('ignores device events that arrive on the wrong screen', () => {
    const { state } = run([{ type: 'card_read', card }, { type: 'card_removed' }]);
    expect(state).toEqual(initialFlowState);
  });
});
