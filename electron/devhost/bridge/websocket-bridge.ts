// Runs in the browser page (dev host only). Plays the preload's part: puts the contract, and
// nothing else, on window.kiosk, carried over the token-guarded WebSocket.
import { isCallChannel, isEventChannel, KIOSK_GLOBAL, type CallResult, type KioskApi } from '../../contract/contract';

const token = new URLSearchParams(location.hash.slice(1)).get('token') ?? sessionStorage.getItem('kiosk-token') ?? '';
sessionStorage.setItem('kiosk-token', token);
// Keep the token out of the visible address and out of screenshots.
history.replaceState(null, '', location.pathname);

const pending = new Map<number, (result: CallResult<never>) => void>();
const listeners = new Map<string, Set<(payload: never) => void>>();
let nextId = 1;
let socket: WebSocket;
let opened: Promise<void>;

function connect(): void {
  socket = new WebSocket(`ws://${location.host}/__contract?token=${encodeURIComponent(token)}`);
  opened = new Promise((resolve) => socket.addEventListener('open', () => resolve(), { once: true }));
  socket.addEventListener('message', (message) => {
    let data: { id?: number; result?: CallResult<never>; event?: string; payload?: never };
    try {
      data = JSON.parse(String(message.data));
    } catch {
      return;
    }
    if (typeof data.id === 'number' && data.result) {
      pending.get(data.id)?.(data.result);
      pending.delete(data.id);
    } else if (typeof data.event === 'string' && isEventChannel(data.event)) {
      for (const listener of listeners.get(data.event) ?? []) listener(data.payload as never);
    }
  });
  socket.addEventListener('close', () => {
    for (const resolve of pending.values()) resolve({ ok: false, error: { code: 'INTERNAL', detail: 'disconnected' } });
    pending.clear();
    setTimeout(connect, 1000);
  });
}
connect();

const api: KioskApi = {
  async call(channel, input) {
    if (!isCallChannel(channel)) return { ok: false, error: { code: 'UNKNOWN_CHANNEL' } };
    await opened;
    const id = nextId++;
    return new Promise((resolve) => {
      pending.set(id, resolve as (result: CallResult<never>) => void);
      socket.send(JSON.stringify({ id, channel, payload: input }));
    });
  },
  on(channel, listener) {
    if (!isEventChannel(channel)) return () => {};
    const set = listeners.get(channel) ?? new Set();
    listeners.set(channel, set);
    set.add(listener as (payload: never) => void);
    return () => set.delete(listener as (payload: never) => void);
  },
};

Object.defineProperty(window, KIOSK_GLOBAL, { value: Object.freeze(api), writable: false, configurable: false });
