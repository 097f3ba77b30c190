// Runs in Node. Drives a LivenessSession from a frame source through the engine, and (when a
// reference descriptor is given) matches the best frontal live frame. Used by the CLI, the tests
// and the worker. Only the one candidate frame is kept, in memory, and zeroed at the end.
import { webcrypto } from 'node:crypto';
import type { ManualClock } from '../../common/clock';
import { err, ok, type Result } from '../../common/result';
import { LivenessSession, type LivenessConfig, type LivenessOutcome } from '../common/liveness-session';
import type { RandomSource } from '../common/random';
import type { FaceDescriptor, FaceError, MatchResult, RgbFrame } from '../common/types';
import type { FaceEngine } from './face-engine';
import { readVideoFrames } from './frame-sources';

/** The production random source: the platform CSPRNG. */
export const cryptoRandom: RandomSource = {
  fillUint32(target) {
    webcrypto.getRandomValues(target);
  },
};

export interface LivenessRunOptions {
  /** A clock that follows the video's own timestamps (frames may be processed slower than real time). */
  readonly clock: ManualClock;
  readonly random: RandomSource;
  readonly config?: Partial<LivenessConfig>;
  readonly reference?: FaceDescriptor;
}

export interface LivenessRunReport {
  readonly outcome: LivenessOutcome;
  readonly frames: number;
  readonly match: MatchResult | null;
}

export async function runLivenessOnFrames(
  engine: FaceEngine,
  frames: AsyncIterable<RgbFrame>,
  options: LivenessRunOptions,
): Promise<Result<LivenessRunReport, FaceError>> {
  const config = { minAntiSpoof: engine.runtime.manifest.thresholds.antiSpoof.minimum, ...options.config };
  const clock = options.clock;
  const session = new LivenessSession({ clock, random: options.random, config });
  engine.reset();
  let count = 0;
  let best: RgbFrame | null = null;
  try {
    for await (const frame of frames) {
      clock.advance(Math.max(0, frame.timestampMs - clock.now()));
      if (session.outcome()) break;
      const observed = await engine.observe(frame);
      if (!observed.ok) return observed;
      count++;
      session.feed(observed.value);
      if (session.bestFrontalTimestampMs() === frame.timestampMs) {
        best?.data.fill(0);
        best = frame;
      } else {
        frame.data.fill(0);
      }
      if (session.outcome()) break;
    }
    // The video ended before the session did: let time run out as it would with a still camera.
    if (!session.outcome()) clock.advance(Math.max(config.stepTimeoutMs ?? 0, config.neutralTimeoutMs ?? 0, 10_000));
    const outcome = session.outcome() ?? session.abort('no_outcome');
    let match: MatchResult | null = null;
    if (outcome.outcome === 'live' && options.reference && best) {
      const observed = await engine.observe(best);
      const face = observed.ok ? observed.value.faces[0] : undefined;
      if (!face) return err({ code: 'FACE_NOT_FOUND', detail: 'best frame' });
      const probe = await engine.describeObserved(best, face);
      if (!probe.ok) return probe;
      match = engine.match(probe.value, options.reference);
      probe.value.vector.fill(0);
    }
    return ok({ outcome, frames: count, match });
  } finally {
    best?.data.fill(0);
    await engine.endSession();
  }
}

export function runLivenessOnVideo(engine: FaceEngine, path: string, options: LivenessRunOptions): Promise<Result<LivenessRunReport, FaceError>> {
  return runLivenessOnFrames(engine, readVideoFrames(path), options);
}
