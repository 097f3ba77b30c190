// Runs anywhere (pure). The bank host as the activation flow sees it: "activate card X of person
// Y", made safe to retry by an idempotency key — the host answers a repeated key with the answer
// it gave the first time and never activates twice. The kiosk sends keyed hashes, not numbers.
import type { CancelSignal } from '../../common/cancel';
import type { Result } from '../../common/result';

export interface ActivationRequest {
  /** Chosen by the kiosk before the first attempt, kept in the ledger, reused for every retry. */
  readonly idempotencyKey: string;
  /** Keyed hash of the card number. */
  readonly cardNumberKey: string;
  /** Keyed hash of the ID number. */
  readonly idNumberKey: string;
  readonly kioskId: string;
}

export interface ActivationOutcome {
  /** already_activated: this card was activated earlier under another key. */
  readonly status: 'activated' | 'already_activated';
  /** The host's reference for the activation (goes on the receipt). */
  readonly hostReference: string;
}

export type BankHostError =
  | { readonly code: 'HOST_REJECTED'; readonly reason: string; readonly mayHaveLanded: false }
  /** No answer in time: the request may or may not have landed. Query, or retry with the same key. */
  | { readonly code: 'HOST_TIMEOUT'; readonly mayHaveLanded: true; readonly detail?: string }
  | { readonly code: 'HOST_UNREACHABLE'; readonly mayHaveLanded: boolean; readonly detail?: string }
  /** The key was used before with a different request: a kiosk bug, never retried. */
  | { readonly code: 'HOST_IDEMPOTENCY_CONFLICT'; readonly mayHaveLanded: false; readonly detail?: string }
  | { readonly code: 'HOST_ERROR'; readonly mayHaveLanded: boolean; readonly httpStatus?: number; readonly detail?: string }
  | { readonly code: 'HOST_PROTOCOL'; readonly mayHaveLanded: boolean; readonly detail?: string }
  | { readonly code: 'HOST_ABORTED'; readonly mayHaveLanded: true };

/** What the host knows about an idempotency key (crash recovery: "did this request land?"). */
export type ActivationQuery =
  | { readonly found: false }
  | { readonly found: true; readonly status: 'activated' | 'already_activated'; readonly hostReference: string }
  | { readonly found: true; readonly status: 'rejected'; readonly reason: string };

export interface BankHost {
  requestActivation(request: ActivationRequest, options?: { readonly signal?: CancelSignal }): Promise<Result<ActivationOutcome, BankHostError>>;
  queryActivation(idempotencyKey: string, options?: { readonly signal?: CancelSignal }): Promise<Result<ActivationQuery, BankHostError>>;
}
