// Runs in Node. A bank host on 127.0.0.1 (random port) speaking activation-wire.ts, scriptable
// per request: approve, reject with a reason, time out (before or after it commits), answer 500,
// or see the request twice (a network duplicate). It keeps the idempotency store a real host
// must keep, and records every activation so tests can assert "activated exactly once".
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ACTIVATIONS_PATH, parseActivationRequest, sameRequest } from '../common/activation-wire';
import type { ActivationRequest } from '../common/types';

export type HostScenario =
  | { readonly kind: 'approve' }
  | { readonly kind: 'reject'; readonly reason: string }
  /** The host never answers and never commits: the request is lost. */
  | { readonly kind: 'timeout_before_commit' }
  /** The host commits the activation, then its answer is lost. */
  | { readonly kind: 'timeout_after_commit' }
  | { readonly kind: 'server_error' }
  /** The same request arrives twice (a proxy retried it): the second must change nothing. */
  | { readonly kind: 'duplicate' };

export interface ActivationRecord {
  readonly idempotencyKey: string;
  readonly cardNumberKey: string;
  readonly idNumberKey: string;
  readonly kioskId: string;
  readonly hostReference: string;
  readonly at: string;
}

interface StoredAnswer {
  readonly request: ActivationRequest;
  readonly httpStatus: number;
  readonly body: Record<string, unknown>;
}

export class BankHostSimulator {
  private server: Server | undefined;
  private readonly scenarios: HostScenario[] = [];
  private readonly answers = new Map<string, StoredAnswer>();
  private readonly byCard = new Map<string, ActivationRecord>();
  private readonly hanging = new Set<ServerResponse>();
  private counter = 0;
  /** Every activation the host performed: the ground truth for "exactly once". */
  readonly activations: ActivationRecord[] = [];
  /** Every POST seen (replays included), by idempotency key. */
  readonly requests: string[] = [];
  replays = 0;
  baseUrl = '';

  async start(): Promise<this> {
    const server = createServer((req, res) => void this.handle(req, res));
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this;
  }

  /** Scenarios for the next requests, in order; approve once they run out. */
  script(...scenarios: HostScenario[]): void {
    this.scenarios.push(...scenarios);
  }

  activationCount(cardNumberKey: string): number {
    return this.activations.filter((a) => a.cardNumberKey === cardNumberKey).length;
  }

  async close(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.hanging.clear();
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://host');
    if (req.method === 'POST' && url.pathname === ACTIVATIONS_PATH) return this.post(req, res);
    if (req.method === 'GET' && url.pathname.startsWith(`${ACTIVATIONS_PATH}/`)) {
      const key = decodeURIComponent(url.pathname.slice(ACTIVATIONS_PATH.length + 1));
      const stored = this.answers.get(key);
      if (!stored) return send(res, 404, { error: 'not_found' });
      const body = stored.body;
      if (body.error === 'rejected') return send(res, 200, { status: 'rejected', reason: body.reason });
      return send(res, 200, { status: body.status, hostReference: body.hostReference });
    }
    send(res, 404, { error: 'no_such_endpoint' });
  }

  private async post(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let body: unknown;
    try {
      body = JSON.parse(await readBody(req));
    } catch {
      return send(res, 400, { error: 'bad_json' });
    }
    const request = parseActivationRequest(body);
    if (!request || req.headers['idempotency-key'] !== request.idempotencyKey) return send(res, 400, { error: 'bad_request' });
    this.requests.push(request.idempotencyKey);
    const scenario = this.scenarios.shift() ?? { kind: 'approve' };
    if (scenario.kind === 'timeout_before_commit') return this.hang(res);
    if (scenario.kind === 'server_error') return send(res, 500, { error: 'internal' });
    const answer = this.decide(request, scenario);
    if (scenario.kind === 'duplicate') this.decide(request, { kind: 'approve' });
    if (scenario.kind === 'timeout_after_commit') return this.hang(res);
    send(res, answer.httpStatus, answer.body);
  }

  /** The idempotent core: a known key replays its first answer; a new key is decided once. */
  private decide(request: ActivationRequest, scenario: HostScenario): { httpStatus: number; body: Record<string, unknown> } {
    const stored = this.answers.get(request.idempotencyKey);
    if (stored) {
      this.replays += 1;
      if (!sameRequest(stored.request, request)) return { httpStatus: 409, body: { error: 'idempotency_conflict' } };
      return stored;
    }
    let answer: StoredAnswer;
    const previous = this.byCard.get(request.cardNumberKey);
    if (scenario.kind === 'reject') {
      answer = { request, httpStatus: 422, body: { error: 'rejected', reason: scenario.reason } };
    } else if (previous) {
      answer = { request, httpStatus: 200, body: { status: 'already_activated', hostReference: previous.hostReference } };
    } else {
      this.counter += 1;
      const record: ActivationRecord = { ...request, hostReference: `BH${String(this.counter).padStart(8, '0')}`, at: new Date().toISOString() };
      this.activations.push(record);
      this.byCard.set(request.cardNumberKey, record);
      answer = { request, httpStatus: 201, body: { status: 'activated', hostReference: record.hostReference } };
    }
    this.answers.set(request.idempotencyKey, answer);
    return answer;
  }

  private hang(res: ServerResponse): void {
    this.hanging.add(res);
    res.on('close', () => this.hanging.delete(res));
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      text += chunk;
      if (text.length > 64 * 1024) req.destroy();
    });
    req.on('end', () => resolve(text));
    req.on('error', reject);
  });
}

export async function startBankHostSimulator(): Promise<BankHostSimulator> {
  return new BankHostSimulator().start();
}
