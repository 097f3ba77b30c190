import { describe, expect, it } from 'vitest';
import { GENDER_BY_CODE, detectCardType, formatSamId, parseAppendedAddresses, parseCardText } from '../../../native/idcard/common/card-text';
import { checkCharacter, isValidIdNumber } from '../../../native/idcard/common/id-number';
import { NATION_BY_CODE, nationName } from '../../../native/idcard/common/nation-table';
import { decodeUcs2Le } from '../../../native/idcard/common/ucs2';
import { SYNTHETIC_CARDS, SYNTHETIC_CARD_KEYS, encodeAppendedAddresses, encodeCardText } from '../../../native/idcard/simulator/synthetic-cards';

/** Hand-built block: writes each field as UCS-2LE by its documented offset, independent of the encoder. */
function handBlock(fields: Array<[offset: number, bytes: number, text: string]>): Uint8Array {
  const block = new Uint8Array(256);
  for (let i = 0; i < 256; i += 2) block[i] = 0x20;
  for (const [offset, bytes, text] of fields) {
    expect(text.length * 2).toBeLessThanOrEqual(bytes);
    for (let i = 0; i < text.length; i++) {
      block[offset + i * 2] = text.charCodeAt(i) & 0xff;
      block[offset + i * 2 + 1] = text.charCodeAt(i) >> 8;
    }
  }
  return block;
}

describe('ID number (GB 11643 MOD 11-2)', () => {
  it.each(['11010519491231002X', '932682198501010017', '911124198108030024'])('accepts the §3 vector %s', (id) => {
    expect(isValidIdNumber(id)).toBe(true);
    expect(checkCharacter(id.slice(0, 17))).toBe(id[17]);
  });
  it.each(['110105194912310021', '932682198501010018', '91112419810803002', '1101051949123100XX', 'A10105194912310021'])('rejects %s', (id) => {
    expect(isValidIdNumber(id)).toBe(false);
  });
  it('accepts a lower-case x', () => expect(isValidIdNumber('11010519491231002x')).toBe(true));
  it('gives every synthetic card number a valid check', () => {
    for (const key of SYNTHETIC_CARD_KEYS) {
      const { idNumber, cardType } = SYNTHETIC_CARDS[key].text;
      if (cardType !== 'foreign2017') expect(isValidIdNumber(idNumber)).toBe(true);
    }
  });
});

describe('tables', () => {
  it('has all 56 nations plus 97 and 98', () => {
    expect(NATION_BY_CODE.size).toBe(58);
    expect(nationName('01')).toBe('汉');
    expect(nationName('05')).toBe('维吾尔');
    expect(nationName('56')).toBe('基诺');
    expect(nationName('97')).toBe('其他');
    expect(nationName('98')).toBe('外国血统中国籍人士');
    expect(nationName('57')).toBeUndefined();
  });
  it('maps the four gender codes', () => {
    expect([...GENDER_BY_CODE]).toEqual([['0', 'unknown'], ['1', 'male'], ['2', 'female'], ['9', 'unstated']]);
  });
});

describe('card text', () => {
  it.each(SYNTHETIC_CARD_KEYS)('round-trips the synthetic %s card', (key) => {
    const card = SYNTHETIC_CARDS[key];
    expect(parseCardText(encodeCardText(card.text))).toEqual({ ok: true, value: card.text });
  });

  it('parses a hand-built resident block with "长期"', () => {
    const block = handBlock([
      [0, 30, '测试甲'], [30, 2, '2'], [32, 4, '98'], [36, 16, '19600229'], [52, 70, '示例省测试市1号'],
      [122, 36, '010101196002290023'], [158, 30, '测试公安局'], [188, 16, '20100101'], [204, 16, '长期'],
    ]);
    expect([...block.subarray(204, 208)]).toEqual([0x7f, 0x95, 0x1f, 0x67]);
    const parsed = parseCardText(block);
    expect(parsed).toEqual({
      ok: true,
      value: {
        cardType: 'resident', name: '测试甲', gender: 'female', genderCode: '2', nationCode: '98', nation: '外国血统中国籍人士',
        birthDate: '1960-02-29', address: '示例省测试市1号', idNumber: '010101196002290023', idNumberValid: true,
        issuingAuthority: '测试公安局', validFrom: '2010-01-01', validUntil: 'long-term',
      },
    });
  });

  it('parses a hand-built J block', () => {
    const block = handBlock([
      [0, 30, '测试丙'], [30, 2, '1'], [36, 16, '19920202'], [52, 70, '示例道5号'], [122, 36, '810000199202020037'],
      [158, 30, '测试局'], [188, 16, '20200505'], [204, 16, '20250505'], [220, 18, 'H99999999'], [238, 4, '02'], [248, 2, 'J'],
    ]);
    const parsed = parseCardText(block);
    expect(parsed.ok && parsed.value).toMatchObject({ cardType: 'hkmt', passNumber: 'H99999999', issueCount: '02', idNumberValid: true, validUntil: '2025-05-05' });
    expect(parsed.ok && parsed.value.nationCode).toBeUndefined();
  });

  it('parses a hand-built I block', () => {
    const block = handBlock([
      [0, 120, 'TEST SAMPLE ONE'], [120, 2, '2'], [122, 30, 'TST990000000001'], [152, 6, 'UTO'], [158, 30, '测试丁'],
      [188, 16, '20180101'], [204, 16, '20280101'], [220, 16, '19800808'], [236, 4, '17'], [240, 8, '9999'], [248, 2, 'I'],
    ]);
    expect(parseCardText(block)).toEqual({
      ok: true,
      value: {
        cardType: 'foreign2017', name: '测试丁', englishName: 'TEST SAMPLE ONE', gender: 'female', genderCode: '2', nationality: 'UTO',
        birthDate: '1980-08-08', idNumber: 'TST990000000001', idNumberValid: true, validFrom: '2018-01-01', validUntil: '2028-01-01',
        cardVersion: '17', authorityCode: '9999',
      },
    });
  });

  it('parses a hand-built Y block with the English name split at character 35', () => {
    const english = 'TEST SAMPLE WITH A NAME THAT IS LONG ENOUGH TO'; // 46 characters
    expect(english.length).toBe(46);
    const block = handBlock([
      [0, 30, ''], [30, 2, '1'], [32, 4, '01'], [36, 16, '19850101'], [52, 70, english.slice(0, 35)], [122, 36, '932682198501010017'],
      [188, 16, '20231201'], [204, 16, '20331201'], [220, 22, english.slice(35)], [242, 6, 'UTO'], [248, 2, 'Y'], [250, 6, '123'],
    ]);
    const parsed = parseCardText(block);
    expect(parsed.ok && parsed.value).toMatchObject({
      cardType: 'foreign2023', name: english, englishName: english, renewalCount: '01', idNumber: '932682198501010017',
      idNumberValid: true, nationality: 'UTO', previousCardNumberLink: '123', birthDate: '1985-01-01',
    });
  });

  it('flags a wrong check character without rejecting the card', () => {
    const text = { ...SYNTHETIC_CARDS.resident.text, idNumber: '010101199001010012' };
    const parsed = parseCardText(encodeCardText(text));
    expect(parsed.ok && parsed.value.idNumberValid).toBe(false);
  });

  it('detects card types by the marker at 248', () => {
    expect(detectCardType(handBlock([[248, 2, 'J']]))).toBe('hkmt');
    expect(detectCardType(handBlock([[248, 2, 'I']]))).toBe('foreign2017');
    expect(detectCardType(handBlock([[248, 2, 'Y']]))).toBe('foreign2023');
    expect(detectCardType(handBlock([[248, 2, 'Q']]))).toBe('resident');
  });

  const malformed = (block: Uint8Array) => expect(parseCardText(block)).toMatchObject({ ok: false, error: { code: 'ID_CARD_TEXT_MALFORMED' } });

  it('rejects an unpaired surrogate in the name, without echoing the name', () => {
    const block = encodeCardText(SYNTHETIC_CARDS.resident.text);
    block[2] = 0x00;
    block[3] = 0xd8; // high surrogate followed by a normal character
    const parsed = parseCardText(block);
    malformed(block);
    expect(!parsed.ok && parsed.error.detail).toMatch(/^name: unpaired high surrogate/);
    const low = encodeCardText(SYNTHETIC_CARDS.resident.text);
    low[1] = 0xdc;
    malformed(low);
  });

  it('rejects bad dates, gender codes, ID number shapes and block sizes', () => {
    const base = SYNTHETIC_CARDS.resident.text;
    malformed(encodeCardText({ ...base, birthDate: '1990-02-30' }));
    malformed(encodeCardText({ ...base, validUntil: '20xx-01-01' }));
    malformed(encodeCardText({ ...base, genderCode: '3' }));
    malformed(encodeCardText({ ...base, idNumber: '0101011990' }));
    malformed(encodeCardText({ ...base, name: '' }));
    malformed(encodeCardText({ ...base, nationCode: '1' }));
    malformed(new Uint8Array(255));
  });

  it('decodes UCS-2 by hand: odd lengths and surrogate pairs', () => {
    expect(decodeUcs2Le(Uint8Array.of(0x41, 0x00, 0x42))).toMatchObject({ ok: false, error: { code: 'ID_CARD_TEXT_MALFORMED' } });
    expect(decodeUcs2Le(Uint8Array.of(0x3d, 0xd8, 0x00, 0xde))).toEqual({ ok: true, value: '\u{1F600}' });
  });

  it('reads appended addresses: entries trimmed, blanks dropped, oversize rejected', () => {
    const data = encodeAppendedAddresses(['示例新址1号', '', '示例新址2号']);
    expect(parseAppendedAddresses(data)).toEqual({ ok: true, value: ['示例新址1号', '示例新址2号'] });
    expect(parseAppendedAddresses(new Uint8Array(0))).toEqual({ ok: true, value: [] });
    expect(parseAppendedAddresses(new Uint8Array(350))).toMatchObject({ ok: false });
  });

  it('formats the SAM ID', () => {
    const bytes = Uint8Array.of(5, 0, 2, 0, 0x15, 0xcd, 0x5b, 0x07, 0xff, 0xff, 0xff, 0xff, 1, 0, 0, 0);
    expect(formatSamId(bytes)).toEqual({ ok: true, value: '05.02-0123456789-4294967295-0000000001' });
    expect(formatSamId(bytes, 9)).toEqual({ ok: true, value: '05.02-123456789-4294967295-000000001' });
    expect(formatSamId(new Uint8Array(15)).ok).toBe(false);
  });
});
