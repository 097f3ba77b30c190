// Runs anywhere (pure). The receipt printer as the activation flow sees it, and the receipt it
// prints: what was done, when, where, for whom (masked), what was recorded — never a face image
// or a PIN, because the model has no field that could hold one.
import type { CodedError, Result } from '../../common/result';

export interface Receipt {
  /** e.g. "社会保障卡启用回执". */
  readonly title: string;
  /** What was done, e.g. "社会保障卡已启用". */
  readonly action: string;
  /** Local time as it should read, e.g. "2026-11-26 14:05". */
  readonly completedAt: string;
  readonly branch: string;
  readonly kioskId: string;
  /** Already masked: "1101********002X". A full number is refused at render time. */
  readonly maskedIdNumber: string;
  /** Masked name, e.g. "测**". */
  readonly maskedName?: string;
  /** What the kiosk recorded about the person, one item per line. */
  readonly recorded: readonly string[];
  /** Short code the citizen can quote to staff. */
  readonly reference: string;
  readonly hostReference?: string;
  /** Lines for staff or the citizen (e.g. "请联系工作人员" when something needs follow-up). */
  readonly notes?: readonly string[];
  /** Payload for a QR code (a verification URL or the reference); rendered as a raster image. */
  readonly qrPayload?: string;
}

export type PaperState = 'ok' | 'near_end' | 'out';

export interface PrinterStatus {
  readonly paper: PaperState;
  readonly coverOpen: boolean;
  readonly offline: boolean;
  readonly error: boolean;
}

export type PrinterErrorCode =
  | 'PRINTER_PAPER_OUT'
  | 'PRINTER_COVER_OPEN'
  | 'PRINTER_OFFLINE'
  | 'PRINTER_FAULT'
  | 'PRINTER_TIMEOUT'
  | 'PRINTER_UNPLUGGED'
  | 'PRINTER_PORT_OPEN_FAILED'
  | 'PRINTER_BUSY'
  | 'PRINTER_STATUS_INVALID'
  | 'PRINTER_RECEIPT_UNMASKED'
  | 'PRINTER_QR_FAILED';

export interface PrinterError extends CodedError<PrinterErrorCode> {
  /** 'none': nothing reached paper; 'partial': the paper ran out (or the printer failed) part-way. */
  readonly printed?: 'none' | 'partial';
}

export interface ReceiptPrinter {
  print(receipt: Receipt): Promise<Result<void, PrinterError>>;
  status(): Promise<Result<PrinterStatus, PrinterError>>;
  close(): Promise<void>;
}

/** Text → GBK bytes (iconv-lite in Node); pure code cannot encode GBK itself. */
export interface GbkEncoder {
  encode(text: string): Uint8Array;
}

/** A QR symbol as modules (true = dark), size × size, row-major. */
export interface QrMatrix {
  readonly size: number;
  readonly modules: readonly boolean[];
}

export interface QrEncoder {
  encode(payload: string): QrMatrix | undefined;
}
