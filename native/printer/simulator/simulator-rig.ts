// Runs in Node. A simulated receipt printer on a socat pty pair.
import { createPtyPair, type PtyPair, type PtyPairOptions } from '../../idcard/simulator/pty-pair';
import { openSerialTransport } from '../../idcard/node/serial-transport';
import type { ByteTransport } from '../../common/transport';
import { PrinterSimulator } from './printer-simulator';

export interface SimulatedPrinter {
  readonly hostPath: string;
  readonly printer: PrinterSimulator;
  readonly pty: PtyPair;
  close(): Promise<void>;
}

export async function startSimulatedPrinter(options: { pty?: PtyPairOptions; baudRate?: number } = {}): Promise<SimulatedPrinter> {
  const pty = await createPtyPair({ hostName: 'printer-host', deviceName: 'printer-device', ...options.pty });
  const printer = new PrinterSimulator();
  const deviceEnd: ByteTransport = await openSerialTransport({ path: pty.devicePath, baudRate: options.baudRate ?? 9600, presenceCheckMs: 0 });
  printer.attach(deviceEnd);
  return {
    hostPath: pty.hostPath,
    printer,
    pty,
    async close() {
      printer.detach();
      await deviceEnd.close().catch(() => {});
      await pty.close();
    },
  };
}
