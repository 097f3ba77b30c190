// Runs in the preload (sandboxed, Electron). Exposes exactly the contract on `window.kiosk`:
// one `call` and one `on`, both limited to the contract's channels. Nothing else crosses.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { isCallChannel, isEventChannel, KIOSK_GLOBAL, type KioskApi, type CallResult } from '../contract/contract';
import { IPC_CALL, IPC_EVENT } from '../contract/ipc-channels';

export function createPreloadApi(ipc: Pick<typeof ipcRenderer, 'invoke' | 'on' | 'removeListener'>): KioskApi {
  return {
    call(channel, input) {
      if (!isCallChannel(channel)) return Promise.resolve({ ok: false, error: { code: 'UNKNOWN_CHANNEL' } });
      return ipc.invoke(IPC_CALL, channel, input) as Promise<CallResult<never>>;
    },
    on(channel, listener) {
      if (!isEventChannel(channel)) return () => {};
      const forward = (_event: IpcRendererEvent, eventChannel: unknown, payload: unknown) => {
        if (eventChannel === channel) listener(payload as never);
      };
      ipc.on(IPC_EVENT, forward);
      return () => {
        ipc.removeListener(IPC_EVENT, forward);
      };
    },
  };
}

contextBridge.exposeInMainWorld(KIOSK_GLOBAL, createPreloadApi(ipcRenderer));
