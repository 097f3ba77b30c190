// Drives a dev host over its contract WebSocket, as the renderer would, for tests that need no
// browser (the crash-consistency suite).
import WebSocket from 'ws';
import type { SessionIntent, SessionView } from '../../electron/contract/contract';

export class ContractClient {
  private nextId = 1;
  private readonly pending = new Map<number, (result: unknown) => void>();
  closed = false;

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const message = JSON.parse(data.toString()) as { id?: number; result?: unknown };
      if (typeof message.id === 'number') {
        this.pending.get(message.id)?.(message.result);
        this.pending.delete(message.id);
      }
    });
    ws.on('close', () => {
      this.closed = true;
      for (const resolve of this.pending.values()) resolve({ ok: false, error: { code: 'CLOSED' } });
      this.pending.clear();
    });
    ws.on('error', () => {});
  }

  static connect(url: string, token: string): Promise<ContractClient> {
    const origin = url.replace(/\/$/, '');
    const ws = new WebSocket(`${url.replace('http', 'ws')}__contract?token=${token}`, { origin });
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new ContractClient(ws)));
      ws.once('error', reject);
    });
  }

  call(channel: string, payload: unknown): Promise<{ ok: boolean; value?: SessionView }> {
    if (this.closed) return Promise.resolve({ ok: false });
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve as (result: unknown) => void);
      this.ws.send(JSON.stringify({ id, channel, payload }));
    });
  }

  send(intent: SessionIntent): Promise<{ ok: boolean; value?: SessionView }> {
    return this.call('session:send', intent);
  }

  /** Polls the session until `accept` holds; false if the host went away or time ran out. */
  async waitFor(accept: (view: SessionView) => boolean, timeoutMs = 15_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && !this.closed) {
      const view = await this.call('session:view', {});
      if (view.ok && view.value && accept(view.value)) return true;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return false;
  }

  close(): void {
    this.ws.close();
  }
}
