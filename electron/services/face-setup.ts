// Runs in Node. Starts face verification as configured: the engine in its worker (models checked
// against models/manifest.json before anything runs), and the camera opener. A model that fails
// its checksum, or an engine that will not load, leaves the kiosk running with a face check that
// always hands over to staff — never a kiosk that refuses service.
import path from 'node:path';
import type { CameraSource, CameraStatus } from '../../native/camera/common/types';
import { openOpenCvCamera } from '../../native/camera/node/opencv-camera';
import { FaceWorkerClient } from '../../native/face/node/face-worker';
import { cryptoRandom } from '../../native/face/node/liveness-runner';
import type { FaceConfig } from './config';
import { EngineFaceCheck } from './engine-face-check';
import type { FaceCheck } from './face-check';
import type { Logger } from './logger';

export interface StartedFace {
  readonly check: FaceCheck;
  /** Simulated mode: pull the camera's cable, as a technician or a test would. */
  unplugCamera(): boolean;
  close(): Promise<void>;
}

/**
 * Passes a camera through, but can report it unplugged on demand: how the dev host lets a test
 * pull a video-file "camera" (the OpenCV source's own unplug detection is tested beneath it).
 */
class PullableCamera {
  private readonly listeners = new Set<(status: CameraStatus) => void>();
  constructor(readonly inner: CameraSource) {}
  source(): CameraSource {
    const inner = this.inner;
    return {
      get status() {
        return inner.status;
      },
      settings: inner.settings,
      onStatus: (listener) => {
        this.listeners.add(listener);
        const off = inner.onStatus(listener);
        return () => {
          this.listeners.delete(listener);
          off();
        };
      },
      onFrame: (listener) => inner.onFrame(listener),
      frames: (signal) => inner.frames(signal),
      preview: (frame, options) => inner.preview(frame, options),
      stats: () => inner.stats(),
      close: () => inner.close(),
    };
  }
  pull(): void {
    const status: CameraStatus = { state: 'unplugged', error: { code: 'CAMERA_UNPLUGGED', detail: 'pulled by the simulator' }, since: Date.now() };
    for (const listener of this.listeners) listener(status);
  }
}

/** A face check that cannot run (models failed verification): the flow goes to staff with a plain reason. */
const unavailable = (reason: string): FaceCheck => ({
  run: async () => ({ passed: false, problem: 'face_cannot_decide', record: { outcome: 'unavailable', reason, challenges: [], stepMillis: [], models: 'none' } }),
});

export async function startFace(config: FaceConfig, repoRoot: string, workerFile: string, logger: Logger): Promise<StartedFace | null> {
  if (config.kind === 'none') return null;
  const worker = FaceWorkerClient.start(workerFile);
  const loaded = await worker.load(repoRoot);
  if (!loaded.ok) {
    logger.log('error', 'face_engine_unavailable', { code: loaded.error.code });
    await worker.terminate();
    return { check: unavailable(loaded.error.code === 'FACE_MODEL_CHECKSUM_MISMATCH' ? 'models_unverified' : 'engine_unavailable'), unplugCamera: () => false, close: async () => {} };
  }
  const models = Object.entries(loaded.value.modelVersions)
    .map(([name, version]) => `${name}@${version}`)
    .join(',')
    .replace(/[^A-Za-z0-9@/._:+,-]/g, '_')
    .slice(0, 200);
  const openRealCamera =
    config.kind === 'camera'
      ? () => openOpenCvCamera(typeof config.device === 'number' ? { kind: 'device', index: config.device } : { kind: 'path', path: config.device }, { width: config.width, height: config.height, fps: config.fps })
      : () => openOpenCvCamera({ kind: 'file', path: path.resolve(config.path), loop: false }, config.fps ? { fps: config.fps } : {});
  let current: PullableCamera | null = null;
  const openCamera = async () => {
    const opened = await openRealCamera();
    if (!opened.ok) return opened;
    current = new PullableCamera(opened.value);
    return { ok: true as const, value: current.source() };
  };
  const check = new EngineFaceCheck({
    openCamera,
    worker,
    antiSpoofMinimum: loaded.value.antiSpoofMinimum,
    models,
    random: cryptoRandom,
    ...(config.kind === 'video' && config.challenges ? { challenges: config.challenges } : {}),
    logger,
  });
  return {
    check,
    unplugCamera: () => {
      if (!current) return false;
      current.pull();
      return true;
    },
    close: async () => void (await worker.terminate()),
  };
}
