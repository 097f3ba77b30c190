// Runs in Node. The one module that touches OpenCV's VideoCapture: opens a camera (index or
// path) or a video file, applies resolution and exposure where the driver takes them, reads
// frames as 8-bit BGR, and encodes previews as JPEG in memory. Pacing, file looping and
// unplug/re-plug live in the pure PacedCamera (common/paced-camera.ts).
import { statSync } from 'node:fs';
import { err, ok, type Result } from '../../common/result';
import type { Clock } from '../../common/clock';
import { systemClock } from '../../node/system-clock';
import type {
  CameraApi,
  CameraError,
  CameraFrame,
  CameraSettings,
  CameraSettingsReport,
  CameraSource,
  CameraSourceSpec,
  SettingOutcome,
} from '../common/types';
import { openPacedCamera, type CaptureBackend, type CaptureDevice, type CaptureRead } from '../common/paced-camera';
import type { ConnectionMonitorOptions } from '../common/connection-monitor';
import { isValidFps } from '../common/frame-pacing';
import { loadOpenCv, type OpenCv } from './opencv-loader';

export interface OpenCvCameraOptions extends CameraSettings {
  readonly clock?: Clock;
  readonly connection?: ConnectionMonitorOptions;
  /** Tests inject a loaded module; the app leaves this out. */
  readonly opencv?: OpenCv;
}

type VideoCapture = InstanceType<OpenCv['VideoCapture']>;
type Mat = InstanceType<OpenCv['Mat']>;

/** Used when a camera reports no rate (many UVC cameras answer 0 through V4L2). */
const FALLBACK_CAMERA_FPS = 30;

/**
 * Opens `spec` and starts delivering frames. A first open that fails is CAMERA_OPEN_FAILED (or
 * CAMERA_BACKEND_UNAVAILABLE without OpenCV); once open, an unplug is a status, not an error.
 */
export async function openOpenCvCamera(spec: CameraSourceSpec, options: OpenCvCameraOptions = {}): Promise<Result<CameraSource, CameraError>> {
  const invalid = validate(spec, options);
  if (invalid) return err(invalid);
  const loaded = options.opencv ? ok(options.opencv) : loadOpenCv();
  if (!loaded.ok) return loaded;
  const cv = loaded.value;

  const first = openCapture(cv, spec);
  if (!first.ok) return first;
  const report = applySettings(cv, first.value, spec, options);
  let firstOpen: { capture: VideoCapture; report: CameraSettingsReport } | undefined = { capture: first.value, report };

  const backend: CaptureBackend = {
    open: async () => {
      // The capture opened above serves the first open; re-opens (after an unplug) start afresh.
      let opened = firstOpen;
      firstOpen = undefined;
      if (!opened) {
        const capture = openCapture(cv, spec);
        if (!capture.ok) return capture;
        opened = { capture: capture.value, report: applySettings(cv, capture.value, spec, options) };
      }
      return ok(captureDevice(cv, opened.capture, spec, opened.report.frameCount));
    },
    encodeJpeg: (frame, width, height, quality) => encodeJpeg(cv, frame, width, height, quality),
  };
  return openPacedCamera({
    backend,
    clock: options.clock ?? systemClock,
    settings: report,
    loop: spec.kind === 'file' && spec.loop === true,
    ...(options.connection ? { connection: options.connection } : {}),
  });
}

function validate(spec: CameraSourceSpec, options: OpenCvCameraOptions): CameraError | undefined {
  if (spec.kind === 'device' && !(Number.isInteger(spec.index) && spec.index >= 0)) {
    return { code: 'CAMERA_INVALID_OPTIONS', detail: 'device index must be a non-negative integer' };
  }
  if (spec.kind !== 'device' && !spec.path) return { code: 'CAMERA_INVALID_OPTIONS', detail: 'path is empty' };
  if (options.fps !== undefined && !isValidFps(options.fps)) return { code: 'CAMERA_INVALID_OPTIONS', detail: 'fps out of range' };
  for (const size of [options.width, options.height]) {
    if (size !== undefined && !(Number.isInteger(size) && size > 0)) return { code: 'CAMERA_INVALID_OPTIONS', detail: 'width/height must be positive integers' };
  }
  if (options.exposure?.mode === 'manual' && !Number.isFinite(options.exposure.value)) {
    return { code: 'CAMERA_INVALID_OPTIONS', detail: 'manual exposure needs a finite value' };
  }
  return undefined;
}

function apiPreference(cv: OpenCv, api: CameraApi | undefined): number {
  // On Linux every camera is V4L2; CAP_ANY would try GStreamer first, slower and noisier.
  switch (api ?? (process.platform === 'linux' ? 'v4l2' : 'any')) {
    case 'v4l2':
      return cv.CAP_V4L2;
    case 'dshow':
      return cv.CAP_DSHOW;
    case 'msmf':
      return cv.CAP_MSMF;
    default:
      return cv.CAP_ANY;
  }
}

function openCapture(cv: OpenCv, spec: CameraSourceSpec): Result<VideoCapture, CameraError> {
  const target = spec.kind === 'device' ? `camera ${spec.index}` : spec.kind === 'path' ? spec.path : 'video file';
  if (spec.kind === 'file') {
    // FFmpeg would otherwise try a missing name as an image-sequence pattern or a URL.
    try {
      if (!statSync(spec.path).isFile()) return err({ code: 'CAMERA_OPEN_FAILED', detail: 'video file path is not a file' });
    } catch {
      return err({ code: 'CAMERA_OPEN_FAILED', detail: 'video file not found' });
    }
  }
  try {
    const capture =
      spec.kind === 'device'
        ? new cv.VideoCapture(spec.index, apiPreference(cv, spec.api))
        : spec.kind === 'path'
          ? new cv.VideoCapture(spec.path, apiPreference(cv, spec.api))
          : new cv.VideoCapture(spec.path, cv.CAP_FFMPEG);
    return ok(capture);
  } catch (error) {
    // opencv4nodejs throws a plain string here, not an Error.
    return err({ code: 'CAMERA_OPEN_FAILED', detail: `${target}: ${error instanceof Error ? error.message : String(error)}` });
  }
}

/**
 * Auto-exposure values differ per backend: V4L2 passes V4L2_CID_EXPOSURE_AUTO through
 * (1 = manual, 3 = aperture priority), DirectShow and MSMF use OpenCV's 0.25 / 0.75 convention.
 */
function autoExposureValues(spec: CameraSourceSpec): { manual: number; auto: number } {
  const windows = spec.kind !== 'file' && (spec.api === 'dshow' || spec.api === 'msmf' || (spec.api !== 'v4l2' && process.platform === 'win32'));
  return windows ? { manual: 0.25, auto: 0.75 } : { manual: 1, auto: 3 };
}

function safeSet(capture: VideoCapture, property: number, value: number): boolean {
  try {
    return capture.set(property, value);
  } catch {
    return false;
  }
}

function safeGet(capture: VideoCapture, property: number): number {
  try {
    const value = capture.get(property);
    return Number.isFinite(value) ? value : 0;
  } catch {
    return 0;
  }
}

function applySettings(cv: OpenCv, capture: VideoCapture, spec: CameraSourceSpec, settings: CameraSettings): CameraSettingsReport {
  const isFile = spec.kind === 'file';
  let resolution: SettingOutcome = 'not_requested';
  let exposure: SettingOutcome = 'not_requested';
  let exposureValue: number | undefined;

  if (!isFile) {
    // A one-frame driver queue: when reads pace slower than the camera, the next read is the
    // newest image instead of one that waited in the queue (not every driver honours it).
    safeSet(capture, cv.CAP_PROP_BUFFERSIZE, 1);
    if (settings.fps !== undefined) safeSet(capture, cv.CAP_PROP_FPS, settings.fps);
  }

  if (settings.width !== undefined || settings.height !== undefined) {
    if (isFile) resolution = 'unsupported';
    else {
      const setWidth = settings.width === undefined || safeSet(capture, cv.CAP_PROP_FRAME_WIDTH, settings.width);
      const setHeight = settings.height === undefined || safeSet(capture, cv.CAP_PROP_FRAME_HEIGHT, settings.height);
      const width = safeGet(capture, cv.CAP_PROP_FRAME_WIDTH);
      const height = safeGet(capture, cv.CAP_PROP_FRAME_HEIGHT);
      const matches = (settings.width === undefined || width === settings.width) && (settings.height === undefined || height === settings.height);
      resolution = matches ? 'accepted' : setWidth || setHeight ? 'adjusted' : 'unsupported';
    }
  }

  if (settings.exposure) {
    if (isFile) exposure = 'unsupported';
    else {
      const values = autoExposureValues(spec);
      if (settings.exposure.mode === 'auto') {
        exposure = safeSet(capture, cv.CAP_PROP_AUTO_EXPOSURE, values.auto) ? 'accepted' : 'unsupported';
      } else {
        const manualMode = safeSet(capture, cv.CAP_PROP_AUTO_EXPOSURE, values.manual);
        const setValue = safeSet(capture, cv.CAP_PROP_EXPOSURE, settings.exposure.value);
        exposureValue = safeGet(capture, cv.CAP_PROP_EXPOSURE);
        exposure = !manualMode || !setValue ? 'unsupported' : exposureValue === settings.exposure.value ? 'accepted' : 'adjusted';
      }
    }
  }

  const sourceFps = safeGet(capture, cv.CAP_PROP_FPS);
  const fps = settings.fps ?? (isValidFps(sourceFps) ? sourceFps : FALLBACK_CAMERA_FPS);
  const frameCount = isFile ? Math.max(0, Math.round(safeGet(capture, cv.CAP_PROP_FRAME_COUNT))) : undefined;
  return {
    width: Math.round(safeGet(capture, cv.CAP_PROP_FRAME_WIDTH)),
    height: Math.round(safeGet(capture, cv.CAP_PROP_FRAME_HEIGHT)),
    fps,
    sourceFps,
    ...(frameCount !== undefined ? { frameCount } : {}),
    resolution,
    exposure,
    ...(exposureValue !== undefined ? { exposureValue } : {}),
  };
}

/**
 * How many frames short of the container's count an empty read still counts as the end: some
 * containers (AVI, estimated durations) report a frame or two more than they decode. A file
 * that stops well before its count was truncated or removed, which is treated as an unplug.
 */
function endTolerance(frameCount: number): number {
  return Math.max(2, Math.ceil(frameCount * 0.02));
}

function captureDevice(cv: OpenCv, capture: VideoCapture, spec: CameraSourceSpec, frameCount: number | undefined): CaptureDevice {
  let framesSinceStart = 0;
  return {
    async read(): Promise<CaptureRead> {
      // readAsync decodes on libuv's thread pool, keeping the main process's event loop free.
      const mat = await capture.readAsync();
      if (mat.empty) {
        if (spec.kind !== 'file') return { kind: 'empty' };
        const count = frameCount ?? 0;
        return count <= 0 || framesSinceStart >= count - endTolerance(count) ? { kind: 'end' } : { kind: 'empty' };
      }
      framesSinceStart++;
      return toBgrRead(cv, mat);
    },
    async rewind(): Promise<boolean> {
      if (!safeSet(capture, cv.CAP_PROP_POS_FRAMES, 0)) return false;
      framesSinceStart = 0;
      return true;
    },
    close(): void {
      capture.release();
    },
  };
}

function toBgrRead(cv: OpenCv, mat: Mat): CaptureRead {
  let bgr: Mat;
  if (mat.type === cv.CV_8UC3) bgr = mat;
  else if (mat.type === cv.CV_8UC1) bgr = mat.cvtColor(cv.COLOR_GRAY2BGR);
  else if (mat.type === cv.CV_8UC4) bgr = mat.cvtColor(cv.COLOR_BGRA2BGR);
  else return { kind: 'error', error: { code: 'CAMERA_READ_FAILED', detail: `unsupported frame type ${mat.type}` } };
  const bytes = bgr.getData();
  return { kind: 'frame', width: bgr.cols, height: bgr.rows, data: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) };
}

async function encodeJpeg(cv: OpenCv, frame: CameraFrame, width: number, height: number, quality: number): Promise<Result<Uint8Array, CameraError>> {
  try {
    const source = new cv.Mat(Buffer.from(frame.data.buffer, frame.data.byteOffset, frame.data.byteLength), frame.height, frame.width, cv.CV_8UC3);
    // INTER_AREA averages the pixels it drops: the least aliasing for a large downscale.
    const small = width === frame.width && height === frame.height ? source : await source.resizeAsync(height, width, 0, 0, cv.INTER_AREA);
    // imencode builds the JPEG in a memory buffer; nothing of the face touches the disk.
    const jpeg = await cv.imencodeAsync('.jpg', small, [cv.IMWRITE_JPEG_QUALITY, quality]);
    return ok(new Uint8Array(jpeg.buffer, jpeg.byteOffset, jpeg.byteLength));
  } catch (error) {
    return err({ code: 'CAMERA_PREVIEW_FAILED', detail: error instanceof Error ? error.message : String(error) });
  }
}
