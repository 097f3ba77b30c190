import { describe, expect, it } from 'vitest';
import { FrameSchedule, LatestValueMailbox, MAX_FPS } from '../../../native/camera/common/frame-pacing';
import { ConnectionMonitor } from '../../../native/camera/common/connection-monitor';
import { PREVIEW_WIDTH_CEILING, previewSize } from '../../../native/camera/common/preview-size';

describe('FrameSchedule', () => {
  it('keeps slots on a fixed grid when the timer fires a little late', () => {
    const schedule = new FrameSchedule(10); // 100 ms
    schedule.start(1000);
    expect(schedule.delayUntilNext(1000)).toBe(0);
    expect(schedule.claim(1000)).toBe(0);
    expect(schedule.delayUntilNext(1000)).toBe(100);
    // Fired 30 ms late: the next slot is still at 1200, not 1230.
    expect(schedule.claim(1130)).toBe(0);
    expect(schedule.delayUntilNext(1130)).toBe(70);
  });

  it('skips the slots an over-running read missed instead of bursting', () => {
    const schedule = new FrameSchedule(10);
    schedule.start(0);
    schedule.claim(0);
    // The read took 350 ms: slots at 100, 200, 300 are gone; the one at 350 is claimed.
    expect(schedule.claim(350)).toBe(2);
    expect(schedule.delayUntilNext(350)).toBe(50);
  });

  it('rejects rates outside (0, MAX_FPS]', () => {
    expect(() => new FrameSchedule(0)).toThrow(RangeError);
    expect(() => new FrameSchedule(MAX_FPS + 1)).toThrow(RangeError);
    expect(() => new FrameSchedule(Number.NaN)).toThrow(RangeError);
  });
});

describe('LatestValueMailbox', () => {
  it('hands a waiting taker the next value', async () => {
    const mailbox = new LatestValueMailbox<number>();
    const taken = mailbox.take();
    mailbox.put(1);
    await expect(taken).resolves.toEqual({ done: false, value: 1 });
    expect(mailbox.dropped).toBe(0);
  });

  it('keeps only the newest value for a slow taker and counts the rest as dropped', async () => {
    const mailbox = new LatestValueMailbox<number>();
    for (let i = 1; i <= 5; i++) mailbox.put(i);
    await expect(mailbox.take()).resolves.toEqual({ done: false, value: 5 });
    expect(mailbox.dropped).toBe(4);
  });

  it('ends a waiting taker on close and discards a held value', async () => {
    const mailbox = new LatestValueMailbox<number>();
    const waiting = mailbox.take();
    mailbox.close();
    await expect(waiting).resolves.toEqual({ done: true, value: undefined });
    const other = new LatestValueMailbox<number>();
    other.put(7);
    other.close();
    await expect(other.take()).resolves.toEqual({ done: true, value: undefined });
    expect(other.put(8)).toBe(false);
  });

  it('on a draining close still hands out the held value, then done', async () => {
    const mailbox = new LatestValueMailbox<number>();
    mailbox.put(3);
    mailbox.close({ drain: true });
    await expect(mailbox.take()).resolves.toEqual({ done: false, value: 3 });
    await expect(mailbox.take()).resolves.toEqual({ done: true, value: undefined });
  });
});

describe('ConnectionMonitor', () => {
  it('declares an unplug after N consecutive empty reads, not before, and a frame resets the count', () => {
    const monitor = new ConnectionMonitor({ emptyReadsToUnplug: 3 });
    expect(monitor.recordEmptyRead()).toBe('hiccup');
    expect(monitor.recordEmptyRead()).toBe('hiccup');
    monitor.recordFrame();
    expect(monitor.recordEmptyRead()).toBe('hiccup');
    expect(monitor.recordEmptyRead()).toBe('hiccup');
    expect(monitor.recordEmptyRead()).toBe('unplugged');
    expect(monitor.state).toBe('unplugged');
    // Reported once, on the transition.
    expect(monitor.recordEmptyRead()).toBe('hiccup');
  });

  it('re-opens with doubling back-off up to a ceiling, then resets on success', () => {
    const monitor = new ConnectionMonitor({ emptyReadsToUnplug: 1, reopenInitialDelayMs: 100, reopenMaxDelayMs: 500 });
    monitor.recordEmptyRead();
    const delays: number[] = [];
    for (let i = 0; i < 5; i++) {
      delays.push(monitor.nextReopenDelayMs());
      expect(monitor.recordReopenFailed()).toBe('unplugged');
    }
    expect(delays).toEqual([100, 200, 400, 500, 500]);
    expect(monitor.reopenAttempts).toBe(5);
    monitor.recordReopened();
    expect(monitor.state).toBe('present');
    expect(monitor.reopenAttempts).toBe(0);
    expect(monitor.nextReopenDelayMs()).toBe(100);
  });

  it('gives up after maxReopenAttempts when one is set', () => {
    const monitor = new ConnectionMonitor({ emptyReadsToUnplug: 1, maxReopenAttempts: 2 });
    monitor.recordEmptyRead();
    expect(monitor.recordReopenFailed()).toBe('unplugged');
    expect(monitor.recordReopenFailed()).toBe('gave_up');
  });
});

describe('previewSize', () => {
  it('downscales keeping the aspect ratio and never upscales', () => {
    expect(previewSize(640, 480, 320)).toEqual({ ok: true, value: { width: 320, height: 240 } });
    expect(previewSize(320, 240, 480)).toEqual({ ok: true, value: { width: 320, height: 240 } });
  });
  it('caps at the ceiling whatever the caller asks', () => {
    expect(previewSize(1920, 1080, 1920)).toEqual({ ok: true, value: { width: PREVIEW_WIDTH_CEILING, height: 360 } });
  });
  it('rejects a nonsense width with a typed error', () => {
    const result = previewSize(640, 480, 0);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe('CAMERA_INVALID_OPTIONS');
  });
});
