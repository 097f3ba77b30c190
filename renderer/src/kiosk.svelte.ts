// Runs in the renderer. The session as the main process reports it, kept in one reactive
// store; screens read it and send intents, and decide nothing themselves.
import type { DeviceStatus, FacePreview, KioskApi, SessionIntent, SessionView } from '@contract/contract';
import type {} from '@contract/window-kiosk';

export const store = $state<{ view: SessionView | null; devices: DeviceStatus | null; connected: boolean; preview: FacePreview | null }>({
  view: null,
  devices: null,
  connected: false,
  preview: null,
});

function api(): KioskApi | null {
  return window.kiosk ?? null;
}

export async function connect(): Promise<void> {
  const k = api();
  if (!k) return;
  k.on('session:changed', (view) => {
    store.view = view;
    // The preview lives only while the face step is on screen.
    if (view.screen !== 'face_check') store.preview = null;
  });
  k.on('face:preview', (preview) => {
    if (store.view?.screen === 'face_check') store.preview = preview;
  });
  k.on('devices:changed', (status) => (store.devices = status));
  const [view, devices] = await Promise.all([k.call('session:view', {}), k.call('devices:status', {})]);
  if (view.ok) store.view = view.value;
  if (devices.ok) store.devices = devices.value;
  store.connected = view.ok;
}

export async function send(intent: SessionIntent): Promise<void> {
  const k = api();
  if (!k) return;
  const result = await k.call('session:send', intent);
  if (result.ok) store.view = result.value;
}
