// Runs in Node. A thin node-hid adapter: SAM frames in and out, the brand's wrapping in between
// (common/hid-wrapping.ts). Untested without a device; keep logic in the pure wrapping.
import HID from 'node-hid';
import type { ByteTransport, TransportCloseReason, TransportOpener } from '../../common/transport';
import { brandAWrapping, type HidBrandWrapping } from '../common/hid-wrapping';
import { PortOpenError } from './serial-transport';

export interface HidTransportOptions {
  readonly path: string;
  readonly wrapping?: HidBrandWrapping;
}

export async function openHidTransport(options: HidTransportOptions): Promise<ByteTransport> {
  const wrapping = options.wrapping ?? brandAWrapping();
  let device: HID.HIDAsync;
  try {
    device = await HID.HIDAsync.open(options.path);
  } catch (error) {
    throw new PortOpenError(`${options.path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const unwrapper = wrapping.createUnwrapper();
  const dataListeners = new Set<(chunk: Uint8Array) => void>();
  const closeListeners = new Set<(reason: TransportCloseReason) => void>();
  let open = true;
  const finish = (reason: TransportCloseReason) => {
    if (!open) return;
    open = false;
    for (const listener of [...closeListeners]) listener(reason);
    closeListeners.clear();
  };
  device.on('data', (report: Buffer) => {
    const bytes = unwrapper.push(new Uint8Array(report));
    if (bytes.length > 0) for (const listener of [...dataListeners]) listener(bytes);
  });
  device.on('error', (error: Error) => {
    finish({ kind: 'unplugged', detail: error.message });
    void device.close().catch(() => {});
  });
  return {
    get isOpen() {
      return open;
    },
    async write(frame) {
      const reports = wrapping.wrapCommand(frame);
      if (!reports.ok) throw new Error(reports.error.detail ?? reports.error.code);
      // Unnumbered reports: hidapi wants a 0x00 report ID in front of each.
      for (const report of reports.value) await device.write(Buffer.concat([Buffer.of(0), report]));
    },
    onData(listener) {
      dataListeners.add(listener);
      return () => dataListeners.delete(listener);
    },
    onClose(listener) {
      closeListeners.add(listener);
      return () => closeListeners.delete(listener);
    },
    async close() {
      if (!open) return;
      finish({ kind: 'closed_by_host' });
      await device.close().catch(() => {});
    },
  };
}

export function hidTransportOpener(options: HidTransportOptions): TransportOpener {
  return () => openHidTransport(options);
}
