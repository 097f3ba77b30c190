// Runs in Node. ByteTransport over the `serialport` package (115200 8N1, no flow control by
// default, hardware-protocols.md §1.1).
//
// Unplug detection: bindings-cpp reports a vanished device only when a read or write fails. A
// pty whose other end died (the simulator's socat) never fails a read, and a USB adapter can sit
// idle between polls; so the path is also checked every `presenceCheckMs`: if it no longer
// resolves to the device that was opened, the transport closes as 'unplugged'.
import { realpathSync } from 'node:fs';
import { SerialPort } from 'serialport';
import type { ByteTransport, TransportCloseReason, TransportOpener } from '../../common/transport';

export interface SerialTransportOptions {
  readonly path: string;
  readonly baudRate?: number;
  /** 0 disables the presence check. */
  readonly presenceCheckMs?: number;
}

/** Rejection value of openSerialTransport: carries the stable code the reader service expects. */
export class PortOpenError extends Error {
  readonly code = 'ID_READER_PORT_OPEN_FAILED';
  constructor(readonly detail: string) {
    super(detail);
    this.name = 'PortOpenError';
  }
}

function resolveDevice(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}

export async function openSerialTransport(options: SerialTransportOptions): Promise<ByteTransport> {
  const device = resolveDevice(options.path);
  if (device === undefined) throw new PortOpenError(`no such port: ${options.path}`);
  const port = new SerialPort({ path: options.path, baudRate: options.baudRate ?? 115200, dataBits: 8, parity: 'none', stopBits: 1, autoOpen: false });
  await new Promise<void>((resolve, reject) => {
    port.open((error) => (error ? reject(new PortOpenError(`${options.path}: ${error.message}`)) : resolve()));
  });

  const dataListeners = new Set<(chunk: Uint8Array) => void>();
  const closeListeners = new Set<(reason: TransportCloseReason) => void>();
  let open = true;
  let closingByHost = false;
  let presenceTimer: NodeJS.Timeout | undefined;

  const finish = (reason: TransportCloseReason) => {
    if (!open) return;
    open = false;
    if (presenceTimer) clearInterval(presenceTimer);
    for (const listener of [...closeListeners]) listener(reason);
    closeListeners.clear();
    dataListeners.clear();
  };

  port.on('data', (chunk: Buffer) => {
    const bytes = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length);
    for (const listener of [...dataListeners]) listener(bytes);
  });
  port.on('error', (error: Error) => {
    if (!closingByHost) {
      finish({ kind: 'unplugged', detail: error.message });
      if (port.isOpen) port.close(() => {});
    }
  });
  port.on('close', () => finish(closingByHost ? { kind: 'closed_by_host' } : { kind: 'unplugged', detail: 'port closed' }));

  const checkMs = options.presenceCheckMs ?? 500;
  if (checkMs > 0) {
    presenceTimer = setInterval(() => {
      if (resolveDevice(options.path) === device) return;
      finish({ kind: 'unplugged', detail: 'device path vanished' });
      if (port.isOpen) port.close(() => {});
    }, checkMs);
    presenceTimer.unref();
  }

  return {
    get isOpen() {
      return open;
    },
    write(bytes) {
      if (!open) return Promise.reject(new Error('port closed'));
      return new Promise((resolve, reject) => {
        port.write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length), (error) => (error ? reject(error) : resolve()));
      });
    },
    onData(listener) {
      dataListeners.add(listener);
      return () => dataListeners.delete(listener);
    },
    onClose(listener) {
      if (!open) return () => {};
      closeListeners.add(listener);
      return () => closeListeners.delete(listener);
    },
    close() {
      if (!open) return Promise.resolve();
      closingByHost = true;
      return new Promise<void>((resolve) => {
        port.close(() => {
          finish({ kind: 'closed_by_host' });
          resolve();
        });
      });
    },
  };
}

export function serialTransportOpener(options: SerialTransportOptions): TransportOpener {
  return () => openSerialTransport(options);
}
