// Runs in Node. Opens the PIN pad service on a serial port with the system clock.
import { serialTransportOpener } from '../../idcard/node/serial-transport';
import { systemClock } from '../../node/system-clock';
import { PadService, type PadServiceOptions } from '../common/pad-service';

export interface SerialPadServiceOptions extends Partial<Omit<PadServiceOptions, 'open' | 'clock'>> {
  readonly path: string;
  readonly baudRate?: number;
}

export function openSerialPadService(options: SerialPadServiceOptions): PadService {
  const { path, baudRate, ...rest } = options;
  return new PadService({ ...rest, open: serialTransportOpener({ path, baudRate: baudRate ?? 9600 }), clock: systemClock }).start();
}
