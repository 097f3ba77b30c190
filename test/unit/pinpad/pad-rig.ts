// The PIN pad service and the pad simulator joined by an in-memory wire.
import { memoryTransportPair, type MemoryEnd } from '../idcard/memory-transport';
import { systemClock } from '../../../native/node/system-clock';
import { PadService, type PadServiceOptions } from '../../../native/pinpad/common/pad-service';
import { PadSimulator, type PadSimulatorOptions } from '../../../native/pinpad/simulator/pad-simulator';

export interface PadRig {
  readonly service: PadService;
  readonly pad: PadSimulator;
  readonly host: MemoryEnd;
  readonly device: MemoryEnd;
  readonly events: unknown[];
}

export async function padRig(options: { simulator?: PadSimulatorOptions; service?: Partial<Omit<PadServiceOptions, 'open' | 'clock'>> } = {}): Promise<PadRig> {
  const [host, device] = memoryTransportPair();
  const pad = new PadSimulator(options.simulator);
  pad.attach(device);
  const events: unknown[] = [];
  const service = new PadService({
    client: { timeoutMs: 200 },
    reconnectInitialDelayMs: 10_000,
    ...options.service,
    open: async () => host,
    clock: systemClock,
    onEvent: (event) => events.push(event),
  }).start();
  await service.whenConnected();
  return { service, pad, host, device, events };
}
