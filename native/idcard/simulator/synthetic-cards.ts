// Runs in Node (simulator, tests, training mode). Synthetic cards only: every name, number and
// address below is fictional (the 0101xx region code does not exist; "UTO" is the ISO specimen
// country), and every ID number carries a correct MOD 11-2 check character.
import type { IdCardText, PhotoDecodeResult, PhotoDecoder } from '../common/types';
import { CARD_LAYOUTS, CARD_TYPE_MARKERS, CARD_TYPE_MARKER_OFFSET, APPENDED_ADDRESS_ENTRY_BYTES, type FieldSpan } from '../common/card-text';
import { encodeUcs2Le } from '../common/ucs2';
import { PHOTO_BYTES, TEXT_BYTES } from '../common/sam-frame';

export type SyntheticCardKey = 'resident' | 'resident-long-term' | 'hkmt' | 'foreign2017' | 'foreign2023';

export interface SyntheticCard {
  readonly key: string;
  readonly text: IdCardText;
  readonly fingerprintBytes: 0 | 512 | 1024;
  readonly appendedAddresses: readonly string[];
}

export const SYNTHETIC_CARDS: Readonly<Record<SyntheticCardKey, SyntheticCard>> = {
  resident: {
    key: 'resident',
    text: {
      cardType: 'resident', name: '测试甲', gender: 'male', genderCode: '1', nationCode: '01', nation: '汉',
      birthDate: '1990-01-01', address: '示例省测试市样例路1号', idNumber: '010101199001010011', idNumberValid: true,
      issuingAuthority: '测试市公安局示例分局', validFrom: '2015-01-01', validUntil: '2035-01-01',
    },
    fingerprintBytes: 1024,
    appendedAddresses: [],
  },
  'resident-long-term': {
    key: 'resident-long-term',
    text: {
      cardType: 'resident', name: '示例乙', gender: 'female', genderCode: '2', nationCode: '05', nation: '维吾尔',
      birthDate: '1950-06-15', address: '示例省测试县样例镇2号', idNumber: '010101195006150023', idNumberValid: true,
      issuingAuthority: '测试县公安局', validFrom: '2010-03-01', validUntil: 'long-term',
    },
    fingerprintBytes: 512,
    appendedAddresses: ['示例省测试市新址路3号', '示例省测试市另址街4号'],
  },
  hkmt: {
    key: 'hkmt',
    text: {
      cardType: 'hkmt', name: '测试丙', gender: 'male', genderCode: '1',
      birthDate: '1992-02-02', address: '示例特别行政区测试道5号', idNumber: '810000199202020037', idNumberValid: true,
      issuingAuthority: '测试出入境管理局', validFrom: '2020-05-05', validUntil: '2025-05-05',
      passNumber: 'H99999999', issueCount: '01',
    },
    fingerprintBytes: 0,
    appendedAddresses: [],
  },
  foreign2017: {
    key: 'foreign2017',
    text: {
      cardType: 'foreign2017', name: '测试丁', englishName: 'TEST SAMPLE ONE', gender: 'female', genderCode: '2',
      nationality: 'UTO', birthDate: '1980-08-08', idNumber: 'TST990000000001', idNumberValid: true,
      validFrom: '2018-01-01', validUntil: '2028-01-01', cardVersion: '17', authorityCode: '9999',
    },
    fingerprintBytes: 0,
    appendedAddresses: [],
  },
  foreign2023: {
    key: 'foreign2023',
    text: {
      cardType: 'foreign2023', name: '示例戊', englishName: 'TEST SAMPLE WITH A LONG ENGLISH NAME PART TWO', gender: 'male', genderCode: '1',
      nationality: 'UTO', birthDate: '1985-01-01', idNumber: '999999198501010018', idNumberValid: true,
      validFrom: '2023-12-01', validUntil: '2033-12-01', renewalCount: '00',
    },
    fingerprintBytes: 1024,
    appendedAddresses: [],
  },
};

export const SYNTHETIC_CARD_KEYS = Object.keys(SYNTHETIC_CARDS) as SyntheticCardKey[];

const cardDate = (value: string): string => (value === 'long-term' ? '长期' : value.replaceAll('-', ''));

function put(block: Uint8Array, at: FieldSpan, value: string | undefined): void {
  block.set(encodeUcs2Le(value ?? '', at.bytes), at.offset);
}

/** Builds the 256-byte text block of a card: the inverse of parseCardText. */
export function encodeCardText(text: IdCardText): Uint8Array {
  const block = encodeUcs2Le('', TEXT_BYTES);
  switch (text.cardType) {
    case 'resident':
    case 'hkmt': {
      const layout = CARD_LAYOUTS.hkmt;
      put(block, layout.name, text.name);
      put(block, layout.gender, text.genderCode);
      put(block, layout.nation, text.nationCode);
      put(block, layout.birthDate, cardDate(text.birthDate));
      put(block, layout.address, text.address);
      put(block, layout.idNumber, text.idNumber);
      put(block, layout.issuingAuthority, text.issuingAuthority);
      put(block, layout.validFrom, cardDate(text.validFrom));
      put(block, layout.validUntil, cardDate(text.validUntil));
      if (text.cardType === 'hkmt') {
        put(block, layout.passNumber, text.passNumber);
        put(block, layout.issueCount, text.issueCount);
      }
      break;
    }
    case 'foreign2017': {
      const layout = CARD_LAYOUTS.foreign2017;
      put(block, layout.englishName, text.englishName);
      put(block, layout.gender, text.genderCode);
      put(block, layout.idNumber, text.idNumber);
      put(block, layout.nationality, text.nationality);
      put(block, layout.name, text.name === text.englishName ? '' : text.name);
      put(block, layout.validFrom, cardDate(text.validFrom));
      put(block, layout.validUntil, cardDate(text.validUntil));
      put(block, layout.birthDate, cardDate(text.birthDate));
      put(block, layout.cardVersion, text.cardVersion);
      put(block, layout.authorityCode, text.authorityCode);
      break;
    }
    case 'foreign2023': {
      const layout = CARD_LAYOUTS.foreign2023;
      const english = text.englishName ?? '';
      put(block, layout.name, text.name === english ? '' : text.name);
      put(block, layout.gender, text.genderCode);
      put(block, layout.renewalCount, text.renewalCount);
      put(block, layout.birthDate, cardDate(text.birthDate));
      put(block, layout.englishName, english.slice(0, 35));
      put(block, layout.englishNameTail, english.slice(35));
      put(block, layout.idNumber, text.idNumber);
      put(block, layout.validFrom, cardDate(text.validFrom));
      put(block, layout.validUntil, cardDate(text.validUntil));
      put(block, layout.nationality, text.nationality);
      put(block, layout.previousCardNumberLink, text.previousCardNumberLink);
      break;
    }
  }
  if (text.cardType !== 'resident') {
    block.set(encodeUcs2Le(CARD_TYPE_MARKERS[text.cardType], 2), CARD_TYPE_MARKER_OFFSET);
  }
  return block;
}

export function encodeAppendedAddresses(addresses: readonly string[]): Uint8Array {
  const out = new Uint8Array(addresses.length * APPENDED_ADDRESS_ENTRY_BYTES);
  addresses.forEach((address, i) => out.set(encodeUcs2Le(address, APPENDED_ADDRESS_ENTRY_BYTES), i * APPENDED_ADDRESS_ENTRY_BYTES));
  return out;
}

/** Simulated photos are not WLT: they start with this marker and the card key, so a
 * SimulatedPhotoDecoder can hand back a reference image for that card. */
export const SIMULATED_PHOTO_MARKER = 'SIMPHOTO:';

function seededBytes(seed: string, length: number): Uint8Array {
  let state = 0x811c9dc5;
  for (let i = 0; i < seed.length; i++) state = Math.imul(state ^ seed.charCodeAt(i), 16777619) >>> 0;
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = ((t ^ (t >>> 14)) >>> 0) & 0xff;
  }
  return out;
}

export function syntheticPhoto(key: string): Uint8Array {
  const photo = seededBytes(`photo:${key}`, PHOTO_BYTES);
  const header = new TextEncoder().encode(`${SIMULATED_PHOTO_MARKER}${key}\0`);
  photo.set(header, 0);
  return photo;
}

export function syntheticFingerprint(key: string, bytes: number): Uint8Array {
  return bytes === 0 ? new Uint8Array(0) : seededBytes(`fingerprint:${key}`, bytes);
}

/** The card key of a simulated photo, or undefined for anything else (e.g. a real WLT). */
export function simulatedPhotoKey(photo: Uint8Array): string | undefined {
  const marker = new TextEncoder().encode(SIMULATED_PHOTO_MARKER);
  if (photo.length < marker.length || !marker.every((b, i) => photo[i] === b)) return undefined;
  const end = photo.indexOf(0, marker.length);
  if (end < 0) return undefined;
  return new TextDecoder().decode(photo.subarray(marker.length, end));
}

export interface ReferenceImage {
  readonly width: number;
  readonly height: number;
  /** Raw BGR, width × height × 3. */
  readonly bgr: Uint8Array;
}

/**
 * Simulated-mode decoder: maps a simulated photo to a reference image supplied by the caller
 * (a plain image the demo or test decodes however it likes), by card key.
 */
export class SimulatedPhotoDecoder implements PhotoDecoder {
  readonly name = 'simulated';
  private readonly images = new Map<string, ReferenceImage | (() => Promise<ReferenceImage>)>();

  setImage(cardKey: string, image: ReferenceImage | (() => Promise<ReferenceImage>)): void {
    this.images.set(cardKey, image);
  }

  async decode(wlt: Uint8Array): Promise<PhotoDecodeResult> {
    const key = simulatedPhotoKey(wlt);
    const source = key === undefined ? undefined : this.images.get(key);
    if (!source) return { kind: 'not_decodable', reason: 'no_decoder' };
    try {
      const image = typeof source === 'function' ? await source() : source;
      return { kind: 'decoded', width: image.width, height: image.height, bgr: image.bgr };
    } catch {
      return { kind: 'not_decodable', reason: 'decoder_failed' };
    }
  }
}
