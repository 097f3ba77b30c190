// Inference off the main thread: a worker_threads round trip through the message protocol.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaceWorkerClient } from '../../../native/face/node/face-worker';
import { readVideoFrames } from '../../../native/face/node/frame-sources';
import type { RgbFrame } from '../../../native/face/common/types';
import { faceData, hasFaceData, repoRoot } from './face-data';

async function firstFrame(path: string): Promise<RgbFrame> {
  for await (const frame of readVideoFrames(path)) return frame;
  throw new Error('no frame');
}

describe.skipIf(!hasFaceData)('face worker', () => {
  let dir: string;
  let client: FaceWorkerClient;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'face-worker-'));
    const entry = join(dir, 'face-worker.cjs');
    // The worker entry is bundled like the app's build would; model packages stay in node_modules.
    await build({
      entryPoints: [join(repoRoot, 'native', 'face', 'node', 'face-worker-main.ts')],
      outfile: entry,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      external: ['sharp', '@tensorflow/*', '@vladmandic/*'],
      logLevel: 'error',
    });
    client = FaceWorkerClient.start(entry);
  }, 60_000);

  afterAll(async () => {
    await client?.terminate();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses work before the models are loaded', async () => {
    const frame = await firstFrame(faceData('liveness', 'd12.mp4'));
    const result = await client.observe(frame);
    expect(result).toMatchObject({ ok: false, error: { code: 'FACE_ENGINE_NOT_READY' } });
  });

  it('loads, observes a frame, describes it and matches it against itself', async () => {
    const loaded = await client.load(repoRoot);
    expect(loaded.ok).toBe(true);
    if (!loaded.ok) return;
    expect(loaded.value.modelVersions['faceapi-recognition']).toMatch(/^@vladmandic\/face-api@/);

    const frame = await firstFrame(faceData('liveness', 'd12.mp4'));
    const copy = { ...frame, data: frame.data.slice() };
    const observed = await client.observe(frame);
    expect(frame.data.byteLength).toBe(0); // transferred, not copied: the caller keeps nothing
    expect(observed.ok).toBe(true);
    if (!observed.ok) return;
    const face = observed.value.faces[0]!;
    expect(observed.value.faces).toHaveLength(1);
    expect(face.landmarks.length).toBeGreaterThanOrEqual(468);
    expect(Math.abs(face.pose.yawDegrees)).toBeLessThan(10);
    expect(face.eyes.mean).toBeGreaterThan(0.2);
    expect(face.quality.sharpness).toBeGreaterThan(0);

    const descriptor = await client.describe(copy);
    expect(descriptor.ok).toBe(true);
    if (!descriptor.ok) return;
    expect(descriptor.value.vector).toHaveLength(128);
    const match = await client.match(descriptor.value, descriptor.value);
    expect(match).toMatchObject({ ok: true, value: { decision: 'match' } });
    expect(await client.reset()).toEqual({ ok: true, value: null });
  }, 120_000);
});
