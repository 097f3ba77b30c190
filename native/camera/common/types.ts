// Runs anywhere (pure). The camera's public shapes: a frame, what can go wrong, the source's
// status, and the CameraSource the face step talks to. The OpenCV implementation lives in
// native/camera/node/opencv-camera.ts; everything above it depends on these alone, so the flow
// and the face engine can be tested with a fake source.
import type { CodedError, Result } from '../../common/result';
import type { CancelSignal } from '../../common/cancel';

/** One captured image. Face data: never logged, never written to disk, dropped after use. */
export interface CameraFrame {
  readonly width: number;
  readonly height: number;
  /** 8-bit BGR, row-major, no padding: width * height * 3 bytes (OpenCV's native order). */
  readonly data: Uint8Array;
  /** Clock time (ms) at which the read returned. */
  readonly capturedAt: number;
  /** Counts delivered frames from 0 since the source opened, across re-opens and loops. */
  readonly sequence: number;
}

export type CameraErrorCode =
  /** The native OpenCV module could not be loaded: the app runs on, the flow offers staff. */
  | 'CAMERA_BACKEND_UNAVAILABLE'
  | 'CAMERA_OPEN_FAILED'
  /** Consecutive empty or failed reads: the camera is gone (or the file became unreadable). */
  | 'CAMERA_UNPLUGGED'
  /** A single read failed or returned an image that cannot be turned into BGR. */
  | 'CAMERA_READ_FAILED'
  /** A video file in 'end' mode played to its last frame. */
  | 'CAMERA_END_OF_FILE'
  | 'CAMERA_CLOSED'
  | 'CAMERA_PREVIEW_FAILED'
  | 'CAMERA_INVALID_OPTIONS';

export type CameraError = CodedError<CameraErrorCode>;

/**
 * opening → ready ⇄ unplugged; ready → ended (file in 'end' mode); any → closed.
 * 'failed' is terminal: re-opening gave up (only when maxReopenAttempts is set).
 */
export type CameraState = 'opening' | 'ready' | 'unplugged' | 'ended' | 'failed' | 'closed';

export interface CameraStatus {
  readonly state: CameraState;
  /** Why the source is not 'ready' (absent while ready). */
  readonly error?: CameraError;
  /** Clock time of the last state change. */
  readonly since: number;
  /** While unplugged: how many re-opens have failed so far. */
  readonly reopenAttempts?: number;
}

/** Where the frames come from. */
export type CameraSourceSpec =
  /** A camera by index; `api` picks the OS backend (V4L2 on Linux, DirectShow/MSMF on Windows). */
  | { readonly kind: 'device'; readonly index: number; readonly api?: CameraApi }
  /** A camera by path, e.g. /dev/video0 or a /dev/v4l/by-id/… link that survives re-plugging. */
  | { readonly kind: 'path'; readonly path: string; readonly api?: CameraApi }
  /** A video file (tests, demo mode). `loop` restarts at the end; otherwise the source ends. */
  | { readonly kind: 'file'; readonly path: string; readonly loop?: boolean };

export type CameraApi = 'any' | 'v4l2' | 'dshow' | 'msmf';

export type ExposureSetting = { readonly mode: 'auto' } | { readonly mode: 'manual'; readonly value: number };

export interface CameraSettings {
  /** Requested capture size; a camera may pick the nearest mode it has. Ignored for files. */
  readonly width?: number;
  readonly height?: number;
  /**
   * Delivery rate. Files default to their own frame rate; cameras to what the camera reports
   * (30 when it reports nothing). Files deliver every frame in order at this rate, so a
   * 15 fps file read at 30 fps plays twice as fast: tests and demos see every frame.
   */
  readonly fps?: number;
  /** Cameras only, where the driver exposes it. */
  readonly exposure?: ExposureSetting;
}

/** 'adjusted': the camera took a different value than asked (its nearest supported mode). */
export type SettingOutcome = 'not_requested' | 'accepted' | 'adjusted' | 'unsupported';

/** What the camera actually accepted, so diagnostics can show it and tests can assert on it. */
export interface CameraSettingsReport {
  readonly width: number;
  readonly height: number;
  /** The rate frames are delivered at. */
  readonly fps: number;
  /** The rate the device or file reports (0 when unknown). */
  readonly sourceFps: number;
  /** Files only: frames in the file as its container reports them. */
  readonly frameCount?: number;
  readonly resolution: SettingOutcome;
  readonly exposure: SettingOutcome;
  /** The exposure value read back from the device after setting it, where it reports one. */
  readonly exposureValue?: number;
}

export interface CameraStats {
  readonly delivered: number;
  /** Slots skipped because a read over-ran its period (pacing drops, never a burst). */
  readonly skippedSlots: number;
  /** Frames replaced in a frames() iterator before its consumer took them (summed). */
  readonly droppedForSlowConsumers: number;
  readonly emptyReads: number;
  readonly loops: number;
  readonly reopens: number;
  readonly lastReadError?: CameraErrorCode;
}

export interface PreviewOptions {
  /** Upper bound on the preview's width; the height keeps the aspect ratio. */
  readonly maxWidth: number;
  /** JPEG quality 1–100 (default 70: the renderer shows a small mirror image, not evidence). */
  readonly quality?: number;
}

export interface CameraSource {
  readonly status: CameraStatus;
  readonly settings: CameraSettingsReport;
  onStatus(listener: (status: CameraStatus) => void): () => void;
  /** Called synchronously for every delivered frame: keep the listener short. */
  onFrame(listener: (frame: CameraFrame) => void): () => void;
  /**
   * Frames as they are delivered. A slow consumer gets the newest frame when it asks again;
   * frames in between are dropped, never queued. Ends when the source closes, ends or fails,
   * or when `signal` aborts. Waits (does not end) while the camera is unplugged.
   */
  frames(signal?: CancelSignal): AsyncIterableIterator<CameraFrame>;
  /** A downscaled JPEG of `frame` for the renderer, built in memory only. */
  preview(frame: CameraFrame, options: PreviewOptions): Promise<Result<Uint8Array, CameraError>>;
  stats(): CameraStats;
  close(): Promise<void>;
}
