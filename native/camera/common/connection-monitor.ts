// Runs anywhere (pure). Unplug and re-plug as a small state machine with no timers of its own.
// OpenCV does not report a vanished camera: V4L2 and DirectShow reads just start returning
// empty frames (or throw). A few in a row mean unplugged; one alone is a hiccup (a USB camera
// drops the odd frame under load). While unplugged the capture loop re-opens with doubling
// back-off, so a camera plugged back in comes back without anyone restarting the kiosk.

export interface ConnectionMonitorOptions {
  /** Consecutive empty or failed reads that mean the camera is gone. */
  readonly emptyReadsToUnplug?: number;
  /** First re-open delay, doubled per failed attempt up to the maximum. */
  readonly reopenInitialDelayMs?: number;
  readonly reopenMaxDelayMs?: number;
  /** Give up ('failed') after this many failed re-opens; unlimited when absent. */
  readonly maxReopenAttempts?: number;
}

export const DEFAULT_EMPTY_READS_TO_UNPLUG = 5;
export const DEFAULT_REOPEN_INITIAL_DELAY_MS = 250;
export const DEFAULT_REOPEN_MAX_DELAY_MS = 4000;

export type ConnectionState = 'present' | 'unplugged' | 'gave_up';

/** What a recorded read means for the caller. */
export type ReadVerdict = 'ok' | 'hiccup' | 'unplugged';

export class ConnectionMonitor {
  private readonly emptyReadsToUnplug: number;
  private readonly initialDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly maxReopenAttempts: number;
  private consecutiveEmpty = 0;
  private failedReopens = 0;
  private current: ConnectionState = 'present';

  constructor(options: ConnectionMonitorOptions = {}) {
    this.emptyReadsToUnplug = Math.max(1, Math.floor(options.emptyReadsToUnplug ?? DEFAULT_EMPTY_READS_TO_UNPLUG));
    this.initialDelayMs = Math.max(0, options.reopenInitialDelayMs ?? DEFAULT_REOPEN_INITIAL_DELAY_MS);
    this.maxDelayMs = Math.max(this.initialDelayMs, options.reopenMaxDelayMs ?? DEFAULT_REOPEN_MAX_DELAY_MS);
    this.maxReopenAttempts = options.maxReopenAttempts ?? Infinity;
  }

  get state(): ConnectionState {
    return this.current;
  }

  get reopenAttempts(): number {
    return this.failedReopens;
  }

  recordFrame(): ReadVerdict {
    this.consecutiveEmpty = 0;
    return 'ok';
  }

  /** An empty frame or a read that threw. Returns 'unplugged' only on the transition. */
  recordEmptyRead(): ReadVerdict {
    if (this.current !== 'present') return 'hiccup';
    this.consecutiveEmpty++;
    if (this.consecutiveEmpty < this.emptyReadsToUnplug) return 'hiccup';
    this.current = 'unplugged';
    this.consecutiveEmpty = 0;
    this.failedReopens = 0;
    return 'unplugged';
  }

  /** The device is known to be gone without counting reads (e.g. a file that will not re-open). */
  recordLost(): void {
    if (this.current !== 'present') return;
    this.current = 'unplugged';
    this.consecutiveEmpty = 0;
    this.failedReopens = 0;
  }

  /** Delay before the next re-open attempt. */
  nextReopenDelayMs(): number {
    const doubled = this.initialDelayMs * 2 ** Math.min(this.failedReopens, 30);
    return Math.min(this.maxDelayMs, doubled);
  }

  /** Returns the new state: still 'unplugged', or 'gave_up' past maxReopenAttempts. */
  recordReopenFailed(): ConnectionState {
    if (this.current !== 'unplugged') return this.current;
    this.failedReopens++;
    if (this.failedReopens >= this.maxReopenAttempts) this.current = 'gave_up';
    return this.current;
  }

  recordReopened(): void {
    this.current = 'present';
    this.consecutiveEmpty = 0;
    this.failedReopens = 0;
  }
}
