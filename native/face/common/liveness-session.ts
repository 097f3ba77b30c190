// Runs anywhere (pure). The active liveness session: a state machine fed with per-frame
// observations. Deterministic under the injected Clock (all time comes from clock.now(); the
// watchdog timer from clock.setTimer) and RandomSource (the challenge order).
//
// Phases: neutral (learn the person's own resting yaw/pitch/eye openness) → one step per challenge
// (each with its own time limit, thresholds relative to the neutral pose) → outcome. Every frame is
// also checked for darkness, several faces, a face swap (box continuity), a frozen picture
// (no pixel or landmark change for a while) and, at the end, the passive anti-spoof median.
import { err, ok, type Result } from '../../common/result';
import type { Clock, CancelTimer } from '../../common/clock';
import { shuffled, type RandomSource } from './random';
import type { FaceError, FaceObservation, FrameObservations } from './types';

/** In the person's own terms: `turn_left` is towards their left shoulder (image-right). */
export type Challenge = 'turn_left' | 'turn_right' | 'blink' | 'nod';
export const ALL_CHALLENGES: readonly Challenge[] = ['turn_left', 'turn_right', 'blink', 'nod'];

export type NotLiveReason = 'too_dark' | 'face_turned' | 'several_faces' | 'timeout' | 'not_followed' | 'spoof_suspected';
export type LivenessOutcomeKind = 'live' | 'not_live' | 'cannot_decide';

export interface LivenessConfig {
  /** A fixed challenge order (CLI, tests); otherwise `challengeCount` drawn from the pool. */
  readonly challenges?: readonly Challenge[];
  readonly challengePool: readonly Challenge[];
  readonly challengeCount: number;
  /** Frames of a steady frontal face needed to learn the neutral pose. */
  readonly neutralFrames: number;
  readonly neutralTimeoutMs: number;
  readonly stepTimeoutMs: number;
  /** A neutral pose further than this from straight-on is "face turned" (the person must face us). */
  readonly maxNeutralYawDegrees: number;
  readonly maxNeutralPitchDegrees: number;
  /**
   * Head turn needed, relative to the neutral yaw. Human's mesh yaw is compressed: a clear ~30°
   * turn in d12.mp4 reads as 11–14°, with ±2.5° frame noise at rest; 8° sits between the two.
   */
  readonly turnDegrees: number;
  /** Nod: pitch change from neutral (same compression as yaw). */
  readonly nodDegrees: number;
  /** Consecutive frames a turn must hold (one noisy frame is not a turn). */
  readonly holdFrames: number;
  /**
   * Eye aspect ratio relative to the neutral one: closed below `closedRatio`, open again above
   * `reopenRatio` (hysteresis). d14.mp4: open 0.36–0.45, full closures 0.03–0.15, squints 0.25–0.30.
   */
  readonly closedRatio: number;
  readonly reopenRatio: number;
  /** Mean grey of the face (or frame) below which the picture is too dark to judge. */
  readonly minBrightness: number;
  /** Consecutive frames with ≥2 faces before the session fails with `several_faces`. */
  readonly severalFacesFrames: number;
  /** A face whose centre jumps by more than this × its width between frames is a different face. */
  readonly maxCentreJump: number;
  /**
   * Frozen picture: the face region's difference from its anchor frame (FrameObservations
   * .frameDifference) stays below `frozenPixelDifference` on every frame for `frozenMs`.
   * Landmarks are no use here: the tracker's box cycles between detector runs, which moves the
   * mesh of a perfectly still picture by up to 2 px (measured on an x264 loop of a d12 frame).
   */
  readonly frozenPixelDifference: number;
  readonly frozenMs: number;
  /** Median anti-spoof score below which the session is `spoof_suspected` (models/manifest.json). */
  readonly minAntiSpoof: number;
  /** A face absent for longer than this ends the session: `cannot_decide`. */
  readonly faceLostMs: number;
}

export const DEFAULT_LIVENESS_CONFIG: LivenessConfig = {
  challengePool: ['turn_left', 'turn_right', 'blink'],
  challengeCount: 2,
  neutralFrames: 5,
  neutralTimeoutMs: 6000,
  stepTimeoutMs: 5000,
  maxNeutralYawDegrees: 15,
  maxNeutralPitchDegrees: 20,
  turnDegrees: 8,
  nodDegrees: 8,
  holdFrames: 2,
  closedRatio: 0.5,
  reopenRatio: 0.8,
  minBrightness: 40,
  severalFacesFrames: 3,
  maxCentreJump: 0.6,
  frozenPixelDifference: 1.5,
  frozenMs: 1500,
  minAntiSpoof: 0,
  faceLostMs: 3000,
};

export type StepStatus = 'pending' | 'active' | 'done' | 'failed';

export interface StepResult {
  readonly challenge: Challenge;
  readonly status: StepStatus;
  readonly startedAtMs: number | null;
  readonly endedAtMs: number | null;
  /** Largest movement seen in the asked direction (degrees, or 1 − EAR ratio for a blink). */
  readonly peak: number;
  readonly failure?: NotLiveReason;
}

export interface LivenessOutcome {
  readonly outcome: LivenessOutcomeKind;
  readonly reason: NotLiveReason | null;
  /** A short code for logs (never face data): e.g. `wrong_direction`, `frozen_frames`, `face_changed`. */
  readonly detail: string | null;
  readonly challenges: readonly Challenge[];
  readonly steps: readonly StepResult[];
  readonly antiSpoofMedian: number | null;
  /** Timestamp of the sharpest near-frontal frame: the flow describes that frame for the match. */
  readonly bestFrontalTimestampMs: number | null;
  readonly startedAtMs: number;
  readonly endedAtMs: number;
}

export type LivenessPhase = 'neutral' | 'challenge' | 'finished';

export interface LivenessProgress {
  readonly phase: LivenessPhase;
  readonly currentChallenge: Challenge | null;
  readonly stepIndex: number;
  /** A hint for the guidance screen (no face data). */
  readonly hint: 'face_the_camera' | 'hold_still' | 'more_light' | 'one_person_only' | 'follow_challenge' | 'return_to_centre' | null;
  readonly outcome: LivenessOutcome | null;
}

export interface LivenessSessionOptions {
  readonly clock: Clock;
  readonly random: RandomSource;
  readonly config?: Partial<LivenessConfig>;
}

export function parseChallenges(text: string): Result<Challenge[], FaceError> {
  const names = text.split(',').map((s) => s.trim()).filter(Boolean);
  const out: Challenge[] = [];
  for (const name of names) {
    // left/right are the person's own; image-left/image-right name the side of an unmirrored frame
    // the face turns towards (a person turning to their own left turns towards image-right).
    const aliases: Record<string, Challenge> = { left: 'turn_left', right: 'turn_right', 'image-right': 'turn_left', 'image-left': 'turn_right' };
    const challenge = (aliases[name] ?? name) as Challenge;
    if (!ALL_CHALLENGES.includes(challenge)) return err({ code: 'FACE_CHALLENGE_INVALID', detail: name });
    out.push(challenge);
  }
  return out.length > 0 ? ok(out) : err({ code: 'FACE_CHALLENGE_INVALID', detail: 'empty' });
}

const median = (values: readonly number[]): number | null => {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

interface Neutral {
  readonly yaw: number;
  readonly pitch: number;
  readonly eyes: number;
}

interface StepState {
  challenge: Challenge;
  status: StepStatus;
  startedAtMs: number | null;
  endedAtMs: number | null;
  peak: number;
  failure?: NotLiveReason;
  /** Frames in a row beyond the threshold (turns), or the blink/nod sub-state. */
  holding: number;
  wrongHolding: number;
  /** A turn only counts after the head was seen back near neutral during this step. */
  centred: boolean;
  closed: boolean;
}

export class LivenessSession {
  readonly config: LivenessConfig;
  readonly challenges: readonly Challenge[];
  private phase: LivenessPhase = 'neutral';
  private readonly steps: StepState[];
  private stepIndex = 0;
  private readonly startedAtMs: number;
  private phaseStartedAtMs: number;
  private neutralSamples: { yaw: number; pitch: number; eyes: number }[] = [];
  private neutral: Neutral | null = null;
  private darkSinceMs: number | null = null;
  private turnedFrames = 0;
  private severalFaces = 0;
  private previousFace: FaceObservation | null = null;
  private lastFaceAtMs: number | null = null;
  private stillSinceMs: number | null = null;
  private antiSpoofScores: number[] = [];
  private bestFrontal: { score: number; timestampMs: number } | null = null;
  private result: LivenessOutcome | null = null;
  private cancelWatchdog: CancelTimer | null = null;
  private hint: LivenessProgress['hint'] = 'face_the_camera';

  constructor(private readonly options: LivenessSessionOptions) {
    this.config = { ...DEFAULT_LIVENESS_CONFIG, ...options.config };
    this.challenges = this.config.challenges
      ? [...this.config.challenges]
      : shuffled(this.config.challengePool, options.random).slice(0, this.config.challengeCount);
    this.steps = this.challenges.map((challenge) => ({
      challenge,
      status: 'pending',
      startedAtMs: null,
      endedAtMs: null,
      peak: 0,
      holding: 0,
      wrongHolding: 0,
      centred: false,
      closed: false,
    }));
    this.startedAtMs = options.clock.now();
    this.phaseStartedAtMs = this.startedAtMs;
    this.armWatchdog(this.config.neutralTimeoutMs);
  }

  /** Timestamp of the best near-frontal frame so far (the caller keeps that frame's pixels). */
  bestFrontalTimestampMs(): number | null {
    return this.bestFrontal?.timestampMs ?? null;
  }

  /** The outcome once finished, else null. */
  outcome(): LivenessOutcome | null {
    return this.result;
  }

  progress(): LivenessProgress {
    const step = this.steps[this.stepIndex];
    return {
      phase: this.phase,
      currentChallenge: this.phase === 'challenge' && step ? step.challenge : null,
      stepIndex: this.stepIndex,
      hint: this.phase === 'finished' ? null : this.hint,
      outcome: this.result,
    };
  }

  /** Ends the session early (person walked away, camera unplugged): `cannot_decide`. */
  abort(detail: string): LivenessOutcome {
    return this.finish('cannot_decide', null, detail);
  }

  feed(frame: FrameObservations): LivenessProgress {
    if (this.phase === 'finished') return this.progress();
    const now = this.options.clock.now();
    if (this.checkDeadline(now)) return this.progress();
    const faces = frame.faces;
    const face = faces[0];

    // Several faces: someone may be holding a photo beside their face, or being coached.
    this.severalFaces = faces.length >= 2 ? this.severalFaces + 1 : 0;
    if (this.severalFaces >= this.config.severalFacesFrames) {
      this.finish('not_live', 'several_faces', null);
      return this.progress();
    }
    if (faces.length >= 2) this.hint = 'one_person_only';

    const brightness = face ? face.quality.brightness : frame.frameBrightness;
    if (brightness < this.config.minBrightness) {
      this.darkSinceMs ??= now;
      this.hint = 'more_light';
      return this.progress();
    }
    this.darkSinceMs = null;

    if (!face) {
      if (this.lastFaceAtMs !== null && now - this.lastFaceAtMs > this.config.faceLostMs) this.finish('cannot_decide', null, 'face_lost');
      this.hint = 'face_the_camera';
      return this.progress();
    }

    if (!this.checkContinuity(face, frame, now)) return this.progress();
    this.lastFaceAtMs = now;
    if (face.antiSpoofScore !== null) this.antiSpoofScores.push(face.antiSpoofScore);
    this.noteFrontal(face, now);

    if (this.phase === 'neutral') this.feedNeutral(face, now);
    else this.feedStep(face, now);
    return this.progress();
  }

  private armWatchdog(ms: number): void {
    this.cancelWatchdog?.();
    // Fires only if frames stop arriving; with frames flowing, feed() checks the same deadline.
    this.cancelWatchdog = this.options.clock.setTimer(ms, () => this.checkDeadline(this.options.clock.now()));
  }

  /** True when the session just ended on a time limit. */
  private checkDeadline(now: number): boolean {
    if (this.phase === 'finished') return true;
    if (this.phase === 'neutral' && now - this.phaseStartedAtMs >= this.config.neutralTimeoutMs) {
      if (this.darkSinceMs !== null) this.finish('not_live', 'too_dark', null);
      else if (this.turnedFrames > 0 && this.neutralSamples.length === 0) this.finish('not_live', 'face_turned', null);
      else if (this.lastFaceAtMs === null) this.finish('cannot_decide', null, 'no_face');
      else this.finish('not_live', 'timeout', 'neutral_not_reached');
      return true;
    }
    const step = this.steps[this.stepIndex];
    if (this.phase === 'challenge' && step && step.startedAtMs !== null && now - step.startedAtMs >= this.config.stepTimeoutMs) {
      step.status = 'failed';
      step.endedAtMs = now;
      step.failure = this.darkSinceMs !== null ? 'too_dark' : 'timeout';
      this.finish('not_live', step.failure, null);
      return true;
    }
    return false;
  }

  private checkContinuity(face: FaceObservation, frame: FrameObservations, now: number): boolean {
    const previous = this.previousFace;
    this.previousFace = face;
    if (previous) {
      const centre = (f: FaceObservation) => ({ x: f.box.x + f.box.width / 2, y: f.box.y + f.box.height / 2 });
      const a = centre(previous);
      const b = centre(face);
      const jump = Math.hypot(a.x - b.x, a.y - b.y) / Math.max(1, previous.box.width);
      const sizeRatio = face.box.width / Math.max(1, previous.box.width);
      if (jump > this.config.maxCentreJump || sizeRatio > 1.6 || sizeRatio < 1 / 1.6) {
        // Another face took this one's place between two frames: not the same person throughout.
        this.finish('not_live', 'spoof_suspected', 'face_changed');
        return false;
      }
      const pixel = frame.frameDifference ?? Infinity;
      if (pixel < this.config.frozenPixelDifference) {
        this.stillSinceMs ??= now;
        if (now - this.stillSinceMs >= this.config.frozenMs) {
          // A live face never stays pixel-identical: a frozen feed or a still photo does.
          this.finish('not_live', 'spoof_suspected', 'frozen_frames');
          return false;
        }
      } else {
        this.stillSinceMs = null;
      }
    }
    return true;
  }

  private noteFrontal(face: FaceObservation, now: number): void {
    // Near-frontal, eyes open, sharp: the frame the flow describes and matches to the ID photo.
    if (Math.abs(face.pose.yawDegrees - (this.neutral?.yaw ?? 0)) > 5) return;
    if (this.neutral && bothEyesOpenness(face) < this.neutral.eyes * this.config.reopenRatio) return;
    const score = face.quality.sharpness * face.quality.interOcularPixels;
    if (!this.bestFrontal || score > this.bestFrontal.score) this.bestFrontal = { score, timestampMs: now };
  }

  private feedNeutral(face: FaceObservation, now: number): void {
    const { yawDegrees: yaw, pitchDegrees: pitch } = face.pose;
    if (Math.abs(yaw) > this.config.maxNeutralYawDegrees || Math.abs(pitch) > this.config.maxNeutralPitchDegrees) {
      this.turnedFrames++;
      this.neutralSamples = [];
      this.hint = 'face_the_camera';
      return;
    }
    this.hint = 'hold_still';
    this.neutralSamples.push({ yaw, pitch, eyes: bothEyesOpenness(face) });
    if (this.neutralSamples.length < this.config.neutralFrames) return;
    const yaws = this.neutralSamples.map((s) => s.yaw);
    // A steady head: the samples must agree within the turn threshold, else keep waiting.
    if (Math.max(...yaws) - Math.min(...yaws) > this.config.turnDegrees / 2) {
      this.neutralSamples.shift();
      return;
    }
    this.neutral = {
      yaw: median(yaws)!,
      pitch: median(this.neutralSamples.map((s) => s.pitch))!,
      eyes: median(this.neutralSamples.map((s) => s.eyes))!,
    };
    this.neutralSamples = [];
    this.phase = 'challenge';
    this.startStep(now);
  }

  private startStep(now: number): void {
    const step = this.steps[this.stepIndex];
    if (!step) {
      this.finishChallenges();
      return;
    }
    step.status = 'active';
    step.startedAtMs = now;
    this.hint = 'follow_challenge';
    this.armWatchdog(this.config.stepTimeoutMs);
  }

  private feedStep(face: FaceObservation, now: number): void {
    const step = this.steps[this.stepIndex];
    const neutral = this.neutral;
    if (!step || !neutral) return;
    const yawDelta = face.pose.yawDegrees - neutral.yaw;
    const pitchDelta = face.pose.pitchDegrees - neutral.pitch;
    let completed = false;
    switch (step.challenge) {
      case 'turn_left':
      case 'turn_right': {
        const sign = step.challenge === 'turn_left' ? 1 : -1;
        const towards = sign * yawDelta;
        if (Math.abs(yawDelta) < this.config.turnDegrees / 2) step.centred = true;
        if (!step.centred) {
          this.hint = 'return_to_centre';
          break;
        }
        this.hint = 'follow_challenge';
        step.peak = Math.max(step.peak, towards);
        step.holding = towards >= this.config.turnDegrees ? step.holding + 1 : 0;
        step.wrongHolding = towards <= -this.config.turnDegrees ? step.wrongHolding + 1 : 0;
        if (step.wrongHolding >= this.config.holdFrames) {
          step.status = 'failed';
          step.endedAtMs = now;
          step.failure = 'not_followed';
          this.finish('not_live', 'not_followed', 'wrong_direction');
          return;
        }
        completed = step.holding >= this.config.holdFrames;
        break;
      }
      case 'blink': {
        const ratio = bothEyesOpenness(face) / Math.max(1e-6, neutral.eyes);
        step.peak = Math.max(step.peak, 1 - ratio);
        if (!step.closed && ratio < this.config.closedRatio) step.closed = true;
        else if (step.closed && ratio > this.config.reopenRatio) completed = true;
        break;
      }
      case 'nod': {
        step.peak = Math.max(step.peak, Math.abs(pitchDelta));
        if (!step.closed && Math.abs(pitchDelta) >= this.config.nodDegrees) step.closed = true;
        else if (step.closed && Math.abs(pitchDelta) < this.config.nodDegrees / 2) completed = true;
        break;
      }
    }
    if (completed) {
      step.status = 'done';
      step.endedAtMs = now;
      this.stepIndex++;
      this.startStep(now);
    }
  }

  private finishChallenges(): void {
    const antiSpoof = median(this.antiSpoofScores);
    if (antiSpoof !== null && antiSpoof < this.config.minAntiSpoof) {
      this.finish('not_live', 'spoof_suspected', 'anti_spoof_score');
      return;
    }
    this.finish('live', null, null);
  }

  private finish(outcome: LivenessOutcomeKind, reason: NotLiveReason | null, detail: string | null): LivenessOutcome {
    if (this.result) return this.result;
    this.cancelWatchdog?.();
    this.cancelWatchdog = null;
    this.phase = 'finished';
    const now = this.options.clock.now();
    for (const step of this.steps) {
      if (step.status === 'active') {
        step.status = 'failed';
        step.endedAtMs = now;
        step.failure ??= reason ?? undefined;
      }
    }
    this.result = {
      outcome,
      reason,
      detail,
      challenges: this.challenges,
      steps: this.steps.map(({ challenge, status, startedAtMs, endedAtMs, peak, failure }) => ({
        challenge,
        status,
        startedAtMs,
        endedAtMs,
        peak: Math.round(peak * 100) / 100,
        ...(failure ? { failure } : {}),
      })),
      antiSpoofMedian: median(this.antiSpoofScores),
      bestFrontalTimestampMs: outcome === 'live' ? (this.bestFrontal?.timestampMs ?? null) : null,
      startedAtMs: this.startedAtMs,
      endedAtMs: now,
    };
    this.previousFace = null;
    this.antiSpoofScores = [];
    return this.result;
  }
}

/**
 * The more open of the two eyes: it is only low when BOTH eyes close, so a wink (one eye) is not
 * taken for a blink (d3.mp4 opens with a wink: its mean openness dips to ~45% of neutral).
 */
export const bothEyesOpenness = (face: FaceObservation): number => Math.max(face.eyes.left, face.eyes.right);

/**
 * Counts blinks in a stream of eye-openness values (both eyes closed, then open again), relative
 * to a neutral openness learnt from the first `neutralFrames` frames. Used by the tests and the
 * CLI; the session's blink step uses the same hysteresis.
 */
export class BlinkCounter {
  private samples: number[] = [];
  private neutral: number | null = null;
  private closed = false;
  private openFrames = 0;
  count = 0;

  constructor(
    private readonly closedRatio = DEFAULT_LIVENESS_CONFIG.closedRatio,
    private readonly reopenRatio = DEFAULT_LIVENESS_CONFIG.reopenRatio,
    private readonly neutralFrames = 10,
    /** Frames the eyes must stay open before a new closure counts as a new blink. */
    private readonly reopenFrames = 2,
  ) {}

  /** `openness`: bothEyesOpenness(face) of each frame with a face. */
  feed(openness: number): void {
    if (this.neutral === null) {
      this.samples.push(openness);
      if (this.samples.length >= this.neutralFrames) this.neutral = median(this.samples);
      return;
    }
    const ratio = openness / Math.max(1e-6, this.neutral);
    if (!this.closed) {
      if (ratio < this.closedRatio) {
        this.closed = true;
        this.openFrames = 0;
      }
      return;
    }
    if (ratio > this.reopenRatio) {
      this.openFrames++;
      if (this.openFrames >= this.reopenFrames) {
        this.closed = false;
        this.count++;
      }
    } else {
      this.openFrames = 0;
    }
  }
}
