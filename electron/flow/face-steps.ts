// Runs anywhere (pure). The face step: after the ID card, with consent already given, the person
// follows spoken challenges and is matched against the ID photo. A pass goes on with the flow; a
// failure gets a plain reason and one more try where trying again can help; after that — or when
// it cannot help (no usable ID photo, no camera, another person) — staff take over with the
// non-biometric check. Nobody is refused for a face that does not match.
import type { FaceProgress, ProblemCode } from '../contract/contract';
import type { FlowState, Transition } from './session-machine';

export type FaceEvent =
  | { readonly type: 'face_progress'; readonly progress: FaceProgress }
  | { readonly type: 'face_passed' }
  | { readonly type: 'face_failed'; readonly problem: ProblemCode };

export type FaceEffect = { readonly type: 'start_face_check' } | { readonly type: 'stop_face_check' };

/** Failures that another try cannot fix: the kiosk hands over at once. */
const NOT_RETRYABLE: ReadonlySet<ProblemCode> = new Set<ProblemCode>(['face_photo_unavailable', 'camera_unavailable', 'face_no_match']);
export const FACE_ATTEMPTS = 2;

export function startFaceCheck(state: FlowState): Transition {
  return {
    state: { ...state, screen: 'face_check', problem: null, retry: null, face: { phase: 'positioning', challenge: null, step: 0, steps: 0, hint: 'none' } },
    effects: [{ type: 'clear_step_timer' }, { type: 'start_face_check' }],
  };
}

export function onFaceEvent(state: FlowState, event: FaceEvent, next: (state: FlowState) => Transition): Transition {
  if (state.screen !== 'face_check') return { state, effects: [] };
  switch (event.type) {
    case 'face_progress':
      return { state: { ...state, face: event.progress }, effects: [] };
    case 'face_passed':
      return next({ ...state, face: null, faceAttempts: 0 });
    case 'face_failed': {
      const attempts = state.faceAttempts + 1;
      const retryable = !NOT_RETRYABLE.has(event.problem) && attempts < FACE_ATTEMPTS;
      return {
        state: { ...state, screen: 'card_error', problem: event.problem, face: null, faceAttempts: attempts, retry: retryable ? 'face' : null, staffCalled: state.staffCalled || !retryable },
        effects: [
          { type: 'stop_face_check' },
          ...(retryable || state.staffCalled ? [] : [{ type: 'record' as const, kind: 'staff_called' as const, body: { screen: 'face_check' } }]),
        ],
      };
    }
  }
}
