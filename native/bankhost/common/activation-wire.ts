// Runs anywhere (pure). The JSON shapes on the wire between the adapter and the host (our
// simulator's API; a real bank's API is mapped onto BankHost by another adapter):
//   POST /v1/activations            Idempotency-Key header = body.idempotencyKey
//     201 {status:'activated', hostReference}   200 {status:'already_activated', hostReference}
//     422 {error:'rejected', reason}            409 {error:'idempotency_conflict'}
//   GET  /v1/activations/{key}      200 {status, hostReference | reason}    404 {error:'not_found'}
// A repeated key gets the stored status code and body of its first answer.
import type { ActivationQuery, ActivationRequest } from './types';

export const ACTIVATIONS_PATH = '/v1/activations';

const KEY_PATTERN = /^[A-Za-z0-9._:-]{8,128}$/;

export function isValidIdempotencyKey(key: string): boolean {
  return KEY_PATTERN.test(key);
}

export function parseActivationRequest(body: unknown): ActivationRequest | undefined {
  if (!body || typeof body !== 'object') return undefined;
  const b = body as Record<string, unknown>;
  const fields = ['idempotencyKey', 'cardNumberKey', 'idNumberKey', 'kioskId'] as const;
  if (!fields.every((f) => typeof b[f] === 'string' && (b[f] as string).length > 0 && (b[f] as string).length <= 256)) return undefined;
  if (!isValidIdempotencyKey(b.idempotencyKey as string)) return undefined;
  return { idempotencyKey: b.idempotencyKey as string, cardNumberKey: b.cardNumberKey as string, idNumberKey: b.idNumberKey as string, kioskId: b.kioskId as string };
}

export function sameRequest(a: ActivationRequest, b: ActivationRequest): boolean {
  return a.idempotencyKey === b.idempotencyKey && a.cardNumberKey === b.cardNumberKey && a.idNumberKey === b.idNumberKey && a.kioskId === b.kioskId;
}

export function parseQueryBody(httpStatus: number, body: unknown): ActivationQuery | undefined {
  if (httpStatus === 404) return { found: false };
  if (httpStatus !== 200 || !body || typeof body !== 'object') return undefined;
  const b = body as Record<string, unknown>;
  if ((b.status === 'activated' || b.status === 'already_activated') && typeof b.hostReference === 'string') {
    return { found: true, status: b.status, hostReference: b.hostReference };
  }
  if (b.status === 'rejected' && typeof b.reason === 'string') return { found: true, status: 'rejected', reason: b.reason };
  return undefined;
}
