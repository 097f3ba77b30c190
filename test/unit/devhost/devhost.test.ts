import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { startDevHost, type DevHost } from '../../../electron/devhost/devhost';
import { createContractHandler } from '../../../electron/services/contract-handler';
import { SessionService } from '../../../electron/services/session-service';
import { silentLogger } from '../../../electron/services/logger';
import { ManualClock } from '../../../native/common/clock';
import { FakeReader, MemoryLedger, noDecoder } from '../../helpers/fakes';

let dir: string;
let host: DevHost;
let controlCalls: unknown[];

beforeEach(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'devhost-'));
  writeFileSync(path.join(dir, 'index.html'), '<!doctype html><html><head><title>x</title></head><body></body></html>');
  writeFileSync(path.join(dir, 'bridge.js'), '/* bridge */');
  const session = new SessionService({ reader: new FakeReader(), ledger: new MemoryLedger(), photoDecoder: noDecoder, clock: new ManualClock(), logger: silentLogger });
  const handler = createContractHandler(
    {
      info: { version: '0.0.0', host: 'devhost', simulatedDevices: true, kioskId: 'T' },
      session,
      deviceStatus: () => ({ idCardReader: { state: 'ready', simulated: true } }),
      onDeviceStatus: () => () => {},
    },
    silentLogger,
  );
  controlCalls = [];
  host = await startDevHost({
    handler,
    rendererDir: dir,
    bridgeFile: path.join(dir, 'bridge.js'),
    logger: silentLogger,
    control: { handle: async (action) => (controlCalls.push(action), { ok: true }) },
  });
});

afterEach(async () => {
  await host.close();
  rmSync(dir, { recursive: true, force: true });
});

function open(url: string, origin: string): Promise<{ ws: WebSocket } | { status: number }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { origin });
    ws.once('open', () => resolve({ ws }));
    ws.once('unexpected-response', (_req, res) => resolve({ status: res.statusCode ?? 0 }));
    ws.once('error', () => resolve({ status: -1 }));
  });
}

function call(ws: WebSocket, id: number, channel: unknown, payload: unknown): Promise<unknown> {
  return new Promise((resolve) => {
    const onMessage = (data: WebSocket.RawData) => {
      const message = JSON.parse(data.toString());
      if (message.id === id) {
        ws.off('message', onMessage);
        resolve(message.result);
      }
    };
    ws.on('message', onMessage);
    ws.send(JSON.stringify({ id, channel, payload }));
  });
}

describe('dev host', () => {
  it('listens on loopback only and serves the renderer with the bridge and a strict CSP', async () => {
    expect(host.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const response = await fetch(host.url);
    expect(await response.text()).toContain('<script src="/__bridge.js"></script>');
    const csp = response.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe');
    expect((await fetch(new URL('/..%2f..%2fetc%2fpasswd', host.url))).status).toBe(404);
  });

  it('refuses a WebSocket without the token, with a wrong token, or from another origin', async () => {
    const origin = host.url.slice(0, -1);
    const base = host.url.replace('http', 'ws') + '__contract';
    expect(await open(base, origin)).toEqual({ status: 401 });
    expect(await open(`${base}?token=wrong`, origin)).toEqual({ status: 401 });
    expect(await open(`${base}?token=${host.token}`, 'http://evil.example')).toEqual({ status: 401 });
    const good = await open(`${base}?token=${host.token}`, origin);
    expect('ws' in good).toBe(true);
    if ('ws' in good) good.ws.close();
  });

  it('serves the contract and refuses unknown channels and malformed payloads', async () => {
    const origin = host.url.slice(0, -1);
    const opened = await open(host.url.replace('http', 'ws') + `__contract?token=${host.token}`, origin);
    if (!('ws' in opened)) throw new Error('not opened');
    const { ws } = opened;
    expect(await call(ws, 1, 'session:view', {})).toMatchObject({ ok: true, value: { screen: 'attract' } });
    expect(await call(ws, 2, 'fs:read', { path: '/etc/passwd' })).toMatchObject({ ok: false, error: { code: 'UNKNOWN_CHANNEL' } });
    expect(await call(ws, 3, 'session:send', { type: 'begin', admin: true })).toMatchObject({ ok: false, error: { code: 'INVALID_PAYLOAD' } });
    expect(await call(ws, 4, 'session:send', { type: 'begin' })).toMatchObject({ ok: true, value: { screen: 'language' } });
    ws.close();
  });

  it('guards the simulator controls with the token', async () => {
    const url = new URL('/__control', host.url);
    const body = JSON.stringify({ action: 'place' });
    expect((await fetch(url, { method: 'POST', body })).status).toBe(401);
    expect(controlCalls).toEqual([]);
    const allowed = await fetch(url, { method: 'POST', body, headers: { authorization: `Bearer ${host.token}` } });
    expect(allowed.status).toBe(200);
    expect(controlCalls).toEqual([{ action: 'place' }]);
  });
});
