import { describe, expect, it } from 'vitest';
import {
  SAM_COMMANDS,
  encodeCardReadData,
  encodeCommand,
  encodeNamedCommand,
  encodeResponse,
  splitCardReadData,
  type SamCommandName,
} from '../../../native/idcard/common/sam-frame';
import { FAILING_SW3, SAM_STATUS_DESCRIPTIONS, samStatusError } from '../../../native/idcard/common/sam-status';
import { fromHex, hex } from './prng';

// §1.3, each checksum recomputed by hand: XOR of 00 03 CMD PARA.
const COMMAND_FRAMES: Record<SamCommandName, string> = {
  reset_sam: 'AA AA AA 96 69 00 03 10 FF EC',
  sam_status: 'AA AA AA 96 69 00 03 11 FF ED',
  read_sam_id: 'AA AA AA 96 69 00 03 12 FF EE',
  find_card: 'AA AA AA 96 69 00 03 20 01 22',
  select_card: 'AA AA AA 96 69 00 03 20 02 21',
  read_text_photo: 'AA AA AA 96 69 00 03 30 01 32',
  read_text_photo_fingerprint: 'AA AA AA 96 69 00 03 30 10 23',
  read_appended_address: 'AA AA AA 96 69 00 03 30 03 30',
  read_management_number: 'AA AA AA 96 69 00 03 30 05 36',
};

describe('SAM frames', () => {
  it.each(Object.entries(COMMAND_FRAMES))('encodes %s byte-exact', (name, expected) => {
    expect(hex(encodeNamedCommand(name as SamCommandName))).toBe(expected);
    const code = SAM_COMMANDS[name as SamCommandName];
    expect(hex(encodeCommand(code.cmd, code.para))).toBe(expected);
  });

  it('encodes the documented replies', () => {
    expect(hex(encodeResponse(0x90))).toBe('AA AA AA 96 69 00 04 00 00 90 94');
    expect(hex(encodeResponse(0x9f, new Uint8Array(4)))).toBe('AA AA AA 96 69 00 08 00 00 9F 00 00 00 00 97');
    expect(hex(encodeResponse(0x90, new Uint8Array(8)).subarray(5, 7))).toBe('00 0C');
  });

  it('lays out a text+photo reply as §1.3 says (1295 bytes, text at 14, photo at 270)', () => {
    const text = new Uint8Array(256).fill(0x11);
    const photo = new Uint8Array(1024).fill(0x22);
    const frame = encodeResponse(0x90, encodeCardReadData(text, photo));
    expect(frame.length).toBe(1295);
    expect(hex(frame.subarray(5, 14))).toBe('05 08 00 00 90 01 00 04 00');
    expect(frame[14]).toBe(0x11);
    expect(frame[269]).toBe(0x11);
    expect(frame[270]).toBe(0x22);
  });

  it.each([
    [1024, 2321, '09 0A'],
    [512, 1809, '07 0A'],
    [0, 1297, '05 0A'],
  ])('lays out a text+photo+fingerprint reply with %i fingerprint bytes', (fp, total, len) => {
    const frame = encodeResponse(0x90, encodeCardReadData(new Uint8Array(256), new Uint8Array(1024), new Uint8Array(fp)));
    expect(frame.length).toBe(total);
    expect(hex(frame.subarray(5, 7))).toBe(len);
    const split = splitCardReadData(frame.subarray(10, frame.length - 1), true);
    expect(split.ok && split.value.fingerprintBytes).toBe(fp);
  });

  it('trusts the bytes present over a bogus fingerprint length field', () => {
    const data = encodeCardReadData(new Uint8Array(256), new Uint8Array(1024), new Uint8Array(512));
    data[4] = 0xff;
    data[5] = 0xff;
    const split = splitCardReadData(data, true);
    expect(split.ok && split.value.fingerprintBytes).toBe(512);
  });

  it('rejects read data with a wrong text length or too few bytes', () => {
    const data = encodeCardReadData(new Uint8Array(256), new Uint8Array(1024));
    expect(splitCardReadData(data.subarray(0, 100), false)).toMatchObject({ ok: false, error: { code: 'ID_FRAME_LENGTH' } });
    const wrongText = fromHex('02 00 04 00');
    expect(splitCardReadData(wrongText, false)).toMatchObject({ ok: false, error: { code: 'ID_CARD_UNSUPPORTED_LAYOUT' } });
  });

  it('names every SW3 of §1.4 with a stable code', () => {
    expect(SAM_STATUS_DESCRIPTIONS.size).toBe(21);
    expect(samStatusError(0x41)).toEqual({ code: 'SAM_STATUS_41', sw3: '41', detail: 'Card read failed' });
    expect(samStatusError(0x9f).code).toBe('SAM_STATUS_9F');
    expect(FAILING_SW3).not.toContain(0x90);
    expect(FAILING_SW3).toContain(0x80);
    expect(FAILING_SW3).toHaveLength(18);
  });
});
