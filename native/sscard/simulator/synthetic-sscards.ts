// Runs in Node. Synthetic social security cards (never a real person): the test identity
// 11010519491231002X / 测试甲 on cards of each generation and protocol, plus the awkward ones —
// another person's card, a blocked PIN, EF06 behind a PIN, never-written fields, a missing file,
// a long name with an extension, a card without the application.
import { encodeGbk } from '../node/gbk';
import type { FieldName } from '../common/card-fields';
import type { VirtualCardProfile } from './virtual-card';

const ascii = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0));
const bcd = (digits: string) => Uint8Array.from(digits.match(/../g)!, (pair) => (Number(pair[0]) << 4) | Number(pair[1]));

export const TEST_ID_NUMBER = '11010519491231002X';
export const TEST_NAME = '测试甲';
/** The issued PIN (§4.4: commonly 123456, changed at activation). Simulator-side only. */
export const ISSUED_PIN = '123456';

export interface IdentityFields {
  readonly idNumber: string;
  readonly name: string;
  readonly nameExtension?: string;
  readonly cardNumber: string;
  readonly generation: 1 | 2 | 3;
}

export function cardFields(identity: IdentityFields): Partial<Record<FieldName, Uint8Array>> {
  const region = identity.idNumber.slice(0, 6);
  const genderDigit = Number(identity.idNumber.charAt(16)) % 2 === 1 ? '1' : '2';
  const fields: Partial<Record<FieldName, Uint8Array>> = {
    cardIdCode: ascii(`${region}D15600000${identity.generation}`.padEnd(16, '0').slice(0, 16)),
    cardCategory: Uint8Array.of(0x01),
    specVersion: ascii(`${identity.generation}.00`),
    initialisingInstitution: Uint8Array.from({ length: 12 }, (_, i) => 0x10 + i),
    issueDate: bcd('20240115'),
    expiryDate: bcd('20340115'),
    cardNumber: ascii(identity.cardNumber),
    socialSecurityNumber: ascii(identity.idNumber),
    name: padTo(encodeGbk(identity.name), 30),
    gender: ascii(genderDigit),
    nation: Uint8Array.of(0x01),
    birthPlace: bcd(region),
    birthDate: bcd(identity.idNumber.slice(6, 14)),
  };
  if (identity.nameExtension) fields.nameExtension = encodeGbk(identity.nameExtension);
  return fields;
}

/** Names are stored in a fixed 30-byte field, zero-padded. */
function padTo(bytes: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(Math.max(length, bytes.length));
  out.set(bytes, 0);
  return out;
}

const testPerson = (generation: 1 | 2 | 3) => cardFields({ idNumber: TEST_ID_NUMBER, name: TEST_NAME, cardNumber: `S0000000${generation}`, generation });

export const SYNTHETIC_SSCARDS: Readonly<Record<string, VirtualCardProfile>> = {
  'gen1-t0': { key: 'gen1-t0', generation: 1, protocol: 0, fields: testPerson(1), pin: ISSUED_PIN },
  'gen2-t0': { key: 'gen2-t0', generation: 2, protocol: 0, fields: testPerson(2), pin: ISSUED_PIN },
  'gen2-t1': { key: 'gen2-t1', generation: 2, protocol: 1, fields: testPerson(2), pin: ISSUED_PIN },
  'gen3-t1': { key: 'gen3-t1', generation: 3, protocol: 1, fields: testPerson(3), pin: ISSUED_PIN },
  'gen3-t0-chained': { key: 'gen3-t0-chained', generation: 3, protocol: 0, fields: testPerson(3), pin: ISSUED_PIN, chainChunk: 7 },
  'other-person': {
    key: 'other-person',
    generation: 3,
    protocol: 1,
    fields: cardFields({ idNumber: '110105198001010016', name: '测试乙', cardNumber: 'S00000009', generation: 3 }),
    pin: ISSUED_PIN,
  },
  'long-name': {
    key: 'long-name',
    generation: 3,
    protocol: 0,
    fields: cardFields({ idNumber: TEST_ID_NUMBER, name: '测试甲乙丙丁戊己庚辛壬癸子丑寅卯', nameExtension: '辰巳午未申', cardNumber: 'S00000004', generation: 3 }),
    pin: ISSUED_PIN,
    chainChunk: 16,
  },
  'blocked-pin': { key: 'blocked-pin', generation: 2, protocol: 0, fields: testPerson(2), pin: ISSUED_PIN, pinTriesLeft: 0 },
  'one-try-left': { key: 'one-try-left', generation: 2, protocol: 1, fields: testPerson(2), pin: ISSUED_PIN, pinTriesLeft: 1 },
  'ef06-needs-pin': { key: 'ef06-needs-pin', generation: 3, protocol: 1, fields: testPerson(3), pin: ISSUED_PIN, ef06NeedsPin: true },
  'unwritten-name': { key: 'unwritten-name', generation: 2, protocol: 0, fields: testPerson(2), pin: ISSUED_PIN, unwrittenFields: ['name'] },
  // EF06 exists but was never personalised: every record read answers 6A83.
  'unpersonalised-ef06': {
    key: 'unpersonalised-ef06',
    generation: 2,
    protocol: 1,
    fields: Object.fromEntries(Object.entries(testPerson(2)).filter(([name]) => !['socialSecurityNumber', 'name', 'gender', 'nation', 'birthPlace', 'birthDate'].includes(name))),
    pin: ISSUED_PIN,
  },
  'no-ef06': { key: 'no-ef06', generation: 1, protocol: 0, fields: testPerson(1), pin: ISSUED_PIN, missingFiles: ['EF06'] },
  'bank-only': { key: 'bank-only', generation: 2, protocol: 0, fields: testPerson(2), pin: ISSUED_PIN, notSocialSecurity: true },
};
