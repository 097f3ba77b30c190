// Runs anywhere (pure). Steady frame pacing: slots on a fixed grid (no drift from timer
// lateness), a read that over-runs skips the slots it missed instead of bursting to catch up,
// and each consumer holds at most one undelivered frame, so a slow consumer sees the newest
// frame and never a backlog (a backlog would show the person where they were, not where they are).

/** Highest rate accepted: above this the timer, not the camera, would set the pace. */
export const MAX_FPS = 120;

export function isValidFps(fps: number): boolean {
  return Number.isFinite(fps) && fps > 0 && fps <= MAX_FPS;
}

/** Slot times for a target rate. Owns no timer: the capture loop asks it when to wake up. */
export class FrameSchedule {
  readonly periodMs: number;
  private nextSlotAt = 0;

  constructor(fps: number) {
    if (!isValidFps(fps)) throw new RangeError(`fps must be in (0, ${MAX_FPS}]`);
    this.periodMs = 1000 / fps;
  }

  /** The first slot is due at `now`. */
  start(now: number): void {
    this.nextSlotAt = now;
  }

  /** Milliseconds until the next slot (0 when it is already due). */
  delayUntilNext(now: number): number {
    return Math.max(0, Math.ceil(this.nextSlotAt - now));
  }

  /**
   * Takes the slot due at `now` and moves to the next one on the grid. Returns how many whole
   * slots were missed because `now` is late by a period or more; those are skipped, not replayed.
   */
  claim(now: number): number {
    const late = now - this.nextSlotAt;
    const skipped = late >= this.periodMs ? Math.floor(late / this.periodMs) : 0;
    this.nextSlotAt += (skipped + 1) * this.periodMs;
    return skipped;
  }
}

/** A one-value mailbox: put() replaces what the taker has not collected yet. */
export class LatestValueMailbox<T> {
  private value: { readonly v: T } | undefined;
  private waiter: ((result: IteratorResult<T, undefined>) => void) | undefined;
  private closed = false;
  /** Values replaced before anyone took them. */
  dropped = 0;

  /** Returns false once closed. */
  put(value: T): boolean {
    if (this.closed) return false;
    if (this.waiter) {
      const wake = this.waiter;
      this.waiter = undefined;
      wake({ done: false, value });
      return true;
    }
    if (this.value) this.dropped++;
    this.value = { v: value };
    return true;
  }

  /** The held value at once, else the next one put, else done when closed. */
  take(): Promise<IteratorResult<T, undefined>> {
    if (this.value) {
      const { v } = this.value;
      this.value = undefined;
      return Promise.resolve({ done: false, value: v });
    }
    if (this.closed) return Promise.resolve({ done: true, value: undefined });
    if (this.waiter) return Promise.reject(new Error('LatestValueMailbox: one taker at a time'));
    return new Promise((resolve) => (this.waiter = resolve));
  }

  /**
   * Ends the mailbox. An undelivered value is discarded (it may hold a face), unless `drain`:
   * then the taker still gets it before done (a file's last frame is part of the recording).
   */
  close(options: { readonly drain?: boolean } = {}): void {
    if (this.closed) return;
    this.closed = true;
    if (!options.drain) this.value = undefined;
    const wake = this.waiter;
    this.waiter = undefined;
    wake?.({ done: true, value: undefined });
  }

  get isClosed(): boolean {
    return this.closed;
  }
}
