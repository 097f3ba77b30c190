// Runs anywhere (pure). The two Electron IPC channels the contract travels on; the contract's
// own channel names ride inside them, so ipcMain has exactly one handler to guard.
export const IPC_CALL = 'kiosk:call';
export const IPC_EVENT = 'kiosk:event';
