// The card service and the reader simulator joined by an in-memory wire (fast, no socat): the
// protocol logic is the same bytes as on the pty, which the pty tests cover separately.
import { memoryTransportPair, type MemoryEnd } from '../idcard/memory-transport';
import { systemClock } from '../../../native/node/system-clock';
import { CardService, crtReaderOpener } from '../../../native/sscard/common/card-service';
import type { CrtLinkOptions } from '../../../native/sscard/common/crt-link';
import type { CrtCardReaderOptions } from '../../../native/sscard/common/crt-card-reader';
import { CrtReaderSimulator, type CrtReaderSimulatorOptions } from '../../../native/sscard/simulator/crt-reader-simulator';
import { gbkDecoder } from '../../../native/sscard/node/gbk';

export interface MemoryRig {
  readonly service: CardService;
  readonly simulator: CrtReaderSimulator;
  readonly host: MemoryEnd;
  readonly device: MemoryEnd;
  readonly events: unknown[];
}

export async function memoryRig(
  options: { card?: string; simulator?: CrtReaderSimulatorOptions; link?: CrtLinkOptions; reader?: CrtCardReaderOptions; cpuCardCm?: number } = {},
): Promise<MemoryRig> {
  const [host, device] = memoryTransportPair();
  const simulator = new CrtReaderSimulator(options.simulator);
  simulator.attach(device);
  if (options.card) simulator.insertCard(options.card);
  const events: unknown[] = [];
  const service = new CardService({
    openReader: crtReaderOpener({
      open: async () => host,
      clock: systemClock,
      link: { ackTimeoutMs: 60, replyTimeoutMs: 200, ...options.link, onEvent: (e) => events.push(e) },
      ...(options.reader ? { reader: options.reader } : {}),
      ...(options.cpuCardCm === undefined ? {} : { cpuCardCm: options.cpuCardCm }),
    }),
    clock: systemClock,
    gbk: gbkDecoder,
    pollIntervalMs: 5,
    reconnectInitialDelayMs: 10_000,
    onEvent: (e) => events.push(e),
  }).start();
  await service.whenConnected();
  return { service, simulator, host, device, events };
}

export const neverAborted = new AbortController().signal;
