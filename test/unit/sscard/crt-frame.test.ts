// Byte-exact frames for every reader command; BCCs computed by hand (XOR of STX..ETX).
import { describe, expect, it } from 'vitest';
import { ACK, CRT_PM, ENQ, NAK, encodeCrtCommand, encodeCrtNegative, negativeReplyError, parseCrtReply } from '../../../native/sscard/common/crt-frame';
import { encodeApdu } from '../../../native/sscard/common/apdu';
import { changePinApdu, readRecordByTagApdu, selectApplicationApdu } from '../../../native/sscard/common/sscard-client';
import { fieldByName } from '../../../native/sscard/common/card-fields';
import { hex } from './seeded-random';

describe('CRT-310 command frames', () => {
  it.each([
    ['coldReset', 0x51, '02000251300362'],
    ['powerDown', 0x51, '02000251310363'],
    ['status', 0x51, '02000251320360'],
    ['warmReset', 0x51, '0200025138036A'],
    ['coldReset', 0x43, '02000243300370'],
    ['status', 0x43, '02000243320372'],
    ['apduAuto', 0x51, '0200025139036B'],
  ] as const)('%s with CM %s', (operation, cm, expected) => {
    expect(hex(encodeCrtCommand(cm, CRT_PM[operation]))).toBe(expected);
  });

  it('the motorised eject (CM 32, PM 30) and the handshake bytes', () => {
    // 02 ^ 00 ^ 02 ^ 32 ^ 30 ^ 03 = 0x01
    expect(hex(encodeCrtCommand(0x32, 0x30))).toBe('02000232300301');
    expect([ACK, NAK, ENQ]).toEqual([0x06, 0x15, 0x05]);
  });

  it('SELECT by AID as APDU T=0 and T=1', () => {
    const select = encodeApdu(selectApplicationApdu());
    expect(hex(select)).toBe('00A404000F7378312E73682EC9E7BBE1B1A3D5CF');
    expect(hex(encodeCrtCommand(0x51, CRT_PM.apduT0, select))).toBe('020016513300A404000F7378312E73682EC9E7BBE1B1A3D5CF0387');
    expect(hex(encodeCrtCommand(0x51, CRT_PM.apduT1, select))).toBe('020016513400A404000F7378312E73682EC9E7BBE1B1A3D5CF0380');
  });

  it('GET RESPONSE, READ RECORD by tag and the automatic APDU command', () => {
    expect(hex(encodeCrtCommand(0x51, CRT_PM.apduT0, Uint8Array.of(0x00, 0xc0, 0, 0, 0x13)))).toBe('020007513300C000001303B7');
    // EF05 tag 07 (card number, 9 bytes): P2 = 5<<3 = 28, Le = 2 + 9.
    const cardNumber = encodeApdu(readRecordByTagApdu(fieldByName('cardNumber')));
    expect(hex(cardNumber)).toBe('00B207280B');
    expect(hex(encodeCrtCommand(0x51, CRT_PM.apduT0, cardNumber))).toBe('020007513300B207280B03F2');
    // EF06 tag 08 (social security number, 18 bytes): P2 = 6<<3 = 30, Le = 20.
    const ssn = encodeApdu(readRecordByTagApdu(fieldByName('socialSecurityNumber')));
    expect(hex(encodeCrtCommand(0x51, CRT_PM.apduT1, ssn))).toBe('020007513400B208301403FD');
    expect(hex(encodeCrtCommand(0x51, CRT_PM.apduAuto, Uint8Array.of(0x00, 0xb2, 0x09, 0x30, 0x20)))).toBe('020007513900B209302003C5');
  });

  it('CHANGE PIN carries the pad blocks where the PBOC form has BCD PINs: 80 5E 01 00 Lc old ‖ FF ‖ new', () => {
    const current = { pinBlock: Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8), algorithm: 'tdes' as const, keyCheckValue: '08D7B4' };
    const next = { ...current, pinBlock: Uint8Array.of(9, 10, 11, 12, 13, 14, 15, 16) };
    const apdu = changePinApdu({ current, next });
    expect(apdu.ok && hex(encodeApdu(apdu.value))).toBe('805E0100110102030405060708FF090A0B0C0D0E0F10');
    const sm4 = changePinApdu({ current: { ...current, algorithm: 'sm4', pinBlock: new Uint8Array(16) }, next: { ...next, algorithm: 'sm4', pinBlock: new Uint8Array(16).fill(0xee) } });
    expect(sm4.ok && hex(encodeApdu(sm4.value)).slice(0, 10)).toBe('805E010021');
    expect(changePinApdu({ current, next: { ...next, pinBlock: new Uint8Array(7) } })).toMatchObject({ ok: false, error: { code: 'CARD_PIN_BLOCK_INVALID' } });
  });

  it("negative replies: 'N' + code where CM was", () => {
    expect(hex(encodeCrtNegative('66'))).toBe('0200034E3636034C');
    const parsed = parseCrtReply(Uint8Array.of(0x4e, 0x36, 0x36));
    expect(parsed).toEqual({ ok: true, value: { kind: 'negative', errorCode: '66' } });
    expect(negativeReplyError('66').code).toBe('CARD_ABSENT');
    expect(negativeReplyError('64').code).toBe('CARD_COMMUNICATION_ERROR');
    expect(negativeReplyError('99')).toMatchObject({ code: 'CARD_READER_ERROR', readerCode: '99' });
    // Binary codes (other firmware) are shown as hex.
    expect(parseCrtReply(Uint8Array.of(0x4e, 0x01))).toEqual({ ok: true, value: { kind: 'negative', errorCode: '01' } });
  });
});
