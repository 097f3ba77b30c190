// Runs anywhere (pure). Our PIN pad command set (docs/pinpad-protocol.md). Envelope: the same
// STX | LEN | payload | ETX | BCC as the card reader (native/common/stx-etx-framer.ts).
//   host → pad   payload = CMD | SEQ | DATA
//   pad → host   payload = CMD | SEQ | STATUS | DATA      (reply: CMD echoed; events: own CMD)
import { encodeStxEtxFrame } from '../../common/stx-etx-framer';
import type { PinAlgorithm, PinPadError, PinPurpose } from './types';

export const PAD_CMD = {
  status: 0x53, // 'S'
  keyCheckValue: 0x4b, // 'K'
  loadWorkingKey: 0x4c, // 'L'
  promptPin: 0x50, // 'P'
  cancel: 0x43, // 'C'
} as const;

export const PAD_EVENT = {
  key: 0x6b, // 'k': DATA = digits entered so far
  entryDone: 0x45, // 'E': the prompt's outcome, DATA = PIN block ‖ KCV
} as const;

export const PAD_STATUS = {
  ok: 0x00,
  busy: 0x10,
  noKey: 0x11,
  keyCheckMismatch: 0x12,
  badParameter: 0x13,
  unknownCommand: 0x14,
  cancelledByUser: 0x20,
  entryTimeout: 0x21,
  cancelledByHost: 0x22,
} as const;

export const ALGORITHM_CODE: Readonly<Record<PinAlgorithm, number>> = { tdes: 0x01, sm4: 0x02 };
export const PURPOSE_CODE: Readonly<Record<PinPurpose, number>> = { current: 0x01, new: 0x02, confirm: 0x03 };

export function algorithmFromCode(code: number): PinAlgorithm | undefined {
  return code === 0x01 ? 'tdes' : code === 0x02 ? 'sm4' : undefined;
}

export function encodePadCommand(cmd: number, seq: number, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const payload = new Uint8Array(2 + data.length);
  payload[0] = cmd;
  payload[1] = seq & 0xff;
  payload.set(data, 2);
  return encodeStxEtxFrame(payload);
}

export function encodePadReply(cmd: number, seq: number, status: number, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const payload = new Uint8Array(3 + data.length);
  payload[0] = cmd;
  payload[1] = seq & 0xff;
  payload[2] = status;
  payload.set(data, 3);
  return encodeStxEtxFrame(payload);
}

export interface PadMessage {
  readonly cmd: number;
  readonly seq: number;
  readonly status: number;
  readonly data: Uint8Array;
}

export function readPadMessage(payload: Uint8Array): PadMessage | undefined {
  if (payload.length < 3) return undefined;
  return { cmd: payload[0]!, seq: payload[1]!, status: payload[2]!, data: payload.subarray(3) };
}

export interface PromptPinRequest {
  readonly algorithm: PinAlgorithm;
  readonly minLength: number;
  readonly maxLength: number;
  readonly purpose: PinPurpose;
  readonly timeoutSeconds: number;
  readonly accountDigits: string;
}

/** PROMPT data: ALG | MIN | MAX | PURPOSE | TIMEOUT_S | 12 ASCII account digits. */
export function encodePromptData(request: PromptPinRequest): Uint8Array {
  const data = new Uint8Array(5 + 12);
  data[0] = ALGORITHM_CODE[request.algorithm];
  data[1] = request.minLength;
  data[2] = request.maxLength;
  data[3] = PURPOSE_CODE[request.purpose];
  data[4] = Math.max(1, Math.min(255, Math.round(request.timeoutSeconds)));
  for (let i = 0; i < 12; i++) data[5 + i] = request.accountDigits.charCodeAt(i);
  return data;
}

export function decodePromptData(data: Uint8Array): PromptPinRequest | undefined {
  if (data.length !== 17) return undefined;
  const algorithm = algorithmFromCode(data[0]!);
  const purpose = (['current', 'new', 'confirm'] as const)[data[3]! - 1];
  const accountDigits = String.fromCharCode(...data.subarray(5));
  if (!algorithm || !purpose || !/^\d{12}$/.test(accountDigits)) return undefined;
  return { algorithm, minLength: data[1]!, maxLength: data[2]!, purpose, timeoutSeconds: data[4]!, accountDigits };
}

export function padStatusError(status: number): PinPadError {
  const padStatus = status.toString(16).padStart(2, '0');
  switch (status) {
    case PAD_STATUS.busy:
      return { code: 'PINPAD_BUSY', padStatus };
    case PAD_STATUS.noKey:
      return { code: 'PINPAD_NO_KEY', padStatus };
    case PAD_STATUS.keyCheckMismatch:
      return { code: 'PINPAD_KEY_CHECK_MISMATCH', padStatus };
    case PAD_STATUS.badParameter:
    case PAD_STATUS.unknownCommand:
      return { code: 'PINPAD_BAD_PARAMETER', padStatus };
    case PAD_STATUS.cancelledByUser:
      return { code: 'PINPAD_CANCELLED', padStatus };
    case PAD_STATUS.entryTimeout:
      return { code: 'PINPAD_ENTRY_TIMEOUT', padStatus };
    case PAD_STATUS.cancelledByHost:
      return { code: 'PINPAD_ABORTED', padStatus };
    default:
      return { code: 'PINPAD_DEVICE_ERROR', padStatus };
  }
}
