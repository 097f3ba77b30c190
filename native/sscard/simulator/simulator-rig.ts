// Runs in Node. A simulated CRT-310-style reader on a socat pty pair: the simulator holds the
// device end through the real serialport binding, the driver opens `hostPath`.
import { createPtyPair, type PtyPair, type PtyPairOptions } from '../../idcard/simulator/pty-pair';
import { openSerialTransport } from '../../idcard/node/serial-transport';
import type { ByteTransport } from '../../common/transport';
import { CrtReaderSimulator, type CrtReaderSimulatorOptions } from './crt-reader-simulator';

export interface SimulatedCardReader {
  readonly hostPath: string;
  readonly simulator: CrtReaderSimulator;
  readonly pty: PtyPair;
  unplug(): Promise<void>;
  replug(): Promise<void>;
  close(): Promise<void>;
}

export interface SimulatedCardReaderOptions {
  readonly pty?: PtyPairOptions;
  readonly simulator?: Omit<CrtReaderSimulatorOptions, 'onUnplugRequest'>;
  /** Card key (SYNTHETIC_SSCARDS) inserted at start. */
  readonly card?: string;
  /** §4.6b: 9600 8N1. A pty does not pace bytes: the rate only matters to real lines. */
  readonly baudRate?: number;
}

export async function startSimulatedCardReader(options: SimulatedCardReaderOptions = {}): Promise<SimulatedCardReader> {
  const pty = await createPtyPair({ hostName: 'sscard-host', deviceName: 'sscard-device', ...options.pty });
  let closed = false;
  let deviceEnd: ByteTransport | undefined;
  const attach = async () => {
    deviceEnd = await openSerialTransport({ path: pty.devicePath, baudRate: options.baudRate ?? 9600, presenceCheckMs: 0 });
    simulator.attach(deviceEnd);
  };
  const unplug = async () => {
    simulator.detach();
    const end = deviceEnd;
    deviceEnd = undefined;
    await pty.unplug();
    await end?.close().catch(() => {});
  };
  const simulator = new CrtReaderSimulator({ ...options.simulator, onUnplugRequest: unplug });
  await attach();
  if (options.card) simulator.insertCard(options.card);
  return {
    hostPath: pty.hostPath,
    simulator,
    pty,
    unplug,
    async replug() {
      if (closed) return;
      await pty.replug();
      await attach();
    },
    async close() {
      closed = true;
      simulator.detach();
      await deviceEnd?.close().catch(() => {});
      await pty.close();
    },
  };
}
