// Runs in Node (main process, dev host, CLI). The real clock behind the Clock interface.
import type { Clock } from '../common/clock';

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(ms, callback) {
    const handle = setTimeout(callback, ms);
    return () => clearTimeout(handle);
  },
};
