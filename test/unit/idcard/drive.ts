import { ManualClock } from '../../../native/common/clock';
import { settle } from './memory-transport';

/** Advances a ManualClock in small steps, letting promises run, until `promise` settles. */
export async function drive<T>(clock: ManualClock, promise: Promise<T>, maxMs = 20_000, stepMs = 10): Promise<T> {
  let done = false;
  const watched = promise.finally(() => (done = true));
  await settle();
  for (let elapsed = 0; !done && elapsed < maxMs; elapsed += stepMs) {
    clock.advance(stepMs);
    await settle();
  }
  if (!done) throw new Error(`promise still pending after ${maxMs} ms of manual time`);
  return watched;
}

/** Advances time by `ms` in steps, letting promises run. */
export async function pass(clock: ManualClock, ms: number, stepMs = 10): Promise<void> {
  await settle();
  for (let elapsed = 0; elapsed < ms; elapsed += stepMs) {
    clock.advance(Math.min(stepMs, ms - elapsed));
    await settle();
  }
}
