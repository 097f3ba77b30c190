// The engine on the dev set's clips and photos (read from ../shared/face-data, skipped without it).
// Inference runs on WASM at ~60–130 ms a frame, so each test uses the shortest segment that shows
// the behaviour; the full evaluation is `kioskctl face eval`.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../native/common/clock';
import { BlinkCounter, bothEyesOpenness } from '../../../native/face/common/liveness-session';
import { seededRandom } from '../../../native/face/common/random';
import { FaceEngine } from '../../../native/face/node/face-engine';
import { readImageFrame, readVideoFrames } from '../../../native/face/node/frame-sources';
import { runLivenessOnVideo } from '../../../native/face/node/liveness-runner';
import { faceData, hasFaceData, repoRoot } from './face-data';

const MODEL_TEST_MS = 180_000;

describe.skipIf(!hasFaceData)('face engine on the dev clips', () => {
  let engine: FaceEngine;
  let tracking: FaceEngine;
  const temporary: string[] = [];

  beforeAll(async () => {
    const loaded = await FaceEngine.load({ repoRoot });
    if (!loaded.ok) throw new Error(`${loaded.error.code} ${loaded.error.detail ?? ''}`);
    engine = loaded.value;
    // Blink counting needs every frame; the passive anti-spoof models are not needed for it.
    const light = await FaceEngine.load({ repoRoot, passiveAntiSpoof: false });
    if (!light.ok) throw new Error(light.error.code);
    tracking = light.value;
  }, 60_000);

  afterAll(() => {
    for (const dir of temporary) rmSync(dir, { recursive: true, force: true });
  });

  // d12.mp4: the man turns towards image-right (~1.3–2.2 s), which is HIS OWN LEFT, then towards
  // image-left (~2.8–3.7 s), his own right.
  it('d12: live for the order the clip performs (his left, then his right)', async () => {
    const report = await runLivenessOnVideo(tracking, faceData('liveness', 'd12.mp4'), {
      clock: new ManualClock(0),
      random: seededRandom(1),
      config: { challenges: ['turn_left', 'turn_right'] },
    });
    expect(report.ok).toBe(true);
    if (!report.ok) return;
    expect(report.value.outcome).toMatchObject({ outcome: 'live', reason: null });
    expect(report.value.outcome.steps.map((s) => s.status)).toEqual(['done', 'done']);
    // His left turn completes inside the clip's image-right segment, his right inside image-left.
    expect(report.value.outcome.steps[0]!.endedAtMs).toBeGreaterThan(1_200);
    expect(report.value.outcome.steps[0]!.endedAtMs).toBeLessThan(2_300);
    expect(report.value.outcome.steps[1]!.endedAtMs).toBeGreaterThan(2_700);
    expect(report.value.outcome.steps[1]!.endedAtMs).toBeLessThan(3_800);
  }, MODEL_TEST_MS);

  it('d12: the best frontal live frame matches a reference photo of him and not of someone else', async () => {
    const still = async (path: string, seekSeconds: number | null) => {
      if (seekSeconds === null) {
        const image = await readImageFrame(path);
        if (!image.ok) throw new Error(image.error.code);
        return image.value;
      }
      // A reference taken from the clip's end (6.9 s+), far from the frames the session uses.
      let last = null;
      for await (const frame of readVideoFrames(path)) if (frame.timestampMs >= seekSeconds * 1000) { last = frame; break; }
      if (!last) throw new Error('no frame');
      return last;
    };
    const him = await engine.describe(await still(faceData('liveness', 'd12.mp4'), 7.1));
    const someoneElse = await engine.describe(await still(faceData('identity', 'face-api.js', 'leonard', 'leonard1.png'), null));
    if (!him.ok || !someoneElse.ok) throw new Error('reference not described');
    const run = (reference: typeof him.value) =>
      runLivenessOnVideo(tracking, faceData('liveness', 'd12.mp4'), { clock: new ManualClock(0), random: seededRandom(1), config: { challenges: ['turn_left', 'turn_right'] }, reference });
    const same = await run(him.value);
    const other = await run(someoneElse.value);
    if (!same.ok || !other.ok) throw new Error('run failed');
    expect(same.value.outcome.outcome).toBe('live');
    expect(same.value.match?.decision).toBe('match');
    expect(other.value.match?.decision).toBe('no_match');
  }, MODEL_TEST_MS);

  it('d12: not live for the reverse order (his right first)', async () => {
    const report = await runLivenessOnVideo(tracking, faceData('liveness', 'd12.mp4'), {
      clock: new ManualClock(0),
      random: seededRandom(1),
      config: { challenges: ['turn_right', 'turn_left'] },
    });
    expect(report.ok).toBe(true);
    if (!report.ok) return;
    expect(report.value.outcome.outcome).toBe('not_live');
    expect(['not_followed', 'timeout']).toContain(report.value.outcome.reason);
  }, MODEL_TEST_MS);

  it('a video of one still photo is not live', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'face-still-'));
    temporary.push(dir);
    const video = join(dir, 'still.mp4');
    // One frame of d12 (a frontal face) looped for 6 s, encoded like a camera recording would be.
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-ss', '0.2', '-i', faceData('liveness', 'd12.mp4'), '-frames:v', '1', join(dir, 'still.png')]);
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-loop', '1', '-i', join(dir, 'still.png'), '-t', '6', '-r', '25', '-pix_fmt', 'yuv420p', '-c:v', 'libx264', video]);
    const report = await runLivenessOnVideo(tracking, video, { clock: new ManualClock(0), random: seededRandom(3), config: { challenges: ['turn_left', 'blink'] } });
    expect(report.ok).toBe(true);
    if (!report.ok) return;
    expect(report.value.outcome.outcome).toBe('not_live');
    expect(report.value.outcome).toMatchObject({ reason: 'spoof_suspected', detail: 'frozen_frames' });
  }, MODEL_TEST_MS);

  it('a darkened d12 is not live: too_dark', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'face-dark-'));
    temporary.push(dir);
    const video = join(dir, 'dark.mp4');
    // Luma scaled to 15%: a face lit like a dim corridor.
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', faceData('liveness', 'd12.mp4'), '-vf', "lutyuv=y='val*0.15'", '-pix_fmt', 'yuv420p', '-c:v', 'libx264', video]);
    const report = await runLivenessOnVideo(tracking, video, { clock: new ManualClock(0), random: seededRandom(4), config: { challenges: ['turn_left', 'turn_right'] } });
    expect(report.ok).toBe(true);
    if (!report.ok) return;
    expect(report.value.outcome).toMatchObject({ outcome: 'not_live', reason: 'too_dark' });
  }, MODEL_TEST_MS);

  // By inspection of d14.mp4 (frame by frame, eye region): both eyes close fully and reopen at
  // ~0.55, 1.7, 2.2, 3.1, 3.65, 7.0, 9.5, 11.55, 12.35 and 15.2 s, and flutter closed from ~4.2 to
  // ~6.9 s (alternating closed / half-open every frame), which counts as one long closure: 11
  // blinks. The winks (one eye, e.g. ~12.9 s) and half-closed glances (~2.6 s) are not blinks.
  const D14_BLINKS_BY_INSPECTION = 11;
  it(`d14: counts ${D14_BLINKS_BY_INSPECTION} ± 1 blinks`, async () => {
    const counter = new BlinkCounter();
    tracking.reset();
    for await (const frame of readVideoFrames(faceData('liveness', 'd14.mp4'))) {
      const observed = await tracking.observe(frame);
      const face = observed.ok ? observed.value.faces[0] : undefined;
      if (face) counter.feed(bothEyesOpenness(face));
    }
    tracking.reset();
    console.info(`d14 blinks counted: ${counter.count} (by inspection: ${D14_BLINKS_BY_INSPECTION})`);
    expect(Math.abs(counter.count - D14_BLINKS_BY_INSPECTION)).toBeLessThanOrEqual(1);
  }, MODEL_TEST_MS);

  // Human's antispoof model (the only passive anti-spoof model shipped in these npm packages)
  // cannot do what the issue asks on this dev set. Measured upright (EXIF applied): F1 print 0.66,
  // F2 screen 0.54, T1 live 0.80 — the live capture ranks first, but the dev set's live CLIPS score
  // lower still (per-session medians: d14 0.45, d12 0.61), so any gate that rejected F1 and F2
  // (> 0.66) would also reject those live people. The manifest's gate (0.3) is therefore a floor
  // only, and this test records that the print and the screen pass it; liveness rests on the
  // random active challenges and the frozen-picture check.
  it('spoof samples: documents that the anti-spoof gate does not reject the print or the screen', async () => {
    const scores: Record<string, number> = {};
    for (const name of ['F1_print', 'F2_screen', 'T1_live']) {
      const frame = await readImageFrame(faceData('spoof', `sample_image_${name}.jpg`));
      expect(frame.ok).toBe(true);
      if (!frame.ok) return;
      expect(frame.value.height).toBeGreaterThan(frame.value.width); // upright portrait
      const observed = await engine.observe(frame.value, { still: true });
      engine.reset();
      const face = observed.ok ? observed.value.faces[0] : undefined;
      expect(face?.antiSpoofScore).not.toBeNull();
      scores[name] = face!.antiSpoofScore!;
    }
    console.info('anti-spoof scores (1 = real):', JSON.stringify(scores));
    const minimum = engine.runtime.manifest.thresholds.antiSpoof.minimum;
    expect(scores.T1_live).toBeGreaterThanOrEqual(minimum);
    expect(scores.T1_live).toBeGreaterThan(Math.max(scores.F1_print!, scores.F2_screen!));
    // The requirement would be F1 < minimum and F2 < minimum; with a gate the live clips pass, not met:
    expect(scores.F1_print).toBeGreaterThanOrEqual(minimum);
    expect(scores.F2_screen).toBeGreaterThanOrEqual(minimum);
  }, MODEL_TEST_MS);

  it('matches two photos of the same person and separates two different people (face-api.js crops)', async () => {
    const describe = async (person: string, index: number) => {
      const frame = await readImageFrame(faceData('identity', 'face-api.js', person, `${person}${index}.png`), { padFraction: 0 });
      if (!frame.ok) throw new Error(frame.error.code);
      const descriptor = await engine.describe(frame.value);
      if (!descriptor.ok) throw new Error(descriptor.error.code);
      return descriptor.value;
    };
    const sheldon1 = await describe('sheldon', 1);
    const sheldon2 = await describe('sheldon', 2);
    const stuart1 = await describe('stuart', 1);
    expect(engine.match(sheldon1, sheldon2).decision).toBe('match');
    expect(engine.match(sheldon1, stuart1).decision).toBe('no_match');
  }, MODEL_TEST_MS);
});
