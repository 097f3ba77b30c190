// `npm run bench:face` (or: npx esbuild test/bench/face.ts --bundle --platform=node --format=cjs
// --external:sharp --external:@tensorflow/* --external:@vladmandic/* --outfile=dist/bench/face.cjs
// && node dist/bench/face.cjs). On 640×480 frames from the dev clips, one WASM thread:
// - tracking: detection + landmarks + pose + eye openness (+ quality) per frame, median of N;
// - embedding + match: aligned crop → 128-d descriptor → cosine against a reference, median of N;
// - Human's own default face pipeline on the same frames, and the ratio.
// Prints figures; asserts nothing. Needs ../shared/face-data (the dev set).
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Human } from '@vladmandic/human';
import { FaceEngine } from '../../native/face/node/face-engine';
import { readVideoFrames } from '../../native/face/node/frame-sources';
import { findRepoRoot } from '../../native/face/node/model-files';
import type { RgbFrame } from '../../native/face/common/types';

const FRAMES_PER_CLIP = 50;
const WARM_UP = 10;
/** Each measurement runs this many rounds; the lowest round median is printed (the VM is shared). */
const ROUNDS = 2;

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};

async function collectFrames(clips: string[]): Promise<RgbFrame[]> {
  const frames: RgbFrame[] = [];
  for (const clip of clips) {
    let taken = 0;
    // Consecutive frames, as a camera delivers them (the tracker follows the face between them).
    for await (const frame of readVideoFrames(clip)) {
      frames.push(frame);
      if (++taken >= FRAMES_PER_CLIP) break;
    }
  }
  return frames;
}

async function timeEach<T>(frames: RgbFrame[], work: (frame: RgbFrame) => Promise<T>): Promise<number[]> {
  for (const frame of frames.slice(0, WARM_UP)) await work(frame);
  let best: number[] | null = null;
  for (let round = 0; round < ROUNDS; round++) {
    const times: number[] = [];
    for (const frame of frames) {
      const started = performance.now();
      await work(frame);
      times.push(performance.now() - started);
    }
    if (!best || median(times) < median(best)) best = times;
  }
  return best!;
}

async function main(): Promise<void> {
  const repoRoot = findRepoRoot();
  if (!repoRoot) throw new Error('run from the project folder');
  const dataRoot = resolve(repoRoot, '..', 'shared', 'face-data', 'liveness');
  if (!existsSync(dataRoot)) {
    console.log(`bench:face skipped: dev clips not found at ${dataRoot}`);
    return;
  }
  const frames = await collectFrames(['d12.mp4', 'd14.mp4', 'd3.mp4'].map((name) => join(dataRoot, name)));
  const everyFrame = await FaceEngine.load({ repoRoot, passiveAntiSpoof: false, detectorSkipFrames: 0 });
  if (!everyFrame.ok) throw new Error(everyFrame.error.code);
  const everyFrameTimes = await timeEach(frames, async (frame) => {
    await everyFrame.value.observe(frame);
  });
  const tracking = await FaceEngine.load({ repoRoot, passiveAntiSpoof: false });
  if (!tracking.ok) throw new Error(tracking.error.code);
  const engine = tracking.value;

  const trackingTimes = await timeEach(frames, async (frame) => {
    const observed = await engine.observe(frame);
    if (!observed.ok || observed.value.faces.length === 0) throw new Error('no face in a bench frame');
  });

  const full = await FaceEngine.load({ repoRoot, passiveAntiSpoof: true });
  if (!full.ok) throw new Error(full.error.code);
  const fullTimes = await timeEach(frames, async (frame) => {
    await full.value.observe(frame);
  });

  // Embedding + match: the face is already observed (the session found the best frame).
  const observations = [];
  for (const frame of frames) {
    const observed = await engine.observe(frame);
    if (observed.ok && observed.value.faces[0]) observations.push({ frame, face: observed.value.faces[0] });
  }
  const reference = await engine.describeObserved(observations[0]!.frame, observations[0]!.face);
  if (!reference.ok) throw new Error(reference.error.code);
  const byFrame = new Map(observations.map((o) => [o.frame, o.face]));
  const matchTimes = await timeEach(
    observations.map((o) => o.frame),
    async (frame) => {
      const probe = await engine.describeObserved(frame, byFrame.get(frame)!);
      if (!probe.ok) throw new Error(probe.error.code);
      engine.match(probe.value, reference.value);
    },
  );

  const stock: Human = await engine.runtime.stockHuman();
  const stockTimes = await timeEach(frames, async (frame) => {
    const input = engine.frameTensor(frame);
    try {
      await stock.detect(input as never);
    } finally {
      engine.tf.dispose(input);
    }
  });

  const fps = (ms: number) => (1000 / ms).toFixed(1);
  const t = median(trackingTimes);
  const m = median(matchTimes);
  const f = median(fullTimes);
  const s = median(stockTimes);
  console.log(`face bench (lowest of ${ROUNDS} round medians): ${frames.length} frames 640x480 (${FRAMES_PER_CLIP} consecutive from each of d12/d14/d3), tfjs WASM (SIMD, 1 thread), backend=${engine.tf.getBackend()}`);
  console.log(`  tracking (detector every ${engine.runtime.detectorSkipFrames + 1} frames, mesh/iris landmarks + pose + eye openness + quality every frame): median ${t.toFixed(1)} ms = ${fps(t)} fps`);
  const e = median(everyFrameTimes);
  console.log(`  same, detector on every frame (no box tracking):                        median ${e.toFixed(1)} ms = ${fps(e)} fps`);
  console.log(`  tracking + passive anti-spoof + liveness models:                        median ${f.toFixed(1)} ms = ${fps(f)} fps`);
  console.log(`  embedding + match (aligned crop -> face-api 128-d -> cosine):           median ${m.toFixed(1)} ms (n=${matchTimes.length})`);
  console.log(`  Human default face pipeline (detector+mesh+iris+faceres+emotion, its default caching): median ${s.toFixed(1)} ms = ${fps(s)} fps`);
  console.log(`  ratio stock/ours tracking: ${(s / t).toFixed(2)}x; stock/(ours tracking + embedding): ${(s / (t + m)).toFixed(2)}x`);
}

void main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
