// Runs in Node. A fresh idempotency key for one activation: made once, written to the ledger
// before the first request, reused by every retry (including after a crash).
import { randomUUID } from 'node:crypto';

export function newIdempotencyKey(kioskId: string): string {
  return `${kioskId.replace(/[^A-Za-z0-9]/g, '').slice(0, 24)}-${randomUUID()}`;
}
