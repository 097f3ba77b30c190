// Runs anywhere (pure). The 256-byte text block of the four card layouts (hardware-protocols.md
// §2.1, §2.4), the appended-address block (`30 03`) and the SAM ID display form.
// Error details name fields, never their contents: card text is PII.
import { err, ok, type Result } from '../../common/result';
import type { CardDate, CardType, Gender, IdCardError, IdCardText } from './types';
import { decodeUcs2Le, trimPadding } from './ucs2';
import { isValidIdNumber } from './id-number';
import { nationName } from './nation-table';
import { TEXT_BYTES } from './sam-frame';

export interface FieldSpan {
  readonly offset: number;
  readonly bytes: number;
}

const span = (offset: number, bytes: number): FieldSpan => ({ offset, bytes });

/** Byte spans of each layout; exported so the simulator's encoder writes the same layout. */
export const CARD_LAYOUTS = {
  resident: {
    name: span(0, 30), gender: span(30, 2), nation: span(32, 4), birthDate: span(36, 16), address: span(52, 70),
    idNumber: span(122, 36), issuingAuthority: span(158, 30), validFrom: span(188, 16), validUntil: span(204, 16),
  },
  hkmt: {
    name: span(0, 30), gender: span(30, 2), nation: span(32, 4), birthDate: span(36, 16), address: span(52, 70),
    idNumber: span(122, 36), issuingAuthority: span(158, 30), validFrom: span(188, 16), validUntil: span(204, 16),
    passNumber: span(220, 18), issueCount: span(238, 4), marker: span(248, 2),
  },
  foreign2017: {
    englishName: span(0, 120), gender: span(120, 2), idNumber: span(122, 30), nationality: span(152, 6),
    name: span(158, 30), validFrom: span(188, 16), validUntil: span(204, 16), birthDate: span(220, 16),
    cardVersion: span(236, 4), authorityCode: span(240, 8), marker: span(248, 2),
  },
  foreign2023: {
    name: span(0, 30), gender: span(30, 2), renewalCount: span(32, 4), birthDate: span(36, 16),
    englishName: span(52, 70), idNumber: span(122, 36), validFrom: span(188, 16), validUntil: span(204, 16),
    englishNameTail: span(220, 22), nationality: span(242, 6), marker: span(248, 2), previousCardNumberLink: span(250, 6),
  },
} as const;

export const CARD_TYPE_MARKER_OFFSET = 248;
export const CARD_TYPE_MARKERS: Readonly<Record<Exclude<CardType, 'resident'>, string>> = {
  hkmt: 'J',
  foreign2017: 'I',
  foreign2023: 'Y',
};

export const GENDER_BY_CODE: ReadonlyMap<string, Gender> = new Map([
  ['0', 'unknown'],
  ['1', 'male'],
  ['2', 'female'],
  ['9', 'unstated'],
]);

/** UCS-2LE "长期": the valid-until field of a card without an end date. */
const LONG_TERM = '长期';

export function detectCardType(block: Uint8Array): CardType {
  const unit = (block[CARD_TYPE_MARKER_OFFSET] ?? 0) | ((block[CARD_TYPE_MARKER_OFFSET + 1] ?? 0) << 8);
  const marker = String.fromCharCode(unit);
  if (marker === 'J') return 'hkmt';
  if (marker === 'I') return 'foreign2017';
  // 'Y' has a single public source (unconfirmed); a resident card never carries it there.
  if (marker === 'Y') return 'foreign2023';
  return 'resident';
}

class Malformed {
  constructor(readonly error: IdCardError) {}
}

function malformed(detail: string): never {
  throw new Malformed({ code: 'ID_CARD_TEXT_MALFORMED', detail });
}

function field(block: Uint8Array, name: string, at: FieldSpan): string {
  const decoded = decodeUcs2Le(block.subarray(at.offset, at.offset + at.bytes), name);
  if (!decoded.ok) throw new Malformed(decoded.error);
  return decoded.value;
}

const text = (block: Uint8Array, name: string, at: FieldSpan): string => trimPadding(field(block, name, at));

function date(block: Uint8Array, name: string, at: FieldSpan, allowLongTerm: boolean): CardDate {
  const value = text(block, name, at);
  if (allowLongTerm && value === LONG_TERM) return 'long-term';
  const match = /^(\d{4})(\d{2})(\d{2})$/.exec(value);
  if (!match) malformed(`${name}: not YYYYMMDD`);
  const [, y, m, d] = match;
  const year = Number(y);
  const month = Number(m);
  const day = Number(d);
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth) malformed(`${name}: not a calendar date`);
  return `${y}-${m}-${d}`;
}

function gender(block: Uint8Array, at: FieldSpan): { gender: Gender; genderCode: string } {
  const code = text(block, 'gender', at);
  const value = GENDER_BY_CODE.get(code);
  if (!value) malformed('gender: code outside GB/T 2261.1');
  return { gender: value, genderCode: code };
}

function citizenNumber(block: Uint8Array, at: FieldSpan): { idNumber: string; idNumberValid: boolean } {
  const idNumber = text(block, 'idNumber', at).toUpperCase();
  if (!/^\d{17}[\dX]$/.test(idNumber)) malformed('idNumber: not 17 digits and a check character');
  return { idNumber, idNumberValid: isValidIdNumber(idNumber) };
}

function nation(block: Uint8Array, at: FieldSpan, required: boolean): { nationCode?: string; nation?: string } {
  const code = text(block, 'nation', at);
  if (code === '' && !required) return {};
  if (!/^\d{2}$/.test(code)) malformed('nation: not two digits');
  // Unknown codes are kept without a name: GB 3304 has grown before.
  const name = nationName(code);
  return name === undefined ? { nationCode: code } : { nationCode: code, nation: name };
}

const optional = (value: string): string | undefined => (value === '' ? undefined : value);

function parseResident(block: Uint8Array, type: 'resident' | 'hkmt'): IdCardText {
  const layout = CARD_LAYOUTS.hkmt;
  const name = text(block, 'name', layout.name);
  if (name === '') malformed('name: empty');
  const base = {
    cardType: type,
    name,
    ...gender(block, layout.gender),
    ...nation(block, layout.nation, type === 'resident'),
    birthDate: date(block, 'birthDate', layout.birthDate, false),
    address: text(block, 'address', layout.address),
    ...citizenNumber(block, layout.idNumber),
    issuingAuthority: text(block, 'issuingAuthority', layout.issuingAuthority),
    validFrom: date(block, 'validFrom', layout.validFrom, false),
    validUntil: date(block, 'validUntil', layout.validUntil, true),
  };
  // Reserved bytes are not checked: nothing documents what a card may hold there.
  if (type === 'resident') return base;
  return {
    ...base,
    passNumber: text(block, 'passNumber', layout.passNumber),
    issueCount: text(block, 'issueCount', layout.issueCount),
  };
}

function parseForeign2017(block: Uint8Array): IdCardText {
  const layout = CARD_LAYOUTS.foreign2017;
  const englishName = text(block, 'englishName', layout.englishName);
  const chineseName = text(block, 'name', layout.name);
  if (englishName === '' && chineseName === '') malformed('name: empty');
  const cardNumber = text(block, 'idNumber', layout.idNumber).toUpperCase();
  // No public check algorithm for the 2017 card number: validity here means the documented shape.
  const idNumberValid = /^[A-Z]{3}\d{12}$/.test(cardNumber);
  if (!/^[0-9A-Z]{15}$/.test(cardNumber)) malformed('idNumber: not 15 letters and digits');
  return {
    cardType: 'foreign2017',
    name: chineseName || englishName,
    englishName,
    ...gender(block, layout.gender),
    nationality: text(block, 'nationality', layout.nationality),
    birthDate: date(block, 'birthDate', layout.birthDate, false),
    idNumber: cardNumber,
    idNumberValid,
    validFrom: date(block, 'validFrom', layout.validFrom, false),
    validUntil: date(block, 'validUntil', layout.validUntil, true),
    cardVersion: text(block, 'cardVersion', layout.cardVersion),
    authorityCode: text(block, 'authorityCode', layout.authorityCode),
  };
}

function parseForeign2023(block: Uint8Array): IdCardText {
  const layout = CARD_LAYOUTS.foreign2023;
  // The English name is split over two spans (chars 1–35, 36–46); join before trimming so a
  // space at the seam survives.
  const englishName = trimPadding(field(block, 'englishName', layout.englishName) + field(block, 'englishName', layout.englishNameTail));
  const chineseName = text(block, 'name', layout.name);
  if (englishName === '' && chineseName === '') malformed('name: empty');
  const link = optional(text(block, 'previousCardNumberLink', layout.previousCardNumberLink));
  return {
    cardType: 'foreign2023',
    name: chineseName || englishName,
    englishName,
    ...gender(block, layout.gender),
    nationality: text(block, 'nationality', layout.nationality),
    birthDate: date(block, 'birthDate', layout.birthDate, false),
    ...citizenNumber(block, layout.idNumber),
    validFrom: date(block, 'validFrom', layout.validFrom, false),
    validUntil: date(block, 'validUntil', layout.validUntil, true),
    renewalCount: text(block, 'renewalCount', layout.renewalCount),
    ...(link === undefined ? {} : { previousCardNumberLink: link }),
  };
}

export function parseCardText(block: Uint8Array): Result<IdCardText, IdCardError> {
  if (block.length !== TEXT_BYTES) {
    return err({ code: 'ID_CARD_TEXT_MALFORMED', detail: `text block of ${block.length} bytes, expected ${TEXT_BYTES}` });
  }
  try {
    const type = detectCardType(block);
    if (type === 'foreign2017') return ok(parseForeign2017(block));
    if (type === 'foreign2023') return ok(parseForeign2023(block));
    return ok(parseResident(block, type));
  } catch (caught) {
    if (caught instanceof Malformed) return err(caught.error);
    throw caught;
  }
}

export const APPENDED_ADDRESS_ENTRY_BYTES = 70;
export const APPENDED_ADDRESS_MAX_ENTRIES = 4;

/** The `30 03` data: up to four 70-byte UCS-2 entries; blank entries are dropped. */
export function parseAppendedAddresses(data: Uint8Array): Result<string[], IdCardError> {
  if (data.length > APPENDED_ADDRESS_ENTRY_BYTES * APPENDED_ADDRESS_MAX_ENTRIES) {
    return err({ code: 'ID_CARD_TEXT_MALFORMED', detail: `appended address block of ${data.length} bytes` });
  }
  const addresses: string[] = [];
  for (let at = 0; at < data.length; at += APPENDED_ADDRESS_ENTRY_BYTES) {
    const entry = decodeUcs2Le(data.subarray(at, at + APPENDED_ADDRESS_ENTRY_BYTES), `appendedAddress${at / APPENDED_ADDRESS_ENTRY_BYTES}`);
    if (!entry.ok) return entry;
    const trimmed = trimPadding(entry.value);
    if (trimmed !== '') addresses.push(trimmed);
  }
  return ok(addresses);
}

export const SAM_ID_BYTES = 16;

/**
 * The SAM ID as readers display it: `u16LE(0).u16LE(2)-u32LE(4)-u32LE(8)-u32LE(12)`, the first
 * two parts 2 digits. The zero padding of the last three parts is unconfirmed (9 or 10 digits
 * are both seen); 10 fits any u32 and is the default.
 */
export function formatSamId(bytes: Uint8Array, lastPartsDigits = 10): Result<string, IdCardError> {
  if (bytes.length !== SAM_ID_BYTES) return err({ code: 'ID_FRAME_LENGTH', detail: `SAM ID of ${bytes.length} bytes` });
  const u16 = (at: number) => bytes[at]! | (bytes[at + 1]! << 8);
  const u32 = (at: number) => (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0;
  const pad2 = (n: number) => String(n).padStart(2, '0');
  const padLast = (n: number) => String(n).padStart(lastPartsDigits, '0');
  return ok(`${pad2(u16(0))}.${pad2(u16(2))}-${padLast(u32(4))}-${padLast(u32(8))}-${padLast(u32(12))}`);
}
