// Runs anywhere (pure). The CRT-310-style serial framing (hardware-protocols.md §4.6b):
//   STX(02) | LEN_H LEN_L | CM | PM | DATA | ETX(03) | BCC      LEN = 2 + len(DATA)
// BCC is the XOR of STX through ETX. The reader echoes CM PM in a positive reply; a negative
// reply carries 'N' (4E) where CM was, followed by the reader's error code (two ASCII digits on
// the readers we model — any bytes are accepted and shown as text or hex).
//
// Unconfirmed (§4.6b): the CM byte for CPU-card operations (configurable; 0x51 'Q' by default,
// as on Creator's motorised readers), and the status reply's byte values (see CARD_STATUS_*).
import { err, ok, type Result } from '../../common/result';
import { encodeStxEtxFrame } from '../../common/stx-etx-framer';
import type { SscardError } from './types';

export const ACK = 0x06;
export const NAK = 0x15;
export const ENQ = 0x05;
export const NEGATIVE = 0x4e;
export const CRT_CONTROL_BYTES: readonly number[] = [ACK, NAK, ENQ];
/** APDU up to 261 bytes + CM PM; T=1 extended data is out of scope. */
export const CRT_MAX_PAYLOAD = 0x0200;

export const DEFAULT_CPU_CARD_CM = 0x51;

export const CRT_PM = {
  coldReset: 0x30,
  powerDown: 0x31,
  status: 0x32,
  apduT0: 0x33,
  apduT1: 0x34,
  warmReset: 0x38,
  apduAuto: 0x39,
} as const;
export type CrtOperation = keyof typeof CRT_PM;

/** Status reply data (one byte). Our model's values; a real reader may differ: anything else counts as "present". */
export const CARD_STATUS_ABSENT = 0x30;
export const CARD_STATUS_PRESENT = 0x31;
export const CARD_STATUS_POWERED = 0x32;

export function encodeCrtCommand(cm: number, pm: number, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const payload = new Uint8Array(2 + data.length);
  payload[0] = cm;
  payload[1] = pm;
  payload.set(data, 2);
  return encodeStxEtxFrame(payload);
}

export function encodeCrtPositive(cm: number, pm: number, data?: Uint8Array): Uint8Array {
  return encodeCrtCommand(cm, pm, data);
}

export function encodeCrtNegative(errorCode: string): Uint8Array {
  const payload = new Uint8Array(1 + errorCode.length);
  payload[0] = NEGATIVE;
  for (let i = 0; i < errorCode.length; i++) payload[i + 1] = errorCode.charCodeAt(i) & 0xff;
  return encodeStxEtxFrame(payload);
}

export type CrtReply =
  | { readonly kind: 'positive'; readonly cm: number; readonly pm: number; readonly data: Uint8Array }
  | { readonly kind: 'negative'; readonly errorCode: string };

export function parseCrtReply(payload: Uint8Array): Result<CrtReply, SscardError> {
  if (payload.length >= 1 && payload[0] === NEGATIVE) {
    return ok({ kind: 'negative', errorCode: readerCodeText(payload.subarray(1)) });
  }
  if (payload.length < 2) return err({ code: 'SSCARD_FRAME_LENGTH', detail: `reply payload of ${payload.length} bytes` });
  return ok({ kind: 'positive', cm: payload[0]!, pm: payload[1]!, data: payload.subarray(2) });
}

function readerCodeText(bytes: Uint8Array): string {
  const printable = bytes.length > 0 && bytes.every((b) => b >= 0x20 && b < 0x7f);
  if (printable) return String.fromCharCode(...bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * The reader's negative codes we act on. From Creator manuals for the CRT-310 family; the table
 * is **unconfirmed** for any particular firmware, so unknown codes surface as CARD_READER_ERROR.
 */
export function negativeReplyError(errorCode: string): SscardError {
  switch (errorCode) {
    case '60':
      return { code: 'CARD_ACTIVATION_FAILED', readerCode: errorCode, detail: 'card power supply fault' };
    case '61':
      return { code: 'CARD_ACTIVATION_FAILED', readerCode: errorCode, detail: 'card did not answer to reset' };
    case '62':
      return { code: 'CARD_FUNCTION_NOT_SUPPORTED', readerCode: errorCode, detail: 'command not supported by the card' };
    case '63':
    case '64':
      return { code: 'CARD_COMMUNICATION_ERROR', readerCode: errorCode, detail: errorCode === '63' ? 'card transmission error' : 'card did not answer in time' };
    case '66':
      return { code: 'CARD_ABSENT', readerCode: errorCode, detail: 'no card at the contacts' };
    case '00':
    case '01':
    case '02':
    case '04':
      return { code: 'CARD_READER_PROTOCOL', readerCode: errorCode, detail: 'reader refused the command' };
    default:
      return { code: 'CARD_READER_ERROR', readerCode: errorCode, detail: `reader error ${errorCode}` };
  }
}

export function operationName(pm: number): CrtOperation | undefined {
  for (const [name, code] of Object.entries(CRT_PM) as [CrtOperation, number][]) if (code === pm) return name;
  return undefined;
}
