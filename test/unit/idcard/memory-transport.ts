// An in-memory ByteTransport pair for tests: what one end writes, the other receives on the
// next microtask.
import type { ByteTransport, TransportCloseReason } from '../../../native/common/transport';

export interface MemoryEnd extends ByteTransport {
  /** Pulls the cable: both ends close as 'unplugged'. */
  unplug(): void;
  /** Every chunk this end wrote. */
  readonly written: Uint8Array[];
}

interface Wired extends MemoryEnd {
  peer: Wired | undefined;
  deliver(bytes: Uint8Array): void;
  shut(reason: TransportCloseReason): void;
}

function makeEnd(): Wired {
  const data = new Set<(chunk: Uint8Array) => void>();
  const close = new Set<(reason: TransportCloseReason) => void>();
  let open = true;
  const end: Wired = {
    peer: undefined,
    written: [],
    get isOpen() {
      return open;
    },
    write(bytes) {
      if (!open) return Promise.reject(new Error('closed'));
      const copy = bytes.slice();
      end.written.push(copy);
      queueMicrotask(() => end.peer?.deliver(copy));
      return Promise.resolve();
    },
    onData(listener) {
      data.add(listener);
      return () => data.delete(listener);
    },
    onClose(listener) {
      close.add(listener);
      return () => close.delete(listener);
    },
    close() {
      end.shut({ kind: 'closed_by_host' });
      end.peer?.shut({ kind: 'unplugged', detail: 'peer closed' });
      return Promise.resolve();
    },
    unplug() {
      end.shut({ kind: 'unplugged', detail: 'test unplug' });
      end.peer?.shut({ kind: 'unplugged', detail: 'test unplug' });
    },
    deliver(bytes) {
      if (open) for (const listener of [...data]) listener(bytes);
    },
    shut(reason) {
      if (!open) return;
      open = false;
      for (const listener of [...close]) listener(reason);
    },
  };
  return end;
}

export function memoryTransportPair(): [MemoryEnd, MemoryEnd] {
  const a = makeEnd();
  const b = makeEnd();
  a.peer = b;
  b.peer = a;
  return [a, b];
}

/** Lets pending promise callbacks run (ManualClock tests). */
export async function settle(rounds = 30): Promise<void> {
  for (let i = 0; i < rounds; i++) await Promise.resolve();
}
