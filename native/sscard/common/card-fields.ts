// Runs anywhere (pure). The records of EF05 and EF06 (hardware-protocols.md §4.2): which tag
// holds what, how long it is expected to be, and how its bytes decode. Lengths are what the
// specification gives; the card's own length byte wins (the reader asks with Le = 2 + expected
// length and re-issues on 6Cxx, so a card with another length still reads).
//
// Unwritten fields: a file personalised without a field holds FF… (erased EEPROM) or 00…;
// both decode as "not written".
import { err, ok, type Result } from '../../common/result';
import type { CardGeneration, GbkDecoder, SscardError } from './types';

export type FieldName =
  | 'cardIdCode'
  | 'cardCategory'
  | 'specVersion'
  | 'initialisingInstitution'
  | 'issueDate'
  | 'expiryDate'
  | 'cardNumber'
  | 'socialSecurityNumber'
  | 'name'
  | 'nameExtension'
  | 'gender'
  | 'nation'
  | 'birthPlace'
  | 'birthDate';

export type FieldEncoding = 'ascii' | 'gbk' | 'bcd-date' | 'code' | 'binary';

export interface FieldSpec {
  readonly name: FieldName;
  readonly file: 'EF05' | 'EF06';
  readonly sfi: 5 | 6;
  readonly tag: number;
  readonly length: number;
  readonly encoding: FieldEncoding;
}

export const FIELDS: readonly FieldSpec[] = [
  { name: 'cardIdCode', file: 'EF05', sfi: 5, tag: 0x01, length: 16, encoding: 'ascii' },
  { name: 'cardCategory', file: 'EF05', sfi: 5, tag: 0x02, length: 1, encoding: 'code' },
  { name: 'specVersion', file: 'EF05', sfi: 5, tag: 0x03, length: 4, encoding: 'ascii' },
  { name: 'initialisingInstitution', file: 'EF05', sfi: 5, tag: 0x04, length: 12, encoding: 'binary' },
  { name: 'issueDate', file: 'EF05', sfi: 5, tag: 0x05, length: 4, encoding: 'bcd-date' },
  { name: 'expiryDate', file: 'EF05', sfi: 5, tag: 0x06, length: 4, encoding: 'bcd-date' },
  { name: 'cardNumber', file: 'EF05', sfi: 5, tag: 0x07, length: 9, encoding: 'ascii' },
  { name: 'socialSecurityNumber', file: 'EF06', sfi: 6, tag: 0x08, length: 18, encoding: 'ascii' },
  { name: 'name', file: 'EF06', sfi: 6, tag: 0x09, length: 30, encoding: 'gbk' },
  { name: 'nameExtension', file: 'EF06', sfi: 6, tag: 0x4e, length: 20, encoding: 'gbk' },
  { name: 'gender', file: 'EF06', sfi: 6, tag: 0x0a, length: 1, encoding: 'ascii' },
  { name: 'nation', file: 'EF06', sfi: 6, tag: 0x0b, length: 1, encoding: 'code' },
  { name: 'birthPlace', file: 'EF06', sfi: 6, tag: 0x0c, length: 3, encoding: 'binary' },
  { name: 'birthDate', file: 'EF06', sfi: 6, tag: 0x0d, length: 4, encoding: 'bcd-date' },
];

export function fieldByName(name: FieldName): FieldSpec {
  return FIELDS.find((f) => f.name === name)!;
}

export function fieldByTag(sfi: number, tag: number): FieldSpec | undefined {
  return FIELDS.find((f) => f.sfi === sfi && f.tag === tag);
}

/** READ RECORD by record identifier: P1 = tag, P2 = SFI<<3 (b3..b1 = 000: first occurrence). */
export function readByTagP2(sfi: number): number {
  return (sfi << 3) & 0xf8;
}

export function isUnwritten(value: Uint8Array): boolean {
  return value.length === 0 || value.every((b) => b === 0xff) || value.every((b) => b === 0x00);
}

/** Splits `tag | len | value`; the tag must be the one asked for. */
export function parseTaggedRecord(data: Uint8Array, spec: FieldSpec): Result<Uint8Array, SscardError> {
  const malformed = (detail: string) => err<SscardError>({ code: 'CARD_DATA_MALFORMED', field: spec.name, detail });
  if (data.length < 2) return malformed(`record of ${data.length} bytes`);
  if (data[0] !== spec.tag) return malformed(`tag ${data[0]!.toString(16)} where ${spec.tag.toString(16)} was asked`);
  const length = data[1]!;
  if (2 + length > data.length) return malformed(`length ${length} beyond the ${data.length - 2} bytes read`);
  return ok(data.slice(2, 2 + length));
}

function trimPadding(value: Uint8Array): Uint8Array {
  let end = value.length;
  while (end > 0 && (value[end - 1] === 0x00 || value[end - 1] === 0xff || value[end - 1] === 0x20)) end--;
  return value.subarray(0, end);
}

export function decodeAscii(value: Uint8Array): string {
  return String.fromCharCode(...trimPadding(value));
}

export function decodeGbkField(value: Uint8Array, gbk: GbkDecoder): string {
  // GBK full-width space (A1 A1) pads some cards' names.
  return gbk.decode(trimPadding(value)).replace(/[\u3000\s]+$/u, '');
}

/** `20241231` BCD → "2024-12-31"; undefined when the nibbles are not a plausible date. */
export function decodeBcdDate(value: Uint8Array): string | undefined {
  if (value.length !== 4) return undefined;
  let digits = '';
  for (const byte of value) {
    const high = byte >> 4;
    const low = byte & 0x0f;
    if (high > 9 || low > 9) return undefined;
    digits += `${high}${low}`;
  }
  const month = Number(digits.slice(4, 6));
  const day = Number(digits.slice(6, 8));
  if (month < 1 || month > 12 || day < 1 || day > 31) return undefined;
  return `${digits.slice(0, 4)}-${digits.slice(4, 6)}-${digits.slice(6, 8)}`;
}

/**
 * One-byte codes (nation, card category). BCD reading first (0x01 → "01"); a byte that is not
 * BCD is taken as binary. Which one cards use is **unconfirmed**; for 01–09 they agree.
 */
export function decodeCode(value: Uint8Array): string {
  if (value.length === 2 && value.every((b) => b >= 0x30 && b <= 0x39)) return String.fromCharCode(...value);
  const byte = value[0] ?? 0;
  const high = byte >> 4;
  const low = byte & 0x0f;
  if (high <= 9 && low <= 9) return `${high}${low}`;
  return String(byte).padStart(2, '0');
}

export function decodeGender(value: Uint8Array): 'male' | 'female' | 'unknown' {
  const byte = value[0];
  if (byte === 0x31 || byte === 0x01) return 'male';
  if (byte === 0x32 || byte === 0x02) return 'female';
  return 'unknown';
}

/** '1' / '2' / '3' from "1.00" / "2.00" / "3.00"; anything else is refused. */
export function generationOf(specVersion: string): CardGeneration | undefined {
  const first = specVersion.charAt(0);
  if (first === '1' || first === '2' || first === '3') return Number(first) as CardGeneration;
  return undefined;
}

/** A display/JSON form of any field (trace decoder): strings for text, hex for opaque bytes. */
export function decodeFieldForDisplay(spec: FieldSpec, value: Uint8Array, gbk: GbkDecoder): string {
  if (isUnwritten(value)) return '(not written)';
  switch (spec.encoding) {
    case 'ascii':
      return decodeAscii(value);
    case 'gbk':
      return decodeGbkField(value, gbk);
    case 'bcd-date':
      return decodeBcdDate(value) ?? `(bad date ${hexOf(value)})`;
    case 'code':
      return decodeCode(value);
    case 'binary':
      return hexOf(value);
  }
}

function hexOf(value: Uint8Array): string {
  return Array.from(value, (b) => b.toString(16).padStart(2, '0').toUpperCase()).join('');
}
