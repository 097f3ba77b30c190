// Runs anywhere (pure). A queue of incoming events that a half-duplex protocol client reads
// in order: `next(ms)` returns the next event, or 'timeout' after ms on the injected clock, or
// 'closed' once the transport is gone. Lets a handshake (send, await ACK, send ENQ, await
// frame) read as straight-line code instead of a callback state machine.
import type { CancelTimer, Clock } from './clock';

export type InboxItem<E> = { readonly kind: 'event'; readonly event: E } | { readonly kind: 'timeout' } | { readonly kind: 'closed' };

export class EventInbox<E> {
  private readonly queue: E[] = [];
  private waiter: ((item: InboxItem<E>) => void) | undefined;
  private cancelTimer: CancelTimer = () => {};
  private isClosed = false;

  constructor(private readonly clock: Clock) {}

  get closed(): boolean {
    return this.isClosed;
  }

  push(event: E): void {
    if (this.isClosed) return;
    const waiter = this.waiter;
    if (waiter) {
      this.waiter = undefined;
      this.cancelTimer();
      waiter({ kind: 'event', event });
      return;
    }
    this.queue.push(event);
  }

  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.queue.length = 0;
    const waiter = this.waiter;
    this.waiter = undefined;
    this.cancelTimer();
    waiter?.({ kind: 'closed' });
  }

  clear(): void {
    this.queue.length = 0;
  }

  next(timeoutMs: number): Promise<InboxItem<E>> {
    if (this.isClosed) return Promise.resolve({ kind: 'closed' });
    const queued = this.queue.shift();
    if (queued !== undefined) return Promise.resolve({ kind: 'event', event: queued });
    if (this.waiter) throw new Error('EventInbox: one reader at a time');
    return new Promise((resolve) => {
      this.waiter = resolve;
      this.cancelTimer = this.clock.setTimer(timeoutMs, () => {
        if (this.waiter !== resolve) return;
        this.waiter = undefined;
        resolve({ kind: 'timeout' });
      });
    });
  }
}
