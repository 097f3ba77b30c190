import { describe, expect, it } from 'vitest';
import { initialFlowState, type FlowEvent, type FlowState } from '../../../electron/flow/session-machine';
import { intent, runFlow } from '../../helpers/flow';
import type { MaskedCard } from '../../../electron/contract/contract';

const card: MaskedCard = { cardType: 'resident', maskedName: '测**', maskedIdNumber: '1101********002X', idNumberValid: true, validUntil: 'long-term', expired: false, photoDecodable: true };

function run(events: FlowEvent[], context = { consentTextVersion: 'v', activation: true, face: true }, from: FlowState = initialFlowState) {
  return runFlow(events, context, from);
}

const toFace: FlowEvent[] = [
  intent({ type: 'begin' }),
  intent({ type: 'choose_language', language: 'zh-CN' }),
  intent({ type: 'consent', accepted: true, consentTextVersion: 'v' }),
  { type: 'card_read', card },
  intent({ type: 'confirm_card' }),
  { type: 'card_removed' },
];

describe('face step', () => {
  it('comes after the ID card and, when passed, goes on to the social-security card', () => {
    const atFace = run(toFace);
    expect(atFace.state.screen).toBe('face_check');
    expect(atFace.effects).toContainEqual({ type: 'start_face_check' });
    const progressed = run([{ type: 'face_progress', progress: { phase: 'challenge', challenge: 'turn_left', step: 1, steps: 2, hint: 'none' } }], undefined, atFace.state);
    expect(progressed.state.face).toMatchObject({ challenge: 'turn_left', step: 1 });
    expect(run([{ type: 'face_passed' }], undefined, progressed.state).state.screen).toBe('insert_ss_card');
  });

  it('is skipped where there is no camera', () => {
    expect(run(toFace, { consentTextVersion: 'v', activation: true, face: false }).state.screen).toBe('insert_ss_card');
  });

  it('gives one more try where trying again can help, then hands over to staff with the reason', () => {
    const first = run([...toFace, { type: 'face_failed', problem: 'face_too_dark' }]);
    expect(first.state).toMatchObject({ screen: 'card_error', problem: 'face_too_dark', retry: 'face', staffCalled: false });
    const retried = run([intent({ type: 'retry' })], undefined, first.state);
    expect(retried.state.screen).toBe('face_check');
    const second = run([{ type: 'face_failed', problem: 'face_not_followed' }], undefined, retried.state);
    expect(second.state).toMatchObject({ screen: 'card_error', problem: 'face_not_followed', retry: null, staffCalled: true });
    expect(second.effects).toContainEqual({ type: 'record', kind: 'staff_called', body: { screen: 'face_check' } });
  });

  it('sends a face that does not match, or a missing ID photo, to staff at once — never a refusal', () => {
    for (const problem of ['face_no_match', 'face_photo_unavailable', 'camera_unavailable'] as const) {
      const { state, effects } = run([...toFace, { type: 'face_failed', problem }]);
      expect(state).toMatchObject({ screen: 'card_error', problem, retry: null, staffCalled: true });
      expect(effects.some((e) => e.type === 'close_session')).toBe(false);
    }
  });

  it('stops the camera when the session ends', () => {
    expect(run([...toFace, intent({ type: 'cancel' })]).effects).toContainEqual({ type: 'stop_face_check' });
  });
});
