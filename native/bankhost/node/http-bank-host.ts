// Runs in Node. BankHost over HTTP(S) with Node's fetch. Every attempt of one activation carries
// the same idempotency key, so `retries` (and the flow's own retries after a crash) can never
// activate twice. A timeout is reported as "may have landed": the caller either retries with the
// same key or asks queryActivation.
import { err, ok, type Result } from '../../common/result';
import type { CancelSignal } from '../../common/cancel';
import { ACTIVATIONS_PATH, parseQueryBody } from '../common/activation-wire';
import type { ActivationOutcome, ActivationQuery, ActivationRequest, BankHost, BankHostError } from '../common/types';

export interface HttpBankHostOptions {
  readonly baseUrl: string;
  readonly timeoutMs?: number;
  /** Extra attempts after a timeout or a lost connection, same key each time. */
  readonly retries?: number;
  readonly onEvent?: (event: { readonly kind: 'attempt' | 'retry'; readonly attempt: number; readonly code?: string }) => void;
}

type Attempt = { kind: 'answered'; status: number; body: unknown } | { kind: 'failed'; error: BankHostError };

export class HttpBankHost implements BankHost {
  constructor(private readonly options: HttpBankHostOptions) {}

  async requestActivation(request: ActivationRequest, options: { readonly signal?: CancelSignal } = {}): Promise<Result<ActivationOutcome, BankHostError>> {
    const attempts = 1 + (this.options.retries ?? 0);
    let last: BankHostError = { code: 'HOST_TIMEOUT', mayHaveLanded: true };
    for (let attempt = 1; attempt <= attempts; attempt++) {
      this.options.onEvent?.({ kind: attempt === 1 ? 'attempt' : 'retry', attempt, ...(attempt > 1 ? { code: last.code } : {}) });
      const answer = await this.call('POST', ACTIVATIONS_PATH, request, options.signal, { 'Idempotency-Key': request.idempotencyKey });
      if (answer.kind === 'failed') {
        last = answer.error;
        if (answer.error.code === 'HOST_TIMEOUT' || answer.error.code === 'HOST_UNREACHABLE') continue;
        return err(answer.error);
      }
      return activationResult(answer.status, answer.body);
    }
    return err(last);
  }

  async queryActivation(idempotencyKey: string, options: { readonly signal?: CancelSignal } = {}): Promise<Result<ActivationQuery, BankHostError>> {
    const answer = await this.call('GET', `${ACTIVATIONS_PATH}/${encodeURIComponent(idempotencyKey)}`, undefined, options.signal);
    if (answer.kind === 'failed') return err(answer.error);
    const query = parseQueryBody(answer.status, answer.body);
    if (!query) return err({ code: answer.status >= 500 ? 'HOST_ERROR' : 'HOST_PROTOCOL', mayHaveLanded: false, detail: `query answered ${answer.status}` } as BankHostError);
    return ok(query);
  }

  private async call(method: string, path: string, body: unknown, signal: CancelSignal | undefined, headers: Record<string, string> = {}): Promise<Attempt> {
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.options.timeoutMs ?? 10_000);
    const onAbort = () => controller.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const response = await fetch(new URL(path, this.options.baseUrl), {
        method,
        headers: { 'content-type': 'application/json', ...headers },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: controller.signal,
      });
      const text = await response.text();
      let parsed: unknown;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        return { kind: 'failed', error: { code: 'HOST_PROTOCOL', mayHaveLanded: true, detail: `not JSON (${response.status})` } };
      }
      return { kind: 'answered', status: response.status, body: parsed };
    } catch (cause) {
      if (timedOut) return { kind: 'failed', error: { code: 'HOST_TIMEOUT', mayHaveLanded: true, detail: `no answer in ${this.options.timeoutMs ?? 10_000} ms` } };
      if (signal?.aborted) return { kind: 'failed', error: { code: 'HOST_ABORTED', mayHaveLanded: true } };
      const detail = describe(cause);
      // Refused: nothing reached the host. Anything else (reset mid-way) may have landed.
      const refused = /ECONNREFUSED/.test(detail);
      return { kind: 'failed', error: { code: 'HOST_UNREACHABLE', mayHaveLanded: !refused, detail } };
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }
}

function activationResult(status: number, body: unknown): Result<ActivationOutcome, BankHostError> {
  const b = (body ?? {}) as Record<string, unknown>;
  if ((status === 200 || status === 201) && (b.status === 'activated' || b.status === 'already_activated') && typeof b.hostReference === 'string') {
    return ok({ status: b.status, hostReference: b.hostReference });
  }
  if (status === 422 && b.error === 'rejected') return err({ code: 'HOST_REJECTED', reason: typeof b.reason === 'string' ? b.reason : 'unspecified', mayHaveLanded: false });
  if (status === 409) return err({ code: 'HOST_IDEMPOTENCY_CONFLICT', mayHaveLanded: false });
  if (status >= 500) return err({ code: 'HOST_ERROR', httpStatus: status, mayHaveLanded: true });
  return err({ code: 'HOST_PROTOCOL', mayHaveLanded: true, detail: `answer ${status}` });
}

function describe(cause: unknown): string {
  const parts: string[] = [];
  let current: unknown = cause;
  for (let depth = 0; current && depth < 3; depth++) {
    if (typeof current === 'object' && 'message' in current) parts.push(String((current as { message: unknown }).message));
    if (typeof current === 'object' && 'code' in current) parts.push(String((current as { code: unknown }).code));
    current = typeof current === 'object' && current && 'cause' in current ? (current as { cause: unknown }).cause : undefined;
  }
  return parts.join(': ') || String(cause);
}
