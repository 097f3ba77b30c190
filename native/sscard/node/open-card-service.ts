// Runs in Node. Opens the social security card service on a serial CRT-310-style reader:
// serialport transport, system clock, GBK through iconv-lite.
import { serialTransportOpener } from '../../idcard/node/serial-transport';
import { systemClock } from '../../node/system-clock';
import { CardService, crtReaderOpener, type CardServiceOptions } from '../common/card-service';
import type { CrtLinkOptions } from '../common/crt-link';
import type { CrtCardReaderOptions } from '../common/crt-card-reader';
import { gbkDecoder } from './gbk';

export interface SerialCardServiceOptions {
  readonly path: string;
  /** §4.6b: 9600 8N1 by default. */
  readonly baudRate?: number;
  readonly cpuCardCm?: number;
  readonly link?: CrtLinkOptions;
  readonly reader?: CrtCardReaderOptions;
  readonly service?: Partial<Omit<CardServiceOptions, 'openReader' | 'clock' | 'gbk'>>;
}

export function openSerialCardService(options: SerialCardServiceOptions): CardService {
  const openReader = crtReaderOpener({
    open: serialTransportOpener({ path: options.path, baudRate: options.baudRate ?? 9600 }),
    clock: systemClock,
    ...(options.cpuCardCm === undefined ? {} : { cpuCardCm: options.cpuCardCm }),
    ...(options.link ? { link: options.link } : {}),
    ...(options.reader ? { reader: options.reader } : {}),
  });
  return new CardService({ ...options.service, openReader, clock: systemClock, gbk: gbkDecoder }).start();
}
