// Runs in Node. A simulated reader on a socat pty pair: the simulator holds the device end
// through the real serialport binding, the driver opens `hostPath`. unplug()/replug() pull and
// restore the "cable"; an unplug-mid-frame fault in the simulator pulls it by itself.
import { createPtyPair, type PtyPair, type PtyPairOptions } from './pty-pair';
import { SamSimulator, type SamSimulatorOptions } from './sam-simulator';
import { openSerialTransport } from '../node/serial-transport';

export interface SimulatedReader {
  readonly hostPath: string;
  readonly devicePath: string;
  readonly simulator: SamSimulator;
  readonly pty: PtyPair;
  unplug(): Promise<void>;
  replug(): Promise<void>;
  close(): Promise<void>;
}

export interface SimulatedReaderOptions {
  readonly pty?: PtyPairOptions;
  readonly simulator?: Omit<SamSimulatorOptions, 'onUnplugRequest'>;
  /** Card key to place at start. */
  readonly card?: string;
  readonly baudRate?: number;
}

export async function startSimulatedReader(options: SimulatedReaderOptions = {}): Promise<SimulatedReader> {
  const pty = await createPtyPair(options.pty);
  let closed = false;
  const attach = async () => {
    const transport = await openSerialTransport({ path: pty.devicePath, baudRate: options.baudRate ?? 115200 });
    simulator.attach(transport);
    return transport;
  };
  let deviceEnd: Awaited<ReturnType<typeof attach>> | undefined;
  const unplug = async () => {
    simulator.detach();
    const end = deviceEnd;
    deviceEnd = undefined;
    await pty.unplug();
    await end?.close().catch(() => {});
  };
  const simulator = new SamSimulator({ ...options.simulator, onUnplugRequest: unplug });
  deviceEnd = await attach();
  if (options.card) simulator.placeCard(options.card);
  return {
    hostPath: pty.hostPath,
    devicePath: pty.devicePath,
    simulator,
    pty,
    unplug,
    async replug() {
      if (closed) return;
      await pty.replug();
      deviceEnd = await attach();
    },
    async close() {
      closed = true;
      simulator.detach();
      await deviceEnd?.close().catch(() => {});
      await pty.close();
    },
  };
}
