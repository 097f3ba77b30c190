// ESC/POS byte-exact commands, the receipt renderer, and the printer service against the printer
// simulator (in memory and on a real socat pty), paper out before and during a job.
import { afterEach, describe, expect, it } from 'vitest';
import { memoryTransportPair } from '../idcard/memory-transport';
import { systemClock } from '../../../native/node/system-clock';
import { align, bold, chineseModeOff, chineseModeOn, cut, feedLines, initialize, realTimeStatus, rasterImage } from '../../../native/printer/common/escpos';
import { combineStatus, isStatusByte, statusBytes } from '../../../native/printer/common/printer-status';
import { NOT_RECORDED_LINE, renderReceipt } from '../../../native/printer/common/receipt-renderer';
import { PrinterService } from '../../../native/printer/common/printer-service';
import { formatReferenceCode } from '../../../native/printer/common/reference-code';
import { gbkEncoder, openSerialPrinter, qrEncoder } from '../../../native/printer/node/printer-node';
import { PrinterSimulator } from '../../../native/printer/simulator/printer-simulator';
import { startSimulatedPrinter, type SimulatedPrinter } from '../../../native/printer/simulator/simulator-rig';
import { socatAvailable } from '../../../native/idcard/simulator/pty-pair';
import type { Receipt } from '../../../native/printer/common/types';
import { hex } from '../sscard/seeded-random';

const receipt: Receipt = {
  title: '社会保障卡启用回执',
  action: '社会保障卡已启用',
  completedAt: '2026-11-26 14:05',
  branch: '测试网点 (001)',
  kioskId: 'KIOSK-0001',
  maskedIdNumber: '1101********002X',
  maskedName: '测**',
  recorded: ['身份证核验: 通过', '人脸比对: 通过 (仅保存结果)', '社保卡密码: 已修改'],
  reference: 'K7Q2-9M',
  hostReference: 'BH00000001',
  qrPayload: 'https://verify.example/K7Q2-9M',
};

function memoryPrinter(settleMs = 0) {
  const [host, device] = memoryTransportPair();
  const printer = new PrinterSimulator();
  printer.attach(device);
  const service = new PrinterService({ open: async () => host, clock: systemClock, gbk: gbkEncoder, qr: qrEncoder, settleMs, statusTimeoutMs: 200 });
  return { printer, service, host };
}

describe('ESC/POS commands', () => {
  it('are byte-exact', () => {
    expect(hex(Uint8Array.from(initialize()))).toBe('1B40');
    expect(hex(Uint8Array.from(chineseModeOn()))).toBe('1C26');
    expect(hex(Uint8Array.from(chineseModeOff()))).toBe('1C2E');
    expect(hex(Uint8Array.from(align('center')))).toBe('1B6101');
    expect(hex(Uint8Array.from(bold(true)))).toBe('1B4501');
    expect(hex(Uint8Array.from(feedLines(4)))).toBe('1B6404');
    expect(hex(Uint8Array.from(cut('full')))).toBe('1D5600');
    expect(hex(Uint8Array.from(cut('partial')))).toBe('1D5601');
    expect(hex(Uint8Array.from(realTimeStatus(4)))).toBe('100404');
    expect(hex(Uint8Array.from(rasterImage(2, 1, Uint8Array.of(0xff, 0x00))))).toBe('1D76300002000100FF00');
  });

  it('DLE EOT replies: the 0x12 pattern, paper near end and out, cover open', () => {
    expect(isStatusByte(0x12)).toBe(true);
    expect(isStatusByte(0x00)).toBe(false);
    expect(combineStatus(0x12, 0x12)).toEqual({ paper: 'ok', coverOpen: false, offline: false, error: false });
    expect(combineStatus(0x12, 0x1e).paper).toBe('near_end');
    expect(combineStatus(0x32, 0x72)).toMatchObject({ paper: 'out', offline: true });
    expect(combineStatus(0x16, 0x12)).toMatchObject({ coverOpen: true, offline: true });
    expect(statusBytes({ paper: 'out', coverOpen: false, offline: true, error: false })).toEqual({ offlineCause: 0x32, paperSensor: 0x7e });
  });
});

describe('receipt renderer', () => {
  it('starts with init + Chinese mode, ends with feed + partial cut, text in GBK', () => {
    const bytes = renderReceipt({ ...receipt, qrPayload: undefined }, gbkEncoder);
    expect(bytes.ok).toBe(true);
    if (!bytes.ok) return;
    const text = hex(bytes.value);
    expect(text.startsWith('1B401C26')).toBe(true);
    expect(text.endsWith('1C2E1B64041D5601')).toBe(true);
    // 社会保障 in GBK.
    expect(text).toContain('C9E7BBE1B1A3D5CF');
  });

  it('reference codes: 8 Crockford base32 symbols, no I L O U', () => {
    expect(formatReferenceCode(Uint8Array.of(0, 0, 0, 0, 0))).toBe('0000-0000');
    expect(formatReferenceCode(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff))).toBe('ZZZZ-ZZZZ');
    expect(formatReferenceCode(Uint8Array.of(0x12, 0x34, 0x56, 0x78, 0x9a))).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/);
  });

  it('refuses an unmasked ID number anywhere on the receipt', () => {
    expect(renderReceipt({ ...receipt, maskedIdNumber: '11010519491231002X' }, gbkEncoder)).toMatchObject({ ok: false, error: { code: 'PRINTER_RECEIPT_UNMASKED' } });
    expect(renderReceipt({ ...receipt, notes: ['证件 11010519491231002X'] }, gbkEncoder)).toMatchObject({ ok: false, error: { code: 'PRINTER_RECEIPT_UNMASKED' } });
  });
});

describe('printer service against the simulated printer', () => {
  it('prints the receipt: what, when, where, masked ID, what was recorded, no face or PIN, reference, QR', async () => {
    const { printer, service } = memoryPrinter();
    expect(await service.status()).toEqual({ ok: true, value: { paper: 'ok', coverOpen: false, offline: false, error: false } });
    expect(await service.print(receipt)).toEqual({ ok: true, value: undefined });
    const [paper] = printer.receipts();
    expect(paper).toContain('社会保障卡启用回执');
    expect(paper).toContain('时间: 2026-11-26 14:05');
    expect(paper).toContain('网点: 测试网点 (001)');
    expect(paper).toContain('终端: KIOSK-0001');
    expect(paper).toContain('证件号: 1101********002X');
    expect(paper).toContain('社保卡密码: 已修改');
    expect(paper).toContain(NOT_RECORDED_LINE);
    expect(paper).toContain('查询码 K7Q2-9M');
    expect(paper).toMatch(/\[image \d+x\d+\]/);
    expect(paper).not.toContain('11010519491231002X');
    expect(printer.renderText()).toContain('---- cut ----');
    const title = printer.paperItems.find((item) => item.kind === 'line' && item.line.text === '社会保障卡启用回执');
    expect(title).toMatchObject({ line: { align: 'center', bold: true } });
  });

  it('paper out before the job: PRINTER_PAPER_OUT, nothing printed', async () => {
    const { printer, service } = memoryPrinter();
    printer.setPaper('out');
    expect(await service.print(receipt)).toEqual({ ok: false, error: { code: 'PRINTER_PAPER_OUT', printed: 'none' } });
    expect(printer.paperItems).toHaveLength(0);
  });

  it('paper runs out during the job: PRINTER_PAPER_OUT, partial', async () => {
    const { printer, service } = memoryPrinter();
    printer.runOutAfterLines(5);
    expect(await service.print(receipt)).toEqual({ ok: false, error: { code: 'PRINTER_PAPER_OUT', printed: 'partial' } });
    expect(printer.lostBytes).toBeGreaterThan(0);
    printer.setPaper('ok');
    expect((await service.print(receipt)).ok).toBe(true);
  });

  it('cover open and a silent printer', async () => {
    const { printer, service, host } = memoryPrinter();
    printer.setCoverOpen(true);
    expect(await service.print(receipt)).toMatchObject({ ok: false, error: { code: 'PRINTER_COVER_OPEN' } });
    printer.detach();
    expect(await service.status()).toMatchObject({ ok: false, error: { code: 'PRINTER_TIMEOUT' } });
    host.unplug();
  });
});

let rig: SimulatedPrinter | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

describe.skipIf(!socatAvailable())('printer on a socat pty', () => {
  it('prints and reports paper out', async () => {
    rig = await startSimulatedPrinter();
    const service = openSerialPrinter({ path: rig.hostPath });
    expect((await service.print(receipt)).ok).toBe(true);
    expect(rig.printer.receipts()[0]).toContain('查询码 K7Q2-9M');
    rig.printer.setPaper('out');
    expect(await service.print(receipt)).toMatchObject({ ok: false, error: { code: 'PRINTER_PAPER_OUT', printed: 'none' } });
    await service.close();
  });
});
