// Runs in the Electron main process. Binds the contract handler to ipcMain: one handler, which
// refuses calls from any frame but our own app origin and validates every payload.
import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron';
import { APP_ORIGIN } from '../common/security-policy';
import { IPC_CALL, IPC_EVENT } from '../contract/ipc-channels';
import type { ContractHandler } from '../services/contract-handler';

export function isTrustedSender(event: Pick<IpcMainInvokeEvent, 'senderFrame'>): boolean {
  const url = event.senderFrame?.url;
  if (!url) return false;
  try {
    return new URL(url).origin === APP_ORIGIN || url.startsWith(`${APP_ORIGIN}/`);
  } catch {
    return false;
  }
}

export function bindContractToIpc(ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>, handler: ContractHandler, target: () => WebContents | null): () => void {
  ipcMain.handle(IPC_CALL, async (event, channel: unknown, payload: unknown) => {
    if (!isTrustedSender(event)) return { ok: false, error: { code: 'UNKNOWN_CHANNEL' } };
    return handler.call(channel, payload);
  });
  const unsubscribe = handler.subscribe((channel, payload) => {
    const contents = target();
    if (contents && !contents.isDestroyed()) contents.send(IPC_EVENT, channel, payload);
  });
  return () => {
    unsubscribe();
    ipcMain.removeHandler(IPC_CALL);
  };
}
