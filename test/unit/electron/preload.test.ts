import { beforeEach, describe, expect, it, vi } from 'vitest';

// The preload runs against Electron's APIs; here they are recorded so the test sees exactly what
// would cross into the page.
const exposed: Record<string, unknown> = {};
const invoke = vi.fn(async (..._args: unknown[]) => ({ ok: true, value: 'x' }));
const handlers: Array<(...args: unknown[]) => void> = [];
vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, api: unknown) => (exposed[key] = api) },
  ipcRenderer: {
    invoke: (...args: unknown[]) => invoke(...args),
    on: (_channel: string, handler: (...args: unknown[]) => void) => handlers.push(handler),
    removeListener: (_channel: string, handler: (...args: unknown[]) => void) => handlers.splice(handlers.indexOf(handler), 1),
  },
}));

describe('preload', () => {
  beforeEach(async () => {
    await import('../../../electron/preload/preload');
  });

  it('exposes exactly one global with exactly the contract methods', () => {
    expect(Object.keys(exposed)).toEqual(['kiosk']);
    const api = exposed.kiosk as Record<string, unknown>;
    expect(Object.keys(api).sort()).toEqual(['call', 'on']);
    expect(Object.values(api).every((value) => typeof value === 'function')).toBe(true);
  });

  it('refuses an unknown channel without touching IPC', async () => {
    const api = exposed.kiosk as { call: (c: string, i: unknown) => Promise<unknown> };
    invoke.mockClear();
    await expect(api.call('shell:exec', {})).resolves.toMatchObject({ ok: false, error: { code: 'UNKNOWN_CHANNEL' } });
    expect(invoke).not.toHaveBeenCalled();
    await api.call('session:view', {});
    expect(invoke).toHaveBeenCalledWith('kiosk:call', 'session:view', {});
  });

  it('delivers only the subscribed event channel and unsubscribes', () => {
    const api = exposed.kiosk as { on: (c: string, l: (p: unknown) => void) => () => void };
    const seen: unknown[] = [];
    const off = api.on('session:changed', (payload) => seen.push(payload));
    expect(api.on('secret:channel', () => seen.push('leak'))).toBeTypeOf('function');
    for (const handler of [...handlers]) {
      handler({}, 'devices:changed', 'other');
      handler({}, 'session:changed', 'mine');
    }
    off();
    for (const handler of [...handlers]) handler({}, 'session:changed', 'after');
    expect(seen).toEqual(['mine']);
  });
});
