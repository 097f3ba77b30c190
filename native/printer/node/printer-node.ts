// Runs in Node. GBK through iconv-lite, QR matrices through the qrcode package, and the printer
// service on a serial port.
import iconv from 'iconv-lite';
import QRCode from 'qrcode';
import { serialTransportOpener } from '../../idcard/node/serial-transport';
import { systemClock } from '../../node/system-clock';
import { PrinterService, type PrinterServiceOptions } from '../common/printer-service';
import type { GbkEncoder, QrEncoder } from '../common/types';

export const gbkEncoder: GbkEncoder = {
  encode: (text) => new Uint8Array(iconv.encode(text, 'gbk')),
};

export const qrEncoder: QrEncoder = {
  encode(payload) {
    try {
      const symbol = QRCode.create(payload, { errorCorrectionLevel: 'M' });
      const size = symbol.modules.size;
      const modules: boolean[] = [];
      for (let i = 0; i < size * size; i++) modules.push(symbol.modules.data[i] === 1);
      return { size, modules };
    } catch {
      return undefined;
    }
  },
};

export interface SerialPrinterOptions extends Partial<Omit<PrinterServiceOptions, 'open' | 'clock' | 'gbk' | 'qr'>> {
  readonly path: string;
  /** §5: 9600 or 115200 8N1. */
  readonly baudRate?: number;
}

export function openSerialPrinter(options: SerialPrinterOptions): PrinterService {
  const { path, baudRate, ...rest } = options;
  return new PrinterService({ settleMs: 50, ...rest, open: serialTransportOpener({ path, baudRate: baudRate ?? 9600 }), clock: systemClock, gbk: gbkEncoder, qr: qrEncoder });
}
