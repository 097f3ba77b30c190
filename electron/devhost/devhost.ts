// Runs in Node (dev host only, never packaged). Serves the built renderer on 127.0.0.1 and
// bridges the contract over a WebSocket that only opens with this run's random token and from
// this server's own origin. Used where no Electron binary exists: development and Playwright.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { contentSecurityPolicy } from '../common/security-policy';
import { RENDERER_MIME } from '../common/mime';
import type { ContractHandler } from '../services/contract-handler';
import type { Logger } from '../services/logger';

export const CONTRACT_PATH = '/__contract';
export const BRIDGE_PATH = '/__bridge.js';
export const CONTROL_PATH = '/__control';

/** Simulator controls for tests and demos; only present when devices are simulated. */
export interface DevControl {
  handle(action: unknown): Promise<{ ok: boolean; detail?: string }>;
}

export interface DevHostOptions {
  readonly handler: ContractHandler;
  readonly rendererDir: string;
  readonly bridgeFile: string;
  readonly logger: Logger;
  readonly port?: number;
  readonly token?: string;
  readonly control?: DevControl;
}

export interface DevHost {
  readonly url: string;
  /** The URL with the token in its fragment (never sent to the server in a request line). */
  readonly launchUrl: string;
  readonly token: string;
  readonly port: number;
  close(): Promise<void>;
}

const MIME = RENDERER_MIME;

const MAX_MESSAGE_BYTES = 64 * 1024;

export async function startDevHost(options: DevHostOptions): Promise<DevHost> {
  const token = options.token ?? randomBytes(24).toString('base64url');
  const rendererRoot = path.resolve(options.rendererDir);
  const server = createServer();
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  const sockets = new Set<WebSocket>();

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('DEVHOST_NO_ADDRESS');
  const port = address.port;
  const origin = `http://127.0.0.1:${port}`;
  const csp = contentSecurityPolicy({ connectSrc: [`ws://127.0.0.1:${port}`] });

  const tokenMatches = (candidate: string | null | undefined): boolean => {
    if (!candidate) return false;
    const a = Buffer.from(candidate);
    const b = Buffer.from(token);
    return a.length === b.length && timingSafeEqual(a, b);
  };

  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    void serve(request, response).catch(() => {
      if (!response.headersSent) response.writeHead(500);
      response.end();
    });
  });

  async function serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', origin);
    if (url.pathname.startsWith(CONTROL_PATH)) return serveControl(request, response);
    if (request.method !== 'GET' && request.method !== 'HEAD') return respond(response, 405, 'text/plain', 'method not allowed');
    if (url.pathname === BRIDGE_PATH) return respond(response, 200, MIME['.js']!, await readFile(options.bridgeFile));
    if (url.pathname === '/' || url.pathname === '/index.html') {
      const html = await readFile(path.join(rendererRoot, 'index.html'), 'utf8');
      // The bridge must define window.kiosk before the app's module script runs.
      const withBridge = html.replace('<head>', `<head>\n    <script src="${BRIDGE_PATH}"></script>`);
      return respond(response, 200, MIME['.html']!, withBridge);
    }
    const file = path.resolve(rendererRoot, '.' + decodeURIComponent(url.pathname));
    if (!file.startsWith(rendererRoot + path.sep)) return respond(response, 404, 'text/plain', 'not found');
    try {
      return respond(response, 200, MIME[path.extname(file)] ?? 'application/octet-stream', await readFile(file));
    } catch {
      return respond(response, 404, 'text/plain', 'not found');
    }
  }

  function respond(response: ServerResponse, status: number, type: string, body: string | Buffer): void {
    response.writeHead(status, {
      'content-type': type,
      'content-security-policy': csp,
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
    });
    response.end(body);
  }

  async function serveControl(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const bearer = request.headers.authorization?.replace(/^Bearer /, '');
    if (!tokenMatches(bearer)) return respond(response, 401, 'application/json', '{"ok":false,"detail":"token"}');
    if (!options.control || request.method !== 'POST') return respond(response, 404, 'application/json', '{"ok":false}');
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of request as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_MESSAGE_BYTES) return respond(response, 413, 'application/json', '{"ok":false}');
      chunks.push(chunk);
    }
    let action: unknown;
    try {
      action = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return respond(response, 400, 'application/json', '{"ok":false,"detail":"json"}');
    }
    const result = await options.control.handle(action);
    return respond(response, result.ok ? 200 : 400, 'application/json', JSON.stringify(result));
  }

  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(request.url ?? '/', origin);
    const refused = url.pathname !== CONTRACT_PATH || !tokenMatches(url.searchParams.get('token')) || request.headers.origin !== origin;
    if (refused) {
      options.logger.log('warn', 'devhost_connection_refused', { path: url.pathname.slice(0, 40) });
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => attach(ws));
  });

  function attach(ws: WebSocket): void {
    sockets.add(ws);
    const unsubscribe = options.handler.subscribe((channel, payload) => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ event: channel, payload }));
    });
    ws.on('message', (data, isBinary) => {
      void (async () => {
        let message: unknown;
        try {
          message = isBinary ? null : JSON.parse(data.toString());
        } catch {
          message = null;
        }
        const id = typeof message === 'object' && message !== null && 'id' in message && typeof message.id === 'number' ? message.id : -1;
        const call = message as { channel?: unknown; payload?: unknown } | null;
        const result = await options.handler.call(call?.channel, call?.payload);
        if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ id, result }));
      })();
    });
    ws.on('close', () => {
      unsubscribe();
      sockets.delete(ws);
    });
  }

  return {
    url: `${origin}/`,
    launchUrl: `${origin}/#token=${token}`,
    token,
    port,
    async close() {
      for (const ws of sockets) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
