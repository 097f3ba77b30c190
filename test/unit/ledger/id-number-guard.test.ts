import { createHmac, createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { containsIdNumberLikeString } from '../../../electron/ledger/id-number-guard';

describe('containsIdNumberLikeString', () => {
  it.each([
    ['an 18-character number', '{"x":"11010519491231002X"}'],
    ['a lowercase check character', '{"x":"11010519491231002x"}'],
    ['an all-digit 18-character number', '{"x":"440301199003071230"}'],
    ['a number inside free text', '{"note":"card 440301199003071230 read"}'],
    ['a number after letters', '{"screen":"id440301199003071230"}'],
    ['a 15-digit first-generation number', '{"x":"110105491231002"}'],
    ['a 2017 foreign permanent-residence number', '{"x":"USA110012345678"}'],
    ['a number as a JSON number', '{"x":110105491231002}'],
    ['a number as a key', '{"440301199003071230":true}'],
  ])('flags %s', (_label, text) => {
    expect(containsIdNumberLikeString(text)).toBe(true);
  });

  it.each([
    ['a millisecond timestamp', '{"at":1740816000000}'],
    ['a 16-digit run', '{"x":"1234567890123456"}'],
    ['a 19-digit run', '{"x":"1234567890123456789"}'],
    ['a short code', '{"code":"SAM_STATUS_41"}'],
  ])('leaves %s alone', (_label, text) => {
    expect(containsIdNumberLikeString(text)).toBe(false);
  });

  it('never flags a hex SHA-256 or HMAC, however many digits it happens to hold', () => {
    const allDigits = '1234567890'.repeat(6) + '1234';
    expect(containsIdNumberLikeString(`{"idNumberKey":"${allDigits}"}`)).toBe(false);
    for (let i = 0; i < 5000; i++) {
      const hmac = createHmac('sha256', String(i)).update('x').digest('hex');
      const sha = createHash('sha256').update(String(i)).digest('hex');
      expect(containsIdNumberLikeString(`{"idNumberKey":"${hmac}","consentTextHash":"${sha}"}`)).toBe(false);
    }
  });
});
