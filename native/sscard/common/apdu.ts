// Runs anywhere (pure). Command APDUs (short form only: the card's records are tiny) and
// response APDUs.
export interface CommandApdu {
  readonly cla: number;
  readonly ins: number;
  readonly p1: number;
  readonly p2: number;
  readonly data?: Uint8Array;
  /** 0..256; 256 is sent as 00. Undefined: no Le (case 1/3). */
  readonly le?: number;
}

export interface ResponseApdu {
  readonly data: Uint8Array;
  readonly sw1: number;
  readonly sw2: number;
  /** SW1SW2 as a number, e.g. 0x9000. */
  readonly sw: number;
}

export function encodeApdu(apdu: CommandApdu): Uint8Array {
  const data = apdu.data ?? new Uint8Array(0);
  if (data.length > 255) throw new RangeError('short APDU data is at most 255 bytes');
  const out: number[] = [apdu.cla, apdu.ins, apdu.p1, apdu.p2];
  if (data.length > 0) out.push(data.length, ...data);
  if (apdu.le !== undefined) out.push(apdu.le & 0xff);
  return Uint8Array.from(out);
}

/** Splits a C-APDU back into its parts (simulator, trace decoder). Case 1–4 short form. */
export function decodeApdu(bytes: Uint8Array): CommandApdu | undefined {
  if (bytes.length < 4) return undefined;
  const header = { cla: bytes[0]!, ins: bytes[1]!, p1: bytes[2]!, p2: bytes[3]! };
  if (bytes.length === 4) return header;
  if (bytes.length === 5) return { ...header, le: bytes[4] === 0 ? 256 : bytes[4]! };
  const lc = bytes[4]!;
  if (lc === 0 || bytes.length < 5 + lc) return undefined;
  const data = bytes.slice(5, 5 + lc);
  if (bytes.length === 5 + lc) return { ...header, data };
  if (bytes.length === 6 + lc) return { ...header, data, le: bytes[5 + lc] === 0 ? 256 : bytes[5 + lc]! };
  return undefined;
}

export function parseResponseApdu(bytes: Uint8Array): ResponseApdu | undefined {
  if (bytes.length < 2) return undefined;
  const sw1 = bytes[bytes.length - 2]!;
  const sw2 = bytes[bytes.length - 1]!;
  return { data: bytes.slice(0, bytes.length - 2), sw1, sw2, sw: (sw1 << 8) | sw2 };
}

export function swHex(sw: number): string {
  return sw.toString(16).padStart(4, '0').toUpperCase();
}

export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0').toUpperCase();
  return out;
}

export function fromHex(text: string): Uint8Array | undefined {
  const clean = text.replace(/\s+/g, '');
  if (clean.length % 2 !== 0 || /[^0-9a-fA-F]/.test(clean)) return undefined;
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(i * 2, i * 2 + 2), 16);
  return out;
}
