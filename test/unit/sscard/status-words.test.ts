import { describe, expect, it } from 'vitest';
import { statusWordError } from '../../../native/sscard/common/status-words';
import { parseAtr } from '../../../native/sscard/common/atr';
import { ATR_T0, ATR_T1 } from '../../../native/sscard/simulator/virtual-card';
import { decodeApdu, encodeApdu } from '../../../native/sscard/common/apdu';

describe('status words (§4.5)', () => {
  it.each([
    [0x6110, 'CARD_MORE_DATA'],
    [0x6c12, 'CARD_WRONG_LE'],
    [0x6281, 'CARD_DATA_CORRUPT'],
    [0x6282, 'CARD_END_OF_FILE'],
    [0x6581, 'CARD_MEMORY_FAILURE'],
    [0x6700, 'CARD_WRONG_LENGTH'],
    [0x6982, 'CARD_PIN_REQUIRED'],
    [0x6983, 'CARD_PIN_BLOCKED'],
    [0x6984, 'CARD_DATA_INVALID'],
    [0x6985, 'CARD_CONDITIONS_NOT_SATISFIED'],
    [0x6a81, 'CARD_FUNCTION_NOT_SUPPORTED'],
    [0x6a82, 'CARD_FILE_NOT_FOUND'],
    [0x6a83, 'CARD_RECORD_NOT_FOUND'],
    [0x6a86, 'CARD_WRONG_P1P2'],
    [0x6d00, 'CARD_INS_NOT_SUPPORTED'],
    [0x6e00, 'CARD_CLA_NOT_SUPPORTED'],
    [0x6f00, 'CARD_STATUS_UNKNOWN'],
  ])('%s → %s', (sw, code) => {
    expect(statusWordError(sw).code).toBe(code);
    expect(statusWordError(sw).sw).toBe(sw.toString(16).toUpperCase());
  });

  it('63Cx carries the tries left', () => {
    expect(statusWordError(0x63c2)).toMatchObject({ code: 'CARD_WRONG_PIN', triesLeft: 2 });
    expect(statusWordError(0x63c0)).toMatchObject({ code: 'CARD_WRONG_PIN', triesLeft: 0 });
  });
});

describe('ATR and APDU codecs', () => {
  it('reads the protocols a card offers', () => {
    expect(parseAtr(ATR_T0)).toMatchObject({ ok: true, value: { protocols: [0] } });
    expect(parseAtr(ATR_T1)).toMatchObject({ ok: true, value: { protocols: [1], checkByteValid: true } });
    expect(parseAtr(Uint8Array.of(0x12, 0x00))).toMatchObject({ ok: false, error: { code: 'CARD_ATR_INVALID' } });
    expect(parseAtr(Uint8Array.of(0x3b, 0x8f))).toMatchObject({ ok: false });
  });

  it('round-trips the four APDU cases', () => {
    for (const apdu of [
      { cla: 0, ins: 0x84, p1: 0, p2: 0 },
      { cla: 0, ins: 0xb2, p1: 7, p2: 0x28, le: 11 },
      { cla: 0x80, ins: 0x5e, p1: 1, p2: 0, data: Uint8Array.of(1, 2, 3) },
      { cla: 0, ins: 0xa4, p1: 4, p2: 0, data: Uint8Array.of(1, 2), le: 256 },
    ]) {
      expect(decodeApdu(encodeApdu(apdu))).toEqual(apdu);
    }
  });
});
