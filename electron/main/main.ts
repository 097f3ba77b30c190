// Runs in the Electron main process. App lifecycle only: single instance, the hardened window,
// the renderer protocol, and the contract bound to IPC. Services are composed elsewhere and
// never import electron.
import { app, dialog, ipcMain, type BrowserWindow } from 'electron';
import path from 'node:path';
import { ComposeError, composeKiosk, type ComposedKiosk } from '../services/compose';
import { loadConfig } from '../services/config';
import { createLogger } from '../services/logger';
import { registerAppSchemePrivileges, serveRenderer } from './app-protocol';
import { bindContractToIpc } from './ipc-binding';
import { SafeStorageKeyStore } from './safe-storage-key-store';
import { createKioskWindow, lockDownSessions } from './window';

const logger = createLogger();
const production = app.isPackaged;

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  registerAppSchemePrivileges();
  let window: BrowserWindow | null = null;
  let kiosk: ComposedKiosk | null = null;

  app.on('second-instance', () => {
    if (!window) return;
    if (window.isMinimized()) window.restore();
    window.focus();
  });

  app.whenReady().then(async () => {
    lockDownSessions();
    const distDir = path.join(__dirname, '..');
    serveRenderer(path.join(distDir, 'renderer'));
    const dataDir = app.getPath('userData');
    const loaded = loadConfig(dataDir);
    if (!loaded.ok) {
      logger.log('error', 'config_invalid', { code: loaded.error.code });
      dialog.showErrorBox('Kiosk configuration is invalid', loaded.error.detail);
      app.exit(2);
      return;
    }
    try {
      kiosk = await composeKiosk({
        dataDir,
        config: loaded.config,
        keyStore: new SafeStorageKeyStore(path.join(dataDir, 'keys')),
        host: 'electron',
        version: app.getVersion(),
        logger,
        repoRoot: app.getAppPath(),
        faceWorkerFile: path.join(distDir, 'face', 'face-worker.cjs'),
      });
    } catch (error) {
      // A kiosk that cannot keep its ledger must not serve anyone; the technician sees why.
      const code = error instanceof ComposeError ? error.code : 'KIOSK_START_FAILED';
      logger.log('error', 'kiosk_start_failed', { code });
      dialog.showErrorBox('Kiosk cannot start', `${code}\nSee the technician guide; no data was changed.`);
      app.exit(3);
      return;
    }
    bindContractToIpc(ipcMain, kiosk.handler, () => window?.webContents ?? null);
    window = createKioskWindow({ preloadPath: path.join(__dirname, 'preload.cjs'), production });
    window.on('closed', () => (window = null));
  });

  app.on('window-all-closed', () => app.quit());
  app.on('before-quit', () => {
    void kiosk?.close();
  });
}
