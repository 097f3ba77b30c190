// Runs in Node (main process or dev host). Face verification for the session: frames from the
// camera, observations from the face engine in its worker (inference never on this thread), the
// pure LivenessSession deciding liveness, then the best frontal live frame matched against the ID
// photo. Frames are moved to the worker and zeroed; only the one candidate frame is held, and it
// and both descriptors are zeroed before this returns. Nothing of the face touches the disk.
import type { CameraError, CameraFrame, CameraSource } from '../../native/camera/common/types';
import { ManualClock } from '../../native/common/clock';
import type { Result } from '../../native/common/result';
import { DEFAULT_LIVENESS_CONFIG, LivenessSession, type Challenge, type LivenessConfig, type LivenessOutcome, type LivenessProgress } from '../../native/face/common/liveness-session';
import type { RandomSource } from '../../native/face/common/random';
import type { FaceDescriptor, MatchResult, RgbFrame } from '../../native/face/common/types';
import type { FaceWorkerClient } from '../../native/face/node/face-worker';
import type { FaceProgress, ProblemCode } from '../contract/contract';
import type { FaceCheck, FaceCheckOutcome, FaceCheckRecord, ReferencePhoto } from './face-check';
import type { Logger } from './logger';

export interface EngineFaceCheckOptions {
  readonly openCamera: () => Promise<Result<CameraSource, CameraError>>;
  readonly worker: FaceWorkerClient;
  readonly antiSpoofMinimum: number;
  /** "human@3.3.2,faceres…" as loaded: what the ledger records about the models used. */
  readonly models: string;
  readonly random: RandomSource;
  /** A fixed challenge order for demos and tests with a recorded video; random otherwise. */
  readonly challenges?: readonly Challenge[];
  readonly liveness?: Partial<LivenessConfig>;
  readonly logger: Logger;
  /** Send a preview every N frames (the oval does not need every frame). */
  readonly previewEvery?: number;
}

const PREVIEW_WIDTH = 320;

const NOT_LIVE_PROBLEM: Record<string, ProblemCode> = {
  too_dark: 'face_too_dark',
  face_turned: 'face_turned',
  several_faces: 'face_several_faces',
  timeout: 'face_too_slow',
  not_followed: 'face_not_followed',
  spoof_suspected: 'face_not_live',
};

const HINTS: Record<string, FaceProgress['hint']> = {
  face_the_camera: 'look_ahead',
  return_to_centre: 'look_ahead',
  more_light: 'more_light',
  one_person_only: 'one_person',
};

export class EngineFaceCheck implements FaceCheck {
  constructor(private readonly options: EngineFaceCheckOptions) {}

  async run({ reference, signal, onProgress, onPreview }: Parameters<FaceCheck['run']>[0]): Promise<FaceCheckOutcome> {
    const base = { challenges: [] as string[], stepMillis: [] as number[], models: this.options.models };
    const worker = this.options.worker;
    const referenceDescriptor = await worker.describe(toRgb(reference));
    if (!referenceDescriptor.ok) {
      return { passed: false, problem: 'face_photo_unavailable', record: { ...base, outcome: 'unavailable', reason: 'reference_no_face' } };
    }
    const opened = await this.options.openCamera();
    if (!opened.ok) {
      this.options.logger.log('warn', 'camera_open_failed', { code: opened.error.code });
      referenceDescriptor.value.vector.fill(0);
      return { passed: false, problem: 'camera_unavailable', record: { ...base, outcome: 'unavailable', reason: 'camera_open_failed' } };
    }
    const camera = opened.value;
    // The camera going away mid-check ends it at once, with a clear reason and the staff path.
    const stop = new AbortController();
    let cameraLost = false;
    const offStatus = camera.onStatus((status) => {
      if (status.state === 'unplugged' || status.state === 'failed') {
        cameraLost = true;
        stop.abort();
      }
    });
    const onAbort = () => stop.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    let best: RgbFrame | null = null;
    try {
      const { outcome, bestFrame } = await this.followChallenges(camera, stop.signal, onProgress, onPreview);
      best = bestFrame;
      if (signal.aborted) return { passed: false, problem: 'face_cannot_decide', record: { ...base, outcome: 'cannot_decide', reason: 'cancelled' } };
      if (cameraLost) return { passed: false, problem: 'camera_unavailable', record: { ...base, ...summary(outcome), outcome: 'unavailable', reason: 'camera_lost' } };
      if (!outcome || outcome.outcome === 'cannot_decide') {
        return { passed: false, problem: 'face_cannot_decide', record: { ...base, ...summary(outcome), outcome: 'cannot_decide', ...(outcome?.detail ? { reason: outcome.detail } : {}) } };
      }
      if (outcome.outcome === 'not_live') {
        const reason = outcome.reason ?? 'not_followed';
        return { passed: false, problem: NOT_LIVE_PROBLEM[reason] ?? 'face_not_live', record: { ...base, ...summary(outcome), outcome: 'not_live', reason } };
      }
      onProgress({ phase: 'matching', challenge: null, step: outcome.steps.length, steps: outcome.steps.length, hint: 'none' });
      const match = best ? await this.match(best, referenceDescriptor.value) : null;
      best = null; // moved to the worker
      if (!match) return { passed: false, problem: 'face_cannot_decide', record: { ...base, ...summary(outcome), outcome: 'cannot_decide', reason: 'no_frontal_frame' } };
      const record: FaceCheckRecord = { ...base, ...summary(outcome), outcome: match.decision, similarity: round(match.similarity) };
      if (match.decision === 'match') return { passed: true, record };
      return { passed: false, problem: match.decision === 'no_match' ? 'face_no_match' : 'face_uncertain', record };
    } finally {
      offStatus();
      signal.removeEventListener('abort', onAbort);
      best?.data.fill(0);
      referenceDescriptor.value.vector.fill(0);
      await camera.close();
      await worker.reset();
    }
  }

  private async followChallenges(
    camera: CameraSource,
    signal: AbortSignal,
    onProgress: (progress: FaceProgress) => void,
    onPreview: Parameters<FaceCheck['run']>[0]['onPreview'],
  ): Promise<{ outcome: LivenessOutcome | null; bestFrame: RgbFrame | null }> {
    let clock: ManualClock | null = null;
    let session: LivenessSession | null = null;
    let best: RgbFrame | null = null;
    let lastKey = '';
    const previewEvery = this.options.previewEvery ?? 3;
    const total = this.options.challenges?.length ?? this.options.liveness?.challengeCount ?? DEFAULT_LIVENESS_CONFIG.challengeCount;
    for await (const frame of camera.frames(signal)) {
      if (!clock || !session) {
        // Session time follows the frames' own capture times, so a slow frame is never a fast person.
        clock = new ManualClock(frame.capturedAt);
        session = new LivenessSession({
          clock,
          random: this.options.random,
          config: { minAntiSpoof: this.options.antiSpoofMinimum, ...this.options.liveness, ...(this.options.challenges ? { challenges: this.options.challenges } : {}) },
        });
      }
      clock.advance(Math.max(0, frame.capturedAt - clock.now()));
      if (frame.sequence % previewEvery === 0) await this.sendPreview(camera, frame, onPreview);
      const rgb = toRgb({ width: frame.width, height: frame.height, bgr: frame.data }, frame.capturedAt);
      const candidate = rgb.data.slice();
      const observed = await this.options.worker.observe(rgb);
      if (!observed.ok) {
        candidate.fill(0);
        this.options.logger.log('warn', 'face_observe_failed', { code: observed.error.code });
        return { outcome: session.abort('engine_failed'), bestFrame: best };
      }
      const progress = session.feed(observed.value);
      if (session.bestFrontalTimestampMs() === frame.capturedAt) {
        best?.data.fill(0);
        best = { ...rgb, data: candidate };
      } else {
        candidate.fill(0);
      }
      const view = toView(progress, total);
      const key = JSON.stringify(view);
      if (key !== lastKey) {
        lastKey = key;
        onProgress(view);
      }
      if (progress.outcome) return { outcome: progress.outcome, bestFrame: best };
    }
    // The frames stopped (camera lost, cancelled, or a video ended): let time run out as for a still camera.
    if (session && clock && !session.outcome()) clock.advance(60_000);
    return { outcome: session ? session.outcome() ?? session.abort('no_frames') : null, bestFrame: best };
  }

  private async sendPreview(camera: CameraSource, frame: CameraFrame, onPreview: Parameters<FaceCheck['run']>[0]['onPreview']): Promise<void> {
    const jpeg = await camera.preview(frame, { maxWidth: PREVIEW_WIDTH });
    if (!jpeg.ok) return;
    const width = Math.min(PREVIEW_WIDTH, frame.width);
    onPreview({ jpegBase64: Buffer.from(jpeg.value).toString('base64'), width, height: Math.round((frame.height * width) / frame.width) });
  }

  private async match(best: RgbFrame, reference: FaceDescriptor): Promise<MatchResult | null> {
    const probe = await this.options.worker.describe(best);
    if (!probe.ok) return null;
    const matched = await this.options.worker.match(probe.value, reference);
    probe.value.vector.fill(0);
    return matched.ok ? matched.value : null;
  }
}

/** BGR (OpenCV, the ID photo decoder) to the RGB the engine reads; a new buffer, moved to the worker. */
function toRgb(photo: ReferencePhoto, timestampMs = 0): RgbFrame {
  const rgb = new Uint8Array(photo.width * photo.height * 3);
  for (let i = 0; i < rgb.length; i += 3) {
    rgb[i] = photo.bgr[i + 2]!;
    rgb[i + 1] = photo.bgr[i + 1]!;
    rgb[i + 2] = photo.bgr[i]!;
  }
  return { width: photo.width, height: photo.height, timestampMs, data: rgb };
}

function toView(progress: LivenessProgress, steps: number): FaceProgress {
  return {
    phase: progress.phase === 'challenge' ? 'challenge' : progress.phase === 'finished' ? 'matching' : 'positioning',
    challenge: progress.phase === 'challenge' ? progress.currentChallenge : null,
    step: progress.phase === 'challenge' ? progress.stepIndex + 1 : 0,
    steps,
    hint: (progress.hint && HINTS[progress.hint]) ?? 'none',
  };
}

function summary(outcome: LivenessOutcome | null): Pick<FaceCheckRecord, 'challenges' | 'stepMillis'> & { liveness?: FaceCheckRecord['liveness'] } {
  if (!outcome) return { challenges: [], stepMillis: [] };
  return {
    liveness: outcome.outcome,
    challenges: [...outcome.challenges],
    stepMillis: outcome.steps.map((step) => (step.startedAtMs !== null && step.endedAtMs !== null ? Math.max(0, Math.round(step.endedAtMs - step.startedAtMs)) : 0)),
  };
}

function round(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}
