// Runs anywhere (pure). The SAM (GA 467 family) frame: AA AA AA 96 69 | LEN(2, BE) | body | CHK.
// LEN counts every byte after itself including CHK; CHK is the XOR of LEN_H through the last
// body byte. Commands and responses share the format; only the body differs:
//   command:  CMD PARA DATA…        response: SW1 SW2 SW3 DATA…
import { err, ok, type Result } from '../../common/result';
import type { IdCardError } from './types';

export const SAM_PREAMBLE: Uint8Array = Uint8Array.of(0xaa, 0xaa, 0xaa, 0x96, 0x69);
/** Preamble + LEN. */
export const SAM_HEADER_BYTES = 7;
/** A command body is at least CMD PARA, so LEN ≥ 3. */
export const SAM_MIN_LENGTH_FIELD = 3;
/**
 * The largest real frame is 2321 bytes (LEN 0x090A, text + photo + 1024-byte fingerprint).
 * Anything much larger is garbage that happens to follow a preamble; refusing it keeps the
 * framer from waiting for megabytes and swallowing the frames that follow.
 */
export const SAM_MAX_LENGTH_FIELD = 0x0c00;

export type SamCommandName =
  | 'reset_sam'
  | 'sam_status'
  | 'read_sam_id'
  | 'find_card'
  | 'select_card'
  | 'read_text_photo'
  | 'read_text_photo_fingerprint'
  | 'read_appended_address'
  | 'read_management_number';

export interface SamCommandCode {
  readonly cmd: number;
  readonly para: number;
}

export const SAM_COMMANDS: Readonly<Record<SamCommandName, SamCommandCode>> = {
  reset_sam: { cmd: 0x10, para: 0xff },
  sam_status: { cmd: 0x11, para: 0xff },
  read_sam_id: { cmd: 0x12, para: 0xff },
  find_card: { cmd: 0x20, para: 0x01 },
  select_card: { cmd: 0x20, para: 0x02 },
  read_text_photo: { cmd: 0x30, para: 0x01 },
  read_text_photo_fingerprint: { cmd: 0x30, para: 0x10 },
  read_appended_address: { cmd: 0x30, para: 0x03 },
  read_management_number: { cmd: 0x30, para: 0x05 },
};

export function commandName(cmd: number, para: number): SamCommandName | undefined {
  for (const [name, code] of Object.entries(SAM_COMMANDS) as [SamCommandName, SamCommandCode][]) {
    if (code.cmd === cmd && code.para === para) return name;
  }
  return undefined;
}

export const SW3_SUCCESS = 0x90;
export const SW3_NO_DATA = 0x91;
export const SW3_CARD_FOUND = 0x9f;
export const SW3_NO_CARD = 0x80;

export const TEXT_BYTES = 256;
export const PHOTO_BYTES = 1024;

/** A complete, checksum-verified frame. */
export interface SamFrame {
  /** The whole frame, preamble to CHK. */
  readonly bytes: Uint8Array;
  /** The bytes between LEN and CHK. */
  readonly body: Uint8Array;
}

export interface SamResponse {
  readonly sw1: number;
  readonly sw2: number;
  readonly sw3: number;
  readonly data: Uint8Array;
}

export interface SamCommandFrame {
  readonly cmd: number;
  readonly para: number;
  readonly data: Uint8Array;
}

export function xorChecksum(bytes: Uint8Array, start: number, end: number): number {
  let sum = 0;
  for (let i = start; i < end; i++) sum ^= bytes[i]!;
  return sum;
}

/** Wraps a body in preamble, LEN and CHK. */
export function encodeFrame(body: Uint8Array): Uint8Array {
  const lengthField = body.length + 1;
  const frame = new Uint8Array(SAM_HEADER_BYTES + lengthField);
  frame.set(SAM_PREAMBLE, 0);
  frame[5] = lengthField >> 8;
  frame[6] = lengthField & 0xff;
  frame.set(body, SAM_HEADER_BYTES);
  frame[frame.length - 1] = xorChecksum(frame, 5, frame.length - 1);
  return frame;
}

export function encodeCommand(cmd: number, para: number, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const body = new Uint8Array(2 + data.length);
  body[0] = cmd;
  body[1] = para;
  body.set(data, 2);
  return encodeFrame(body);
}

export function encodeNamedCommand(name: SamCommandName, data?: Uint8Array): Uint8Array {
  const code = SAM_COMMANDS[name];
  return encodeCommand(code.cmd, code.para, data);
}

export function encodeResponse(sw3: number, data: Uint8Array = new Uint8Array(0), sw1 = 0, sw2 = 0): Uint8Array {
  const body = new Uint8Array(3 + data.length);
  body[0] = sw1;
  body[1] = sw2;
  body[2] = sw3;
  body.set(data, 3);
  return encodeFrame(body);
}

/**
 * Responses start with SW1 SW2 = 00 00 on every documented reader; no command byte is 00.
 * That is the only way to tell the directions apart in a capture.
 */
export function isResponseFrame(frame: SamFrame): boolean {
  return frame.body.length >= 3 && frame.body[0] === 0 && frame.body[1] === 0;
}

export function readResponse(frame: SamFrame): Result<SamResponse, IdCardError> {
  if (frame.body.length < 3) return err({ code: 'ID_FRAME_LENGTH', detail: `response body of ${frame.body.length} bytes` });
  return ok({ sw1: frame.body[0]!, sw2: frame.body[1]!, sw3: frame.body[2]!, data: frame.body.subarray(3) });
}

export function readCommand(frame: SamFrame): Result<SamCommandFrame, IdCardError> {
  if (frame.body.length < 2) return err({ code: 'ID_FRAME_LENGTH', detail: `command body of ${frame.body.length} bytes` });
  return ok({ cmd: frame.body[0]!, para: frame.body[1]!, data: frame.body.subarray(2) });
}

/** The raw pieces of a `30 01` / `30 10` reply. */
export interface CardReadData {
  readonly text: Uint8Array;
  readonly photo: Uint8Array;
  readonly fingerprintBytes: number;
}

const u16be = (bytes: Uint8Array, at: number): number => (bytes[at]! << 8) | bytes[at + 1]!;

/**
 * Splits the data of a successful read reply. `withFingerprint` selects the 6-byte header of
 * `30 10`; when it is undefined the header size is inferred from the data length (the decode
 * CLI sees replies without their command). The fingerprint length field is not trusted: one
 * public sample shows `FF FF` there, so the bytes actually present decide.
 */
export function splitCardReadData(data: Uint8Array, withFingerprint?: boolean): Result<CardReadData, IdCardError> {
  const fingerprintHeader = withFingerprint ?? data.length !== 4 + TEXT_BYTES + PHOTO_BYTES;
  const headerBytes = fingerprintHeader ? 6 : 4;
  if (data.length < headerBytes) return err({ code: 'ID_FRAME_LENGTH', detail: `read reply data of ${data.length} bytes` });
  const textLength = u16be(data, 0);
  const photoLength = u16be(data, 2);
  if (textLength !== TEXT_BYTES) {
    return err({ code: 'ID_CARD_UNSUPPORTED_LAYOUT', detail: `text length ${textLength}` });
  }
  const fingerprintBytes = data.length - headerBytes - textLength - photoLength;
  if (fingerprintBytes < 0 || (!fingerprintHeader && fingerprintBytes !== 0)) {
    return err({ code: 'ID_FRAME_LENGTH', detail: `read reply data of ${data.length} bytes for text ${textLength} + photo ${photoLength}` });
  }
  const text = data.slice(headerBytes, headerBytes + textLength);
  const photo = data.slice(headerBytes + textLength, headerBytes + textLength + photoLength);
  return ok({ text, photo, fingerprintBytes });
}

/** Builds the data of a read reply (simulator, tests, captures). */
export function encodeCardReadData(text: Uint8Array, photo: Uint8Array, fingerprint?: Uint8Array): Uint8Array {
  const header = fingerprint ? 6 : 4;
  const out = new Uint8Array(header + text.length + photo.length + (fingerprint?.length ?? 0));
  out[0] = text.length >> 8;
  out[1] = text.length & 0xff;
  out[2] = photo.length >> 8;
  out[3] = photo.length & 0xff;
  if (fingerprint) {
    out[4] = fingerprint.length >> 8;
    out[5] = fingerprint.length & 0xff;
  }
  out.set(text, header);
  out.set(photo, header + text.length);
  if (fingerprint) out.set(fingerprint, header + text.length + photo.length);
  return out;
}
