// The liveness state machine on synthetic observation streams: no models, no video, manual time.
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../native/common/clock';
import { BlinkCounter, LivenessSession, parseChallenges, type Challenge, type LivenessConfig } from '../../../native/face/common/liveness-session';
import { seededRandom } from '../../../native/face/common/random';
import { face, frame, type SyntheticFace } from './observations';

const FRAME_MS = 40;

/** Feeds a scripted stream: each entry is a face spec (or null for no face, or an array for several). */
function run(
  script: (SyntheticFace | SyntheticFace[] | null)[],
  config: Partial<LivenessConfig>,
  options: { frozen?: boolean } = {},
) {
  const clock = new ManualClock(1_000);
  const session = new LivenessSession({ clock, random: seededRandom(7), config });
  script.forEach((spec, index) => {
    if (session.outcome()) return;
    const faces = spec === null ? [] : (Array.isArray(spec) ? spec : [spec]).map((s) => face(options.frozen ? { ...s, jitter: 0 } : s, options.frozen ? 0 : index));
    session.feed(frame(clock.now(), faces, options.frozen ? 0 : 5));
    clock.advance(FRAME_MS);
  });
  return { session, clock };
}

const neutral = (frames: number): SyntheticFace[] => Array.from({ length: frames }, () => ({ yaw: 1, pitch: 2 }));
const turn = (yaw: number, frames: number): SyntheticFace[] => Array.from({ length: frames }, () => ({ yaw, pitch: 2 }));
const blink = (): SyntheticFace[] => [{ eyes: 0.3 }, { eyes: 0.08 }, { eyes: 0.06 }, { eyes: 0.3 }, { eyes: 0.31 }];

describe('LivenessSession', () => {
  it('is live when the person turns to their left, then right, relative to their own neutral pose', () => {
    const { session } = run([...neutral(8), ...turn(12, 4), ...neutral(4), ...turn(-10, 4), ...neutral(2)], { challenges: ['turn_left', 'turn_right'] });
    const outcome = session.outcome();
    expect(outcome?.outcome).toBe('live');
    expect(outcome?.steps.map((s) => s.status)).toEqual(['done', 'done']);
    expect(outcome?.bestFrontalTimestampMs).not.toBeNull();
  });

  it('measures turns from the neutral pose, not from zero: a person who rests at 10° must still turn', () => {
    const restingTurned = (frames: number) => Array.from({ length: frames }, () => ({ yaw: 10, pitch: 2 }));
    const { session, clock } = run([...restingTurned(8), ...turn(14, 10)], { challenges: ['turn_left'] });
    expect(session.outcome()).toBeNull();
    clock.advance(6_000);
    expect(session.outcome()?.reason).toBe('timeout');
  });

  it('fails not_followed when the head turns the other way', () => {
    const { session } = run([...neutral(8), ...turn(-12, 4)], { challenges: ['turn_left', 'turn_right'] });
    expect(session.outcome()).toMatchObject({ outcome: 'not_live', reason: 'not_followed' });
    expect(session.outcome()?.steps[0]).toMatchObject({ status: 'failed', failure: 'not_followed' });
  });

  it('times out a step that is never performed, even when frames stop arriving (watchdog)', () => {
    const { session, clock } = run([...neutral(8), ...neutral(3)], { challenges: ['blink'], stepTimeoutMs: 3_000 });
    expect(session.outcome()).toBeNull();
    clock.advance(3_000);
    expect(session.outcome()).toMatchObject({ outcome: 'not_live', reason: 'timeout' });
  });

  it('counts a blink relative to the neutral eye openness', () => {
    const { session } = run([...neutral(8), ...blink()], { challenges: ['blink'] });
    expect(session.outcome()?.outcome).toBe('live');
  });

  it('does not take a wink (one eye closed) for a blink', () => {
    const wink = [{ eyes: 0.32, leftEye: 0.03 }, { eyes: 0.32, leftEye: 0.02 }, { eyes: 0.32 }, { eyes: 0.32 }];
    const { session } = run([...neutral(8), ...wink, ...wink], { challenges: ['blink'] });
    expect(session.outcome()).toBeNull();
  });

  it('does not take a squint (eyes at 70% of neutral) for a blink', () => {
    const squint = Array.from({ length: 10 }, () => ({ eyes: 0.22 }));
    const { session } = run([...neutral(8), ...squint], { challenges: ['blink'] });
    expect(session.outcome()).toBeNull();
  });

  it('fails several_faces when a second face stays in view', () => {
    const { session } = run([...neutral(8), [{}, { x: 20, size: 120 }], [{}, { x: 20, size: 120 }], [{}, { x: 20, size: 120 }]], { challenges: ['turn_left'] });
    expect(session.outcome()).toMatchObject({ outcome: 'not_live', reason: 'several_faces' });
  });

  it('fails too_dark when the face stays too dark to judge', () => {
    const dark = Array.from({ length: 20 }, () => ({ brightness: 20 }));
    const { session, clock } = run(dark, { challenges: ['turn_left'], neutralTimeoutMs: 2_000 });
    clock.advance(2_000);
    expect(session.outcome()).toMatchObject({ outcome: 'not_live', reason: 'too_dark' });
  });

  it('fails face_turned when the person never faces the camera', () => {
    const { session, clock } = run(turn(30, 20), { challenges: ['turn_left'], neutralTimeoutMs: 2_000 });
    clock.advance(2_000);
    expect(session.outcome()).toMatchObject({ outcome: 'not_live', reason: 'face_turned' });
  });

  it('flags a frozen picture (no pixel or landmark change) as spoof_suspected', () => {
    const { session } = run(neutral(60), { challenges: ['turn_left'] }, { frozen: true });
    expect(session.outcome()).toMatchObject({ outcome: 'not_live', reason: 'spoof_suspected', detail: 'frozen_frames' });
  });

  it('flags a different face taking over between challenges as spoof_suspected', () => {
    const { session } = run([...neutral(8), ...turn(12, 3), { x: 420, size: 150 }], { challenges: ['turn_left', 'turn_right'] });
    expect(session.outcome()).toMatchObject({ outcome: 'not_live', reason: 'spoof_suspected', detail: 'face_changed' });
  });

  it('gates on the passive anti-spoof median', () => {
    const low = (spec: SyntheticFace) => ({ ...spec, antiSpoof: 0.1 });
    const { session } = run([...neutral(8), ...turn(12, 4)].map(low), { challenges: ['turn_left'], minAntiSpoof: 0.3 });
    expect(session.outcome()).toMatchObject({ outcome: 'not_live', reason: 'spoof_suspected', detail: 'anti_spoof_score' });
  });

  it('cannot decide when the face is lost for good, or the session is aborted', () => {
    const { session } = run([...neutral(8), ...Array.from({ length: 100 }, () => null)], { challenges: ['turn_left'], faceLostMs: 1_000 });
    expect(session.outcome()).toMatchObject({ outcome: 'cannot_decide', detail: 'face_lost' });
    const other = new LivenessSession({ clock: new ManualClock(0), random: seededRandom(1) });
    expect(other.abort('camera_unplugged')).toMatchObject({ outcome: 'cannot_decide', detail: 'camera_unplugged' });
  });

  it('draws the challenge order from the injected random source, reproducibly for a seed', () => {
    const draw = (seed: number) => new LivenessSession({ clock: new ManualClock(0), random: seededRandom(seed), config: { challengeCount: 3 } }).challenges.join(',');
    expect(draw(42)).toBe(draw(42));
    const orders = new Set(Array.from({ length: 30 }, (_, seed) => draw(seed + 1)));
    expect(orders.size).toBeGreaterThan(3);
    for (const order of orders) expect(new Set(order.split(',')).size).toBe(3);
  });

  it('parses challenge names in the person\'s own terms', () => {
    expect(parseChallenges('right,left,blink')).toEqual({ ok: true, value: ['turn_right', 'turn_left', 'blink'] satisfies Challenge[] });
    expect(parseChallenges('image-right,image-left')).toEqual({ ok: true, value: ['turn_left', 'turn_right'] satisfies Challenge[] });
    expect(parseChallenges('up').ok).toBe(false);
  });
});

describe('BlinkCounter', () => {
  it('counts closures that reopen, and merges a flutter into one blink', () => {
    const counter = new BlinkCounter();
    const open = Array.from({ length: 10 }, () => 0.35);
    const stream = [...open, 0.05, 0.06, 0.34, 0.35, 0.35, 0.05, 0.2, 0.05, 0.22, 0.06, 0.35, 0.36, 0.36];
    for (const value of stream) counter.feed(value);
    expect(counter.count).toBe(2);
  });
});
