// Runs in Node, once at start-up, before anyone is served. Finds what a crash or power cut left
// half-done in the ledger and settles it:
// - an activation recorded as requested with no result: the host is asked again with the same
//   idempotency key, so it either reports what it already did or does it now — never twice — and
//   the answer is recorded. Only a host that still cannot be reached leaves it open (staff are told,
//   and the next start tries again);
// - a session with no end: recorded as interrupted.
// This is how "activated at the host but not recorded" and "recorded but not at the host" are
// ruled out: the request is in the ledger before the host hears of it, and its answer is in the
// ledger before anyone is told.
import type { BankHost } from '../../native/bankhost/common/types';
import type { Ledger, LedgerEntryInput } from '../ledger/ledger';
import type { Logger } from './logger';

/** Far more than one day of sessions; recovery runs at every start, so nothing older can be open. */
const RECOVERY_WINDOW = 5000;

export interface RecoveryReport {
  readonly recovered: number;
  readonly unresolved: number;
  readonly interruptedSessions: number;
}

interface RequestBody {
  readonly idempotencyKey: string;
  readonly cardNumberKey: string;
  readonly idNumberKey: string;
  readonly kioskId: string;
}

function isRequestBody(body: unknown): body is RequestBody {
  if (typeof body !== 'object' || body === null) return false;
  const record = body as Record<string, unknown>;
  return ['idempotencyKey', 'cardNumberKey', 'idNumberKey', 'kioskId'].every((key) => typeof record[key] === 'string');
}

export async function recoverPendingActivations(ledger: Ledger, host: BankHost, logger: Logger): Promise<RecoveryReport> {
  const recent = ledger.tail(RECOVERY_WINDOW);
  if (!recent.ok) {
    logger.log('error', 'recovery_ledger_unreadable', { code: 'code' in recent.error ? recent.error.code : 'unknown' });
    return { recovered: 0, unresolved: 0, interruptedSessions: 0 };
  }
  const requested = new Map<string, { sessionId: string; request: RequestBody }>();
  const answered = new Set<string>();
  const started = new Set<string>();
  const ended = new Set<string>();
  for (const entry of recent.value) {
    if (entry.kind === 'session_started') started.add(entry.sessionId);
    if (entry.kind === 'session_ended') ended.add(entry.sessionId);
    if (entry.kind === 'activation_requested' && isRequestBody(entry.body)) requested.set(entry.body.idempotencyKey, { sessionId: entry.sessionId, request: entry.body });
    if (entry.kind === 'activation_result' && typeof (entry.body as Record<string, unknown>)?.idempotencyKey === 'string') {
      answered.add((entry.body as Record<string, string>).idempotencyKey!);
    }
  }

  const append = (entry: { sessionId: string; kind: string; body: Record<string, unknown> }) => ledger.append(entry as unknown as LedgerEntryInput);
  let recovered = 0;
  let unresolved = 0;
  for (const [key, { sessionId, request }] of requested) {
    if (answered.has(key)) continue;
    const answer = await host.requestActivation({ idempotencyKey: key, cardNumberKey: request.cardNumberKey, idNumberKey: request.idNumberKey, kioskId: request.kioskId });
    if (answer.ok) {
      append({ sessionId, kind: 'activation_result', body: { idempotencyKey: key, status: answer.value.status, hostReference: answer.value.hostReference, attempts: 1, recovered: true } });
      recovered++;
    } else if (answer.error.code === 'HOST_REJECTED') {
      append({ sessionId, kind: 'activation_result', body: { idempotencyKey: key, status: 'rejected', reason: answer.error.reason.slice(0, 120), recovered: true } });
      recovered++;
    } else {
      unresolved++;
      logger.log('error', 'activation_recovery_failed', { code: answer.error.code });
      continue;
    }
    // The person left without a receipt: staff follow up with them.
    append({ sessionId, kind: 'staff_called', body: { screen: 'recovery' } });
  }

  let interruptedSessions = 0;
  for (const sessionId of started) {
    if (ended.has(sessionId)) continue;
    const appended = append({ sessionId, kind: 'session_ended', body: { outcome: 'interrupted' } });
    if (appended.ok) interruptedSessions++;
  }
  if (recovered || unresolved || interruptedSessions) logger.log('warn', 'start_up_recovery', { recovered, unresolved, interruptedSessions });
  return { recovered, unresolved, interruptedSessions };
}
