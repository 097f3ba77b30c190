import { describe, expect, it, vi } from 'vitest';
import { bindContractToIpc } from '../../../electron/main/ipc-binding';
import type { ContractHandler } from '../../../electron/services/contract-handler';

function setup() {
  const registered = new Map<string, (event: unknown, ...args: unknown[]) => Promise<unknown>>();
  const ipcMain = {
    handle: (channel: string, fn: (event: unknown, ...args: unknown[]) => Promise<unknown>) => registered.set(channel, fn),
    removeHandler: (channel: string) => registered.delete(channel),
  };
  const call = vi.fn(async () => ({ ok: true as const, value: 'ok' }));
  const handler: ContractHandler = { call, subscribe: () => () => {} };
  const off = bindContractToIpc(ipcMain as never, handler, () => null);
  return { registered, call, off };
}

describe('IPC binding', () => {
  it('registers one handler and removes it on unbind', () => {
    const { registered, off } = setup();
    expect([...registered.keys()]).toEqual(['kiosk:call']);
    off();
    expect(registered.size).toBe(0);
  });

  it('refuses calls from frames outside the app origin', async () => {
    const { registered, call } = setup();
    const fn = registered.get('kiosk:call')!;
    for (const url of ['https://evil.example/', 'file:///etc/passwd', 'kiosk://app.evil/x', '']) {
      await expect(fn({ senderFrame: { url } }, 'session:view', {})).resolves.toMatchObject({ ok: false });
    }
    expect(call).not.toHaveBeenCalled();
    await fn({ senderFrame: { url: 'kiosk://app/index.html' } }, 'session:view', {});
    expect(call).toHaveBeenCalledWith('session:view', {});
  });
});
