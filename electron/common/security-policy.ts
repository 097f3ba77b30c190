// Runs anywhere (pure). The security policy shared by the Electron window and the dev host, so
// the renderer is tested under the same Content-Security-Policy it ships with.

/** Permissions the renderer may be granted. Slice 1 uses none; the camera is driven by the main process. */
export const grantedPermissions: ReadonlySet<string> = new Set<string>();

export function contentSecurityPolicy(options: { readonly connectSrc?: readonly string[] } = {}): string {
  const connect = ["'self'", ...(options.connectSrc ?? [])].join(' ');
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "media-src 'self' blob:",
    "font-src 'self'",
    `connect-src ${connect}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "object-src 'none'",
  ].join('; ');
}

/** The renderer's own origin under Electron (served by a privileged custom protocol, not file://). */
export const APP_SCHEME = 'kiosk';
export const APP_ORIGIN = `${APP_SCHEME}://app`;
