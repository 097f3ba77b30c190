// Byte-exact frames of our PIN pad protocol (docs/pinpad-protocol.md); BCCs computed by hand.
import { describe, expect, it } from 'vitest';
import { PAD_CMD, PAD_EVENT, decodePromptData, encodePadCommand, encodePadReply, encodePromptData } from '../../../native/pinpad/common/pad-frame';
import { formatZeroBlock, pinAccountDigits, readFormatZeroBlock } from '../../../native/pinpad/common/iso9564';
import { keyCheckValue, sm4Cipher, tdesCipher } from '../../../native/pinpad/node/block-cipher';
import { hex, unhex } from '../sscard/seeded-random';

describe('PIN pad frames', () => {
  it('commands', () => {
    expect(hex(encodePadCommand(PAD_CMD.status, 1))).toBe('02000253010351');
    expect(hex(encodePadCommand(PAD_CMD.keyCheckValue, 2, Uint8Array.of(0x01)))).toBe('0200034B0201034A');
    expect(hex(encodePadCommand(PAD_CMD.cancel, 4))).toBe('02000243040344');
    const prompt = encodePromptData({ algorithm: 'tdes', minLength: 6, maxLength: 6, purpose: 'new', timeoutSeconds: 60, accountDigits: '105194912310' });
    expect(hex(encodePadCommand(PAD_CMD.promptPin, 3, prompt))).toBe('0200135003010606023C313035313934393132333130037E');
    const load = Uint8Array.from([0x01, ...Array.from({ length: 16 }, (_, i) => i), 0xaa, 0xbb, 0xcc]);
    expect(hex(encodePadCommand(PAD_CMD.loadWorkingKey, 5, load))).toBe('0200164C0501000102030405060708090A0B0C0D0E0FAABBCC0382');
    expect(decodePromptData(prompt)).toEqual({ algorithm: 'tdes', minLength: 6, maxLength: 6, purpose: 'new', timeoutSeconds: 60, accountDigits: '105194912310' });
  });

  it('replies and events', () => {
    expect(hex(encodePadReply(PAD_CMD.status, 1, 0))).toBe('0200035301000350');
    // Key event for prompt 3: two digits so far — a count, never a digit.
    expect(hex(encodePadReply(PAD_EVENT.key, 3, 0, Uint8Array.of(2)))).toBe('0200046B030002036F');
    // End of entry: 8-byte 3DES block ‖ 3-byte KCV; or a status alone (20 = cancelled by the citizen).
    const block = Uint8Array.of(0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x08, 0xd7, 0xb4);
    expect(hex(encodePadReply(PAD_EVENT.entryDone, 3, 0, block))).toBe('02000E450300112233445566778808D7B403AA');
    expect(hex(encodePadReply(PAD_EVENT.entryDone, 3, 0x20))).toBe('0200034503200364');
  });
});

describe('ISO 9564 format 0 and keys', () => {
  it('account digits: 12 rightmost without the check digit', () => {
    expect(pinAccountDigits('11010519491231002X')).toBe('519491231002');
    expect(pinAccountDigits('4000001234567899')).toBe('000123456789');
  });

  it('builds and opens a format-0 block', () => {
    // PIN field 06 12 34 56 FF FF FF FF XOR account field 00 00 10 51 94 91 23 10.
    const block = formatZeroBlock('123456', '105194912310')!;
    expect(hex(block)).toBe('061224076B6EDCEF');
    expect(readFormatZeroBlock(block, '105194912310')).toBe('123456');
    expect(readFormatZeroBlock(block, '000000000000')).toBeUndefined();
  });

  it('3DES and SM4 against published vectors; KCVs', () => {
    const key = unhex('0123456789ABCDEFFEDCBA9876543210');
    expect(hex(keyCheckValue('tdes', key))).toBe('08D7B4');
    expect(hex(sm4Cipher.encrypt(key, key))).toBe('681EDF34D206965E86B3E94F536E4246');
    expect(hex(sm4Cipher.decrypt(key, unhex('681EDF34D206965E86B3E94F536E4246')))).toBe(hex(key));
    expect(hex(tdesCipher.decrypt(key, tdesCipher.encrypt(key, unhex('061224076B6EDCEF'))))).toBe('061224076B6EDCEF');
  });
});
