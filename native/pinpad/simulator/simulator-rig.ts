// Runs in Node. A simulated PIN pad on a socat pty pair: the pad holds the device end through the
// real serialport binding, the driver opens `hostPath`.
import { createPtyPair, type PtyPair, type PtyPairOptions } from '../../idcard/simulator/pty-pair';
import { openSerialTransport } from '../../idcard/node/serial-transport';
import type { ByteTransport } from '../../common/transport';
import { PadSimulator, type PadSimulatorOptions } from './pad-simulator';

export interface SimulatedPinPad {
  readonly hostPath: string;
  readonly pad: PadSimulator;
  readonly pty: PtyPair;
  unplug(): Promise<void>;
  replug(): Promise<void>;
  close(): Promise<void>;
}

export async function startSimulatedPinPad(options: { pty?: PtyPairOptions; simulator?: PadSimulatorOptions; baudRate?: number } = {}): Promise<SimulatedPinPad> {
  const pty = await createPtyPair({ hostName: 'pinpad-host', deviceName: 'pinpad-device', ...options.pty });
  const pad = new PadSimulator(options.simulator);
  let deviceEnd: ByteTransport | undefined;
  let closed = false;
  const attach = async () => {
    deviceEnd = await openSerialTransport({ path: pty.devicePath, baudRate: options.baudRate ?? 9600, presenceCheckMs: 0 });
    pad.attach(deviceEnd);
  };
  await attach();
  return {
    hostPath: pty.hostPath,
    pad,
    pty,
    async unplug() {
      pad.detach();
      const end = deviceEnd;
      deviceEnd = undefined;
      await pty.unplug();
      await end?.close().catch(() => {});
    },
    async replug() {
      if (closed) return;
      await pty.replug();
      await attach();
    },
    async close() {
      closed = true;
      pad.detach();
      await deviceEnd?.close().catch(() => {});
      await pty.close();
    },
  };
}
