// Runs anywhere (pure). Receipt → ESC/POS bytes. 58 mm paper: 32 ASCII columns (16 Chinese
// characters) at the default font; longer lines wrap on the printer itself.
import { err, ok, type Result } from '../../common/result';
import { LF, align, bold, chineseModeOff, chineseModeOn, cut, feedLines, initialize, rasterImage } from './escpos';
import type { GbkEncoder, PrinterError, QrMatrix, Receipt } from './types';

/** The standard statement of what is NOT kept: the receipt always says it. */
export const NOT_RECORDED_LINE = '未保存人脸图像，未记录密码';

/** A full ID number (17 digits + check) or anything with a run of 10+ digits is not masked. */
export function looksUnmasked(text: string): boolean {
  return /\d{10,}/.test(text.replace(/\s/g, '')) || /^\d{17}[\dXx]$/.test(text.trim());
}

export interface RenderOptions {
  /** Dots per QR module. */
  readonly qrModuleDots?: number;
  /** Printable width in dots (58 mm: 384; 80 mm: 576). */
  readonly paperDots?: number;
}

export function renderReceipt(receipt: Receipt, gbk: GbkEncoder, qr?: QrMatrix, options: RenderOptions = {}): Result<Uint8Array, PrinterError> {
  const textFields = [receipt.maskedIdNumber, receipt.maskedName ?? '', ...receipt.recorded, ...(receipt.notes ?? [])];
  if (!receipt.maskedIdNumber.includes('*') || textFields.some(looksUnmasked)) {
    return err({ code: 'PRINTER_RECEIPT_UNMASKED', detail: 'the receipt carries an unmasked number', printed: 'none' });
  }
  const out: number[] = [];
  const line = (text: string) => out.push(...gbk.encode(text), LF);
  out.push(...initialize(), ...chineseModeOn());
  out.push(...align('center'), ...bold(true));
  line(receipt.title);
  out.push(...bold(false));
  line(receipt.action);
  out.push(...align('left'));
  line('--------------------------------');
  line(`时间: ${receipt.completedAt}`);
  line(`网点: ${receipt.branch}`);
  line(`终端: ${receipt.kioskId}`);
  line(`证件号: ${receipt.maskedIdNumber}`);
  if (receipt.maskedName) line(`姓名: ${receipt.maskedName}`);
  line('已记录:');
  for (const item of receipt.recorded) line(`  ${item}`);
  line(NOT_RECORDED_LINE);
  if (receipt.hostReference) line(`银行流水: ${receipt.hostReference}`);
  for (const note of receipt.notes ?? []) line(note);
  line('--------------------------------');
  out.push(...align('center'), ...bold(true));
  line(`查询码 ${receipt.reference}`);
  out.push(...bold(false));
  if (qr) out.push(...qrRaster(qr, options), LF);
  out.push(...align('left'), ...chineseModeOff(), ...feedLines(4), ...cut('partial'));
  return ok(Uint8Array.from(out));
}

/** The QR as a GS v 0 raster: quiet zone of 4 modules, scaled to fit the paper. */
export function qrRaster(qr: QrMatrix, options: RenderOptions = {}): number[] {
  const quiet = 4;
  const modules = qr.size + quiet * 2;
  const maxDots = options.paperDots ?? 384;
  const scale = Math.max(1, Math.min(options.qrModuleDots ?? 6, Math.floor(maxDots / modules)));
  const dots = modules * scale;
  const widthBytes = Math.ceil(dots / 8);
  const data = new Uint8Array(widthBytes * dots);
  for (let y = 0; y < dots; y++) {
    const my = Math.floor(y / scale) - quiet;
    for (let x = 0; x < dots; x++) {
      const mx = Math.floor(x / scale) - quiet;
      const dark = my >= 0 && my < qr.size && mx >= 0 && mx < qr.size && qr.modules[my * qr.size + mx] === true;
      if (dark) data[y * widthBytes + (x >> 3)]! |= 0x80 >> (x & 7);
    }
  }
  return rasterImage(widthBytes, dots, data);
}
