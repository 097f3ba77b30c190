// The OpenCV camera source against small video files generated here with ffmpeg. Assertions
// are on counts, order, sizes and bytes, never on durations (the machine may be loaded).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadOpenCv } from '../../../native/camera/node/opencv-loader';
import { openOpenCvCamera } from '../../../native/camera/node/opencv-camera';
import type { CameraFrame, CameraSource, CameraState, CameraStatus } from '../../../native/camera/common/types';

const opencv = loadOpenCv();
if (!opencv.ok) {
  console.warn(`[camera] skipping the OpenCV source tests: @u4/opencv4nodejs cannot load (${opencv.error.code}: ${opencv.error.detail ?? ''})`);
}

/** Resolves with the first status in `states` (or at once if the source is already there). */
function waitForState(camera: CameraSource, ...states: CameraState[]): Promise<CameraStatus> {
  if (states.includes(camera.status.state)) return Promise.resolve(camera.status);
  return new Promise((resolve) => {
    const off = camera.onStatus((status) => {
      if (states.includes(status.state)) {
        off();
        resolve(status);
      }
    });
  });
}

function waitForFrames(camera: CameraSource, count: number): Promise<CameraFrame[]> {
  const frames: CameraFrame[] = [];
  return new Promise((resolve) => {
    const off = camera.onFrame((frame) => {
      frames.push(frame);
      if (frames.length >= count) {
        off();
        resolve(frames);
      }
    });
  });
}

describe.skipIf(!opencv.ok)('OpenCV camera source (video files)', () => {
  let dir: string;
  let mp4: string;
  let avi: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'camera-test-'));
    mp4 = join(dir, 'testsrc.mp4');
    avi = join(dir, 'testsrc.avi');
    const source = ['-f', 'lavfi', '-i', 'testsrc=size=640x480:rate=15', '-t', '2'];
    execFileSync('ffmpeg', ['-v', 'error', '-y', ...source, '-pix_fmt', 'yuv420p', '-c:v', 'libx264', mp4]);
    execFileSync('ffmpeg', ['-v', 'error', '-y', ...source, '-c:v', 'mjpeg', '-q:v', '3', avi]);
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('plays every frame of an mp4 in order at the asked rate, then ends', async () => {
    const opened = await openOpenCvCamera({ kind: 'file', path: mp4 }, { fps: 60 });
    if (!opened.ok) throw new Error(`${opened.error.code}: ${opened.error.detail}`);
    const camera = opened.value;
    const frames: CameraFrame[] = [];
    camera.onFrame((frame) => frames.push(frame));
    const ended = await waitForState(camera, 'ended', 'unplugged', 'failed');

    expect(ended.state).toBe('ended');
    expect(ended.error?.code).toBe('CAMERA_END_OF_FILE');
    expect(camera.settings).toMatchObject({ width: 640, height: 480, fps: 60, sourceFps: 15, frameCount: 30 });
    expect(frames.length).toBe(30);
    expect(frames.map((f) => f.sequence)).toEqual([...Array(30).keys()]);
    for (const frame of frames) {
      expect([frame.width, frame.height, frame.data.byteLength]).toEqual([640, 480, 640 * 480 * 3]);
    }
    // testsrc draws a running counter: consecutive frames differ.
    expect(Buffer.compare(Buffer.from(frames[0]!.data), Buffer.from(frames[1]!.data))).not.toBe(0);
    expect(frames.every((f, i) => i === 0 || f.capturedAt >= frames[i - 1]!.capturedAt)).toBe(true);
    await camera.close();
  });

  it('frames(): iterates a file to its last frame; anything a busy consumer missed is counted as dropped', async () => {
    const opened = await openOpenCvCamera({ kind: 'file', path: mp4 }, { fps: 60 });
    if (!opened.ok) throw new Error(opened.error.code);
    const camera = opened.value;
    const sequences: number[] = [];
    for await (const frame of camera.frames()) sequences.push(frame.sequence);
    expect(sequences.every((s, i) => i === 0 || s > sequences[i - 1]!)).toBe(true);
    expect(sequences.at(-1)).toBe(29);
    expect(sequences.length + camera.stats().droppedForSlowConsumers).toBe(30);
    expect(camera.status.state).toBe('ended');
  });

  it("defaults to the file's own rate and reads an MJPEG avi", async () => {
    const opened = await openOpenCvCamera({ kind: 'file', path: avi });
    if (!opened.ok) throw new Error(`${opened.error.code}: ${opened.error.detail}`);
    const camera = opened.value;
    expect(camera.settings.fps).toBe(15);
    const [frame] = await waitForFrames(camera, 1);
    expect([frame!.width, frame!.height]).toEqual([640, 480]);
    await camera.close();
    expect(camera.status.state).toBe('closed');
  });

  it('loops a file and keeps numbering frames', async () => {
    const opened = await openOpenCvCamera({ kind: 'file', path: mp4, loop: true }, { fps: 120 });
    if (!opened.ok) throw new Error(opened.error.code);
    const camera = opened.value;
    const frames = await waitForFrames(camera, 40);
    expect(camera.stats().loops).toBeGreaterThanOrEqual(1);
    expect(camera.status.state).toBe('ready');
    expect(frames.map((f) => f.sequence)).toEqual([...Array(40).keys()]);
    // Frame 30 is the file's first frame again.
    expect(Buffer.compare(Buffer.from(frames[30]!.data), Buffer.from(frames[0]!.data))).toBe(0);
    await camera.close();
  });

  it('reports what a file cannot do: resolution and exposure are unsupported', async () => {
    const opened = await openOpenCvCamera({ kind: 'file', path: mp4 }, { width: 320, height: 240, exposure: { mode: 'manual', value: 100 } });
    if (!opened.ok) throw new Error(opened.error.code);
    expect(opened.value.settings).toMatchObject({ width: 640, height: 480, resolution: 'unsupported', exposure: 'unsupported' });
    await opened.value.close();
  });

  it('makes downscaled in-memory JPEG previews and writes nothing to disk', async () => {
    const opened = await openOpenCvCamera({ kind: 'file', path: mp4 }, { fps: 60 });
    if (!opened.ok) throw new Error(opened.error.code);
    const camera = opened.value;
    const frames = await waitForFrames(camera, 3);
    await camera.close();
    const listing = () => [readdirSync(dir).sort(), readdirSync(tmpdir()).sort(), readdirSync(process.cwd()).sort()];
    const before = listing();
    for (const frame of frames) {
      const preview = await camera.preview(frame, { maxWidth: 320 });
      if (!preview.ok) throw new Error(`${preview.error.code}: ${preview.error.detail}`);
      const jpeg = preview.value;
      expect([jpeg[0], jpeg[1]]).toEqual([0xff, 0xd8]);
      expect([jpeg.at(-2), jpeg.at(-1)]).toEqual([0xff, 0xd9]);
      expect(jpeg.byteLength).toBeLessThan(frame.data.byteLength);
      const decoded = opencv.ok ? opencv.value.imdecode(Buffer.from(jpeg)) : undefined;
      expect([decoded?.cols, decoded?.rows]).toEqual([320, 240]);
    }
    expect(listing()).toEqual(before);
  });

  it('refuses to open a missing file with CAMERA_OPEN_FAILED', async () => {
    const opened = await openOpenCvCamera({ kind: 'file', path: join(dir, 'no-such-clip.mp4') });
    expect(opened.ok).toBe(false);
    if (!opened.ok) expect(opened.error.code).toBe('CAMERA_OPEN_FAILED');
  });

  it.skipIf(existsSync('/dev/video0'))('refuses a camera that is not there with CAMERA_OPEN_FAILED', async () => {
    const byIndex = await openOpenCvCamera({ kind: 'device', index: 0 }, { width: 640, height: 480, exposure: { mode: 'auto' } });
    expect(byIndex.ok ? 'opened' : byIndex.error.code).toBe('CAMERA_OPEN_FAILED');
    const byPath = await openOpenCvCamera({ kind: 'path', path: '/dev/video0' });
    expect(byPath.ok ? 'opened' : byPath.error.code).toBe('CAMERA_OPEN_FAILED');
  });

  it('refuses a file that is not a video with CAMERA_OPEN_FAILED', async () => {
    const junk = join(dir, 'junk.mp4');
    writeFileSync(junk, 'not a video');
    const opened = await openOpenCvCamera({ kind: 'file', path: junk });
    expect(opened.ok ? 'opened' : opened.error.code).toBe('CAMERA_OPEN_FAILED');
  });

  it('treats a file truncated mid-read as unplugged, then recovers when it comes back', async () => {
    const clip = join(dir, 'unplug.avi');
    copyFileSync(avi, clip);
    const original = readFileSync(clip);
    const opened = await openOpenCvCamera({ kind: 'file', path: clip }, { fps: 30, connection: { emptyReadsToUnplug: 3, reopenInitialDelayMs: 20, reopenMaxDelayMs: 80 } });
    if (!opened.ok) throw new Error(opened.error.code);
    const camera = opened.value;
    await waitForFrames(camera, 3);
    truncateSync(clip, 0);
    const unplugged = await waitForState(camera, 'unplugged', 'ended');
    expect(unplugged.state).toBe('unplugged');
    expect(unplugged.error?.code).toBe('CAMERA_UNPLUGGED');
    const deliveredWhileGone = camera.stats().delivered;

    // Still gone: re-opens fail on the empty file.
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(camera.status.state).toBe('unplugged');
    expect(camera.status.reopenAttempts ?? 0).toBeGreaterThanOrEqual(1);

    writeFileSync(clip, original);
    const back = await waitForState(camera, 'ready');
    expect(back.state).toBe('ready');
    const after = await waitForFrames(camera, 2);
    expect(after[0]!.sequence).toBeGreaterThanOrEqual(deliveredWhileGone);
    expect(camera.stats().reopens).toBe(1);
    await camera.close();
  });
});

describe.runIf(!opencv.ok)('OpenCV camera source without the native module', () => {
  it('reports CAMERA_BACKEND_UNAVAILABLE instead of throwing', async () => {
    const opened = await openOpenCvCamera({ kind: 'file', path: '/nonexistent.mp4' });
    expect(opened.ok ? 'opened' : opened.error.code).toBe('CAMERA_BACKEND_UNAVAILABLE');
  });
});

describe('OpenCV camera source options', () => {
  it.each([
    [{ kind: 'device', index: -1 }, {}],
    [{ kind: 'file', path: '' }, {}],
    [{ kind: 'file', path: '/x.mp4' }, { fps: 0 }],
    [{ kind: 'device', index: 0 }, { width: 0 }],
    [{ kind: 'device', index: 0 }, { exposure: { mode: 'manual', value: Number.NaN } }],
  ] as const)('rejects %j %j with CAMERA_INVALID_OPTIONS before touching a device', async (spec, options) => {
    const opened = await openOpenCvCamera(spec, options);
    expect(opened.ok ? 'opened' : opened.error.code).toBe('CAMERA_INVALID_OPTIONS');
  });
});
