// Runs in the Electron main process. Serves the built renderer on kiosk://app with the strict
// CSP as a real header (a meta tag cannot set frame-ancestors), and nothing outside its folder.
import { protocol } from 'electron';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { APP_SCHEME, contentSecurityPolicy } from '../common/security-policy';
import { RENDERER_MIME } from '../common/mime';

const MIME = RENDERER_MIME;

export function registerAppSchemePrivileges(): void {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
}

export function serveRenderer(rendererDir: string): void {
  const root = path.resolve(rendererDir);
  const csp = contentSecurityPolicy();
  protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url);
    const relative = decodeURIComponent(url.pathname === '/' ? '/index.html' : url.pathname);
    const file = path.resolve(root, '.' + relative);
    if (url.host !== 'app' || !file.startsWith(root + path.sep)) return new Response('not found', { status: 404 });
    try {
      const body = await readFile(file);
      return new Response(body, {
        headers: { 'content-type': MIME[path.extname(file)] ?? 'application/octet-stream', 'content-security-policy': csp, 'x-content-type-options': 'nosniff' },
      });
    } catch {
      return new Response('not found', { status: 404 });
    }
  });
}
