// The CameraSource behaviour without OpenCV: a scripted fake device and a ManualClock, so
// pacing, dropping, looping and unplug/re-plug are asserted on counts and order, never timing.
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../native/common/clock';
import { err, ok, type Result } from '../../../native/common/result';
import { openPacedCamera, type CaptureBackend, type CaptureDevice, type CaptureRead } from '../../../native/camera/common/paced-camera';
import type { CameraError, CameraSettingsReport, CameraSource, CameraStatus } from '../../../native/camera/common/types';

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A pretend camera: `mode` says what the next reads return; `plugged` whether open() works. */
class FakeCamera {
  mode: 'frames' | 'empty' | 'throw' | 'end' = 'frames';
  plugged = true;
  /** When set, a read completes only after this much clock time (an over-running read). */
  readDurationMs = 0;
  opens = 0;
  closes = 0;
  reads = 0;
  rewinds = 0;
  readsInFlight = 0;
  closedDuringRead = false;

  constructor(private readonly clock: ManualClock) {}

  readonly backend: CaptureBackend = {
    open: async (): Promise<Result<CaptureDevice, CameraError>> => {
      if (!this.plugged) return err({ code: 'CAMERA_OPEN_FAILED', detail: 'no such device' });
      this.opens++;
      return ok(this.device());
    },
    encodeJpeg: async () => ok(new Uint8Array([0xff, 0xd8, 0xff, 0xd9])),
  };

  private device(): CaptureDevice {
    let closed = false;
    return {
      read: async (): Promise<CaptureRead> => {
        this.reads++;
        this.readsInFlight++;
        try {
          if (this.readDurationMs > 0) await new Promise<void>((resolve) => this.clock.setTimer(this.readDurationMs, resolve));
          if (closed) this.closedDuringRead = true;
          switch (this.mode) {
            case 'frames':
              return { kind: 'frame', width: 4, height: 2, data: new Uint8Array(4 * 2 * 3).fill(this.reads & 0xff) };
            case 'empty':
              return { kind: 'empty' };
            case 'end':
              return { kind: 'end' };
            case 'throw':
              throw new Error('select() timeout');
          }
        } finally {
          this.readsInFlight--;
        }
      },
      rewind: async () => {
        this.rewinds++;
        this.mode = 'frames';
        return true;
      },
      close: () => {
        closed = true;
        this.closes++;
        if (this.readsInFlight > 0) this.closedDuringRead = true;
      },
    };
  }
}

const SETTINGS: CameraSettingsReport = { width: 4, height: 2, fps: 10, sourceFps: 10, resolution: 'not_requested', exposure: 'not_requested' };

async function start(options: { loop?: boolean; fps?: number } = {}) {
  const clock = new ManualClock(0);
  const fake = new FakeCamera(clock);
  const opened = await openPacedCamera({
    backend: fake.backend,
    clock,
    settings: { ...SETTINGS, fps: options.fps ?? 10 },
    loop: options.loop ?? false,
    connection: { emptyReadsToUnplug: 3, reopenInitialDelayMs: 100, reopenMaxDelayMs: 400 },
  });
  if (!opened.ok) throw new Error(opened.error.code);
  const camera = opened.value;
  const statuses: CameraStatus[] = [];
  camera.onStatus((status) => statuses.push(status));
  const sequences: number[] = [];
  camera.onFrame((frame) => sequences.push(frame.sequence));
  /** Moves the clock in small steps, letting reads resolve between them. */
  const run = async (ms: number) => {
    for (let t = 0; t < ms; t += 10) {
      clock.advance(10);
      await flush();
    }
  };
  await flush();
  return { clock, fake, camera, statuses, sequences, run };
}

describe('PacedCamera pacing', () => {
  it('reads one frame per slot at the target rate, in order', async () => {
    const { camera, sequences, run } = await start({ fps: 10 });
    await run(1000);
    // Slots at 0, 100, …, 1000.
    expect(sequences.length).toBeGreaterThanOrEqual(10);
    expect(sequences.length).toBeLessThanOrEqual(11);
    expect(sequences).toEqual([...sequences.keys()]);
    expect(camera.stats().skippedSlots).toBe(0);
    await camera.close();
  });

  it('skips slots when a read over-runs its period, never bursting to catch up', async () => {
    const { camera, fake, sequences, run } = await start({ fps: 10 });
    fake.readDurationMs = 250;
    await run(2000);
    // One read at a time, each 250 ms: at most 2000 / 250 + 1 frames, and slots were skipped.
    expect(sequences.length).toBeLessThanOrEqual(9);
    expect(sequences.length).toBeGreaterThanOrEqual(6);
    expect(camera.stats().skippedSlots).toBeGreaterThan(0);
    await camera.close();
  });

  it('gives a slow frames() consumer the newest frame and drops the ones in between', async () => {
    const { camera, run } = await start({ fps: 10 });
    const frames = camera.frames();
    const firstTaken = frames.next();
    await run(100);
    const first = await firstTaken;
    expect(first.done).toBe(false);
    await run(500); // five more slots pass while the consumer is busy
    const next = await frames.next();
    expect(next.done).toBe(false);
    if (!first.done && !next.done) expect(next.value.sequence - first.value.sequence).toBeGreaterThanOrEqual(4);
    expect(camera.stats().droppedForSlowConsumers).toBeGreaterThanOrEqual(3);
    await camera.close();
    await expect(frames.next()).resolves.toEqual({ done: true, value: undefined });
  });

  it('ends a frames() iterator when its signal aborts', async () => {
    const { camera, run } = await start();
    const controller = new AbortController();
    const frames = camera.frames(controller.signal);
    await run(100);
    await frames.next();
    const pending = frames.next();
    controller.abort();
    await expect(pending).resolves.toEqual({ done: true, value: undefined });
    await camera.close();
  });
});

describe('PacedCamera unplug and re-plug', () => {
  it('goes unplugged after consecutive empty reads, backs off while re-opens fail, and recovers', async () => {
    const { camera, fake, statuses, sequences, run } = await start({ fps: 10 });
    const frames = camera.frames();
    await run(300);
    const before = sequences.length;
    expect(before).toBeGreaterThan(0);

    fake.mode = 'empty';
    fake.plugged = false;
    await run(400); // three empty reads at 100 ms
    expect(camera.status.state).toBe('unplugged');
    expect(camera.status.error?.code).toBe('CAMERA_UNPLUGGED');
    expect(fake.closes).toBe(1);
    expect(sequences.length).toBe(before);

    await run(1500); // re-opens at +100, +200, +400, +400 … all fail
    expect(camera.status.state).toBe('unplugged');
    expect(camera.status.reopenAttempts).toBeGreaterThanOrEqual(3);

    fake.mode = 'frames';
    fake.plugged = true;
    await run(600);
    expect(camera.status.state).toBe('ready');
    expect(sequences.length).toBeGreaterThan(before);
    expect(sequences).toEqual([...sequences.keys()]); // numbering continues across the unplug
    expect(camera.stats().reopens).toBe(1);
    expect(statuses.map((s) => s.state).filter((s, i, all) => s !== all[i - 1])).toEqual(['unplugged', 'ready']);

    // The iterator waited through the unplug and still yields.
    const next = await frames.next();
    expect(next.done).toBe(false);
    await camera.close();
  });

  it('counts reads that throw toward an unplug and remembers CAMERA_READ_FAILED', async () => {
    const { camera, fake, run } = await start();
    fake.mode = 'throw';
    await run(500);
    expect(camera.status.state).toBe('unplugged');
    expect(camera.stats().lastReadError).toBe('CAMERA_READ_FAILED');
    await camera.close();
  });

  it('a single empty read is a hiccup, not an unplug', async () => {
    const { camera, fake, run } = await start();
    await run(100);
    fake.mode = 'empty';
    await run(100);
    fake.mode = 'frames';
    await run(300);
    expect(camera.status.state).toBe('ready');
    expect(camera.stats().emptyReads).toBeGreaterThanOrEqual(1);
    await camera.close();
  });

  it('gives up as failed after maxReopenAttempts', async () => {
    const clock = new ManualClock(0);
    const fake = new FakeCamera(clock);
    const opened = await openPacedCamera({ backend: fake.backend, clock, settings: SETTINGS, connection: { emptyReadsToUnplug: 1, reopenInitialDelayMs: 10, maxReopenAttempts: 2 } });
    if (!opened.ok) throw new Error(opened.error.code);
    fake.mode = 'empty';
    fake.plugged = false;
    for (let i = 0; i < 50; i++) {
      clock.advance(10);
      await flush();
    }
    expect(opened.value.status.state).toBe('failed');
    expect(opened.value.status.error?.code).toBe('CAMERA_OPEN_FAILED');
  });
});

describe('PacedCamera files and closing', () => {
  it('ends with CAMERA_END_OF_FILE when not looping, and its iterators finish', async () => {
    const { camera, fake, run } = await start({ loop: false });
    const frames = camera.frames();
    await run(200);
    fake.mode = 'end';
    await run(200);
    expect(camera.status.state).toBe('ended');
    expect(camera.status.error?.code).toBe('CAMERA_END_OF_FILE');
    const collected: number[] = [];
    for await (const frame of frames) collected.push(frame.sequence);
    // The consumer never asked during playback: it gets the last frame, not a backlog.
    expect(collected).toEqual([camera.stats().delivered - 1]);
    expect(fake.closes).toBe(1);
  });

  it('loops by rewinding and keeps numbering frames', async () => {
    const { camera, fake, sequences, run } = await start({ loop: true });
    await run(300);
    fake.mode = 'end';
    await run(300);
    expect(camera.status.state).toBe('ready');
    expect(fake.rewinds).toBe(1);
    expect(camera.stats().loops).toBe(1);
    expect(sequences).toEqual([...sequences.keys()]);
    await camera.close();
  });

  it('close() waits for an in-flight read before releasing the device', async () => {
    const { camera, fake, clock, run } = await start();
    fake.readDurationMs = 50;
    await run(110); // a read is now in flight
    expect(fake.readsInFlight).toBe(1);
    const closing = camera.close();
    clock.advance(100);
    await closing;
    expect(fake.closes).toBe(1);
    expect(fake.closedDuringRead).toBe(false);
    const reads = fake.reads;
    await run(500);
    expect(fake.reads).toBe(reads);
    expect(camera.status.state).toBe('closed');
  });

  it('preview validates the frame and options before encoding', async () => {
    const { camera } = await start();
    const bad = await camera.preview({ width: 4, height: 2, data: new Uint8Array(5), capturedAt: 0, sequence: 0 }, { maxWidth: 320 });
    expect(bad.ok ? undefined : bad.error.code).toBe('CAMERA_PREVIEW_FAILED');
    const frame = { width: 4, height: 2, data: new Uint8Array(24), capturedAt: 0, sequence: 0 };
    const quality = await camera.preview(frame, { maxWidth: 320, quality: 0 });
    expect(quality.ok ? undefined : quality.error.code).toBe('CAMERA_INVALID_OPTIONS');
    expect((await camera.preview(frame, { maxWidth: 320 })).ok).toBe(true);
    await camera.close();
  });
});

// Keeps the type import honest: the fake satisfies the public interface.
export type _Check = CameraSource;
