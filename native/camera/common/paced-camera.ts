// Runs anywhere (pure). The CameraSource behaviour, independent of OpenCV: reads on a paced
// grid, hands frames to subscribers without queueing, loops or ends files, notices an unplug
// and re-opens with back-off. The OpenCV module supplies only a CaptureBackend (open, read,
// rewind, close, encode a preview), so everything here is tested with a fake device and a
// ManualClock.
import { err, ok, type Result } from '../../common/result';
import type { CancelTimer, Clock } from '../../common/clock';
import type { CancelSignal } from '../../common/cancel';
import type {
  CameraError,
  CameraFrame,
  CameraSettingsReport,
  CameraSource,
  CameraStats,
  CameraStatus,
  CameraErrorCode,
  PreviewOptions,
} from './types';
import { FrameSchedule, LatestValueMailbox, isValidFps } from './frame-pacing';
import { ConnectionMonitor, type ConnectionMonitorOptions } from './connection-monitor';
import { previewSize, DEFAULT_PREVIEW_QUALITY } from './preview-size';

/** One read from the device, already converted to 8-bit BGR when it holds an image. */
export type CaptureRead =
  | { readonly kind: 'frame'; readonly width: number; readonly height: number; readonly data: Uint8Array }
  | { readonly kind: 'empty' }
  /** Files only: the last frame has been read. */
  | { readonly kind: 'end' }
  | { readonly kind: 'error'; readonly error: CameraError };

export interface CaptureDevice {
  read(): Promise<CaptureRead>;
  /** Files: back to the first frame. False when it cannot; the loop then re-opens instead. */
  rewind(): Promise<boolean>;
  /** Never called while a read is in flight. */
  close(): void;
}

export interface CaptureBackend {
  open(): Promise<Result<CaptureDevice, CameraError>>;
  /** BGR in, JPEG out, at exactly width × height; in memory only. */
  encodeJpeg(frame: CameraFrame, width: number, height: number, quality: number): Promise<Result<Uint8Array, CameraError>>;
}

export interface PacedCameraOptions {
  readonly backend: CaptureBackend;
  readonly clock: Clock;
  /** What open() reported; fps is the delivery rate. */
  readonly settings: CameraSettingsReport;
  /** Files: restart at the end (true) or end the source (false). Ignored for cameras. */
  readonly loop?: boolean;
  readonly connection?: ConnectionMonitorOptions;
}

const CLOSED: CameraError = { code: 'CAMERA_CLOSED', detail: 'camera source closed' };

/** Opens the backend once and starts delivering; a first open that fails is an error, not a retry loop. */
export async function openPacedCamera(options: PacedCameraOptions): Promise<Result<CameraSource, CameraError>> {
  if (!isValidFps(options.settings.fps)) {
    return err({ code: 'CAMERA_INVALID_OPTIONS', detail: `fps ${options.settings.fps} out of range` });
  }
  const opened = await options.backend.open();
  if (!opened.ok) return opened;
  return ok(new PacedCamera(options, opened.value));
}

class PacedCamera implements CameraSource {
  private readonly backend: CaptureBackend;
  private readonly clock: Clock;
  private readonly loop: boolean;
  private readonly schedule: FrameSchedule;
  private readonly monitor: ConnectionMonitor;
  private readonly statusListeners = new Set<(status: CameraStatus) => void>();
  private readonly frameListeners = new Set<(frame: CameraFrame) => void>();
  private readonly mailboxes = new Set<LatestValueMailbox<CameraFrame>>();
  private device: CaptureDevice | undefined;
  private currentStatus: CameraStatus;
  private cancelTimer: CancelTimer | undefined;
  private inFlight: Promise<unknown> | undefined;
  private sequence = 0;
  private counters = { skippedSlots: 0, droppedClosed: 0, emptyReads: 0, loops: 0, reopens: 0 };
  private lastReadError: CameraErrorCode | undefined;

  readonly settings: CameraSettingsReport;

  constructor(options: PacedCameraOptions, device: CaptureDevice) {
    this.backend = options.backend;
    this.clock = options.clock;
    this.settings = options.settings;
    this.loop = options.loop ?? false;
    this.schedule = new FrameSchedule(options.settings.fps);
    this.monitor = new ConnectionMonitor(options.connection);
    this.device = device;
    this.currentStatus = { state: 'ready', since: this.clock.now() };
    this.schedule.start(this.clock.now());
    this.scheduleNextRead();
  }

  get status(): CameraStatus {
    return this.currentStatus;
  }

  onStatus(listener: (status: CameraStatus) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  onFrame(listener: (frame: CameraFrame) => void): () => void {
    this.frameListeners.add(listener);
    return () => this.frameListeners.delete(listener);
  }

  frames(signal?: CancelSignal): AsyncIterableIterator<CameraFrame> {
    const mailbox = new LatestValueMailbox<CameraFrame>();
    const finish = () => {
      this.counters.droppedClosed += mailbox.dropped;
      mailbox.dropped = 0;
      mailbox.close();
      this.mailboxes.delete(mailbox);
      signal?.removeEventListener('abort', finish);
    };
    if (this.isFinished() || signal?.aborted) mailbox.close();
    else {
      this.mailboxes.add(mailbox);
      signal?.addEventListener('abort', finish, { once: true });
    }
    const iterator: AsyncIterableIterator<CameraFrame> = {
      next: () => mailbox.take(),
      return: async () => {
        finish();
        return { done: true, value: undefined };
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  async preview(frame: CameraFrame, options: PreviewOptions): Promise<Result<Uint8Array, CameraError>> {
    if (frame.data.byteLength !== frame.width * frame.height * 3) {
      return err({ code: 'CAMERA_PREVIEW_FAILED', detail: 'frame data is not width*height*3 BGR bytes' });
    }
    const size = previewSize(frame.width, frame.height, options.maxWidth);
    if (!size.ok) return size;
    const quality = options.quality ?? DEFAULT_PREVIEW_QUALITY;
    if (!Number.isInteger(quality) || quality < 1 || quality > 100) {
      return err({ code: 'CAMERA_INVALID_OPTIONS', detail: 'preview quality must be an integer 1–100' });
    }
    return this.backend.encodeJpeg(frame, size.value.width, size.value.height, quality);
  }

  stats(): CameraStats {
    let dropped = this.counters.droppedClosed;
    for (const mailbox of this.mailboxes) dropped += mailbox.dropped;
    return {
      delivered: this.sequence,
      skippedSlots: this.counters.skippedSlots,
      droppedForSlowConsumers: dropped,
      emptyReads: this.counters.emptyReads,
      loops: this.counters.loops,
      reopens: this.counters.reopens,
      ...(this.lastReadError ? { lastReadError: this.lastReadError } : {}),
    };
  }

  async close(): Promise<void> {
    if (this.currentStatus.state === 'closed') return;
    this.setStatus({ state: 'closed', error: CLOSED, since: this.clock.now() });
    await this.shutDown();
  }

  private isFinished(): boolean {
    const state = this.currentStatus.state;
    return state === 'closed' || state === 'ended' || state === 'failed';
  }

  private setStatus(status: CameraStatus): void {
    this.currentStatus = status;
    for (const listener of [...this.statusListeners]) {
      try {
        listener(status);
      } catch {
        // A faulty listener must not stop the camera for the others.
      }
    }
  }

  /**
   * Stops timers and iterators and releases the device once no read is in flight. `drain` lets
   * iterators hand out the frame they hold first (end of file); close() discards it.
   */
  private async shutDown(options: { readonly drain?: boolean } = {}): Promise<void> {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    for (const mailbox of [...this.mailboxes]) {
      this.counters.droppedClosed += mailbox.dropped;
      mailbox.dropped = 0;
      mailbox.close(options);
    }
    this.mailboxes.clear();
    // Releasing a capture while a read runs on the thread pool would free memory under it.
    if (this.inFlight) await this.inFlight.catch(() => undefined);
    this.releaseDevice();
  }

  private releaseDevice(): void {
    const device = this.device;
    this.device = undefined;
    try {
      device?.close();
    } catch {
      // Already gone (unplugged); nothing left to release.
    }
  }

  private scheduleNextRead(): void {
    this.cancelTimer?.();
    const delay = this.schedule.delayUntilNext(this.clock.now());
    this.cancelTimer = this.clock.setTimer(delay, () => this.readSlot());
  }

  private readSlot(): void {
    this.cancelTimer = undefined;
    const device = this.device;
    if (this.currentStatus.state !== 'ready' || !device) return;
    this.counters.skippedSlots += this.schedule.claim(this.clock.now());
    void this.track(device.read()).then(
      (read) => this.handleRead(read),
      (error: unknown) => this.handleRead({ kind: 'error', error: { code: 'CAMERA_READ_FAILED', detail: describe(error) } }),
    );
  }

  /**
   * Remembers a device operation (read, rewind, open) so shutDown can wait for it. Only the
   * operation itself: tracking the handling after it would make shutDown wait on itself.
   */
  private track<T>(operation: Promise<T>): Promise<T> {
    this.inFlight = operation;
    const clear = () => {
      if (this.inFlight === operation) this.inFlight = undefined;
    };
    operation.then(clear, clear);
    return operation;
  }

  /** A backend that throws instead of returning an error still yields a Result. */
  private openSafely(): Promise<Result<CaptureDevice, CameraError>> {
    return this.track(this.backend.open()).catch(
      (error: unknown): Result<CaptureDevice, CameraError> => err({ code: 'CAMERA_OPEN_FAILED', detail: describe(error) }),
    );
  }

  private async handleRead(read: CaptureRead): Promise<void> {
    if (this.currentStatus.state !== 'ready') return;
    switch (read.kind) {
      case 'frame':
        this.monitor.recordFrame();
        this.deliver({ width: read.width, height: read.height, data: read.data, capturedAt: this.clock.now(), sequence: this.sequence++ });
        this.scheduleNextRead();
        return;
      case 'end':
        await this.handleEnd();
        return;
      case 'empty':
      case 'error':
        this.counters.emptyReads++;
        if (read.kind === 'error') this.lastReadError = read.error.code;
        if (this.monitor.recordEmptyRead() === 'unplugged') {
          this.releaseDevice();
          const detail = read.kind === 'error' ? read.error.detail : 'consecutive empty frames';
          this.setStatus({
            state: 'unplugged',
            error: { code: 'CAMERA_UNPLUGGED', ...(detail ? { detail } : {}) },
            since: this.clock.now(),
            reopenAttempts: 0,
          });
          this.scheduleReopen();
        } else {
          this.scheduleNextRead();
        }
        return;
    }
  }

  private async handleEnd(): Promise<void> {
    if (!this.loop) {
      this.setStatus({ state: 'ended', error: { code: 'CAMERA_END_OF_FILE' }, since: this.clock.now() });
      await this.shutDown({ drain: true });
      return;
    }
    this.counters.loops++;
    const rewound = this.device ? await this.track(this.device.rewind()).catch(() => false) : false;
    if (this.currentStatus.state !== 'ready') return;
    if (!rewound) {
      this.releaseDevice();
      const reopened = await this.openSafely();
      if (this.currentStatus.state !== 'ready') {
        if (reopened.ok) reopened.value.close();
        return;
      }
      if (!reopened.ok) {
        this.monitor.recordLost();
        this.setStatus({ state: 'unplugged', error: { code: 'CAMERA_UNPLUGGED', detail: reopened.error.detail ?? 'file could not be reopened' }, since: this.clock.now(), reopenAttempts: 0 });
        this.scheduleReopen();
        return;
      }
      this.device = reopened.value;
    }
    this.scheduleNextRead();
  }

  private scheduleReopen(): void {
    this.cancelTimer?.();
    this.cancelTimer = this.clock.setTimer(this.monitor.nextReopenDelayMs(), () => {
      this.cancelTimer = undefined;
      void this.attemptReopen();
    });
  }

  private async attemptReopen(): Promise<void> {
    if (this.currentStatus.state !== 'unplugged') return;
    const opened = await this.openSafely();
    if (this.currentStatus.state !== 'unplugged') {
      // Closed while the open ran: release what it opened.
      if (opened.ok) opened.value.close();
      return;
    }
    if (!opened.ok) {
      if (this.monitor.recordReopenFailed() === 'gave_up') {
        this.setStatus({ state: 'failed', error: opened.error, since: this.clock.now() });
        await this.shutDown();
        return;
      }
      this.setStatus({ ...this.currentStatus, reopenAttempts: this.monitor.reopenAttempts });
      this.scheduleReopen();
      return;
    }
    this.device = opened.value;
    this.monitor.recordReopened();
    this.counters.reopens++;
    this.setStatus({ state: 'ready', since: this.clock.now() });
    this.schedule.start(this.clock.now());
    this.scheduleNextRead();
  }

  private deliver(frame: CameraFrame): void {
    for (const listener of [...this.frameListeners]) {
      try {
        listener(frame);
      } catch {
        // A faulty subscriber must not stop delivery to the others.
      }
    }
    for (const mailbox of this.mailboxes) mailbox.put(frame);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
