// Runs in the Electron main process. The one hardened kiosk window and the web-contents rules
// that apply to every contents the app ever creates.
import { app, BrowserWindow, session, type WebContents } from 'electron';
import { APP_ORIGIN, grantedPermissions } from '../common/security-policy';

export function lockDownSessions(): void {
  const defaultSession = session.defaultSession;
  defaultSession.setPermissionRequestHandler((_contents, permission, callback) => callback(grantedPermissions.has(permission)));
  defaultSession.setPermissionCheckHandler((_contents, permission) => grantedPermissions.has(permission));
  defaultSession.setDevicePermissionHandler(() => false);

  app.on('web-contents-created', (_event, contents) => lockDownContents(contents));
}

function lockDownContents(contents: WebContents): void {
  contents.on('will-navigate', (event, url) => {
    if (!url.startsWith(`${APP_ORIGIN}/`)) event.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    if (!url.startsWith(`${APP_ORIGIN}/`)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
}

export function createKioskWindow(options: { readonly preloadPath: string; readonly production: boolean }): BrowserWindow {
  const window = new BrowserWindow({
    kiosk: options.production,
    fullscreen: options.production,
    width: 1280,
    height: 800,
    backgroundColor: '#000000',
    autoHideMenuBar: true,
    show: false,
    webPreferences: {
      preload: options.preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
      devTools: !options.production,
      navigateOnDragDrop: false,
      // Prompts are spoken as each screen appears; elderly users must not have to find a play button.
      autoplayPolicy: 'no-user-gesture-required',
    },
  });
  window.once('ready-to-show', () => window.show());
  void window.loadURL(`${APP_ORIGIN}/index.html`);
  return window;
}
