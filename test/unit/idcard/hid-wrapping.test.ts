import { describe, expect, it } from 'vitest';
import { brandAResponseReports, brandAWrapping } from '../../../native/idcard/common/hid-wrapping';
import { encodeCardReadData, encodeNamedCommand, encodeResponse } from '../../../native/idcard/common/sam-frame';
import { SamFramer } from '../../../native/idcard/common/sam-framer';
import { hex } from './prng';

describe('HID brand A wrapping', () => {
  it('wraps a SAM command as 88 | SRN | LEN(LE) | CMD | DATA | SUM16(LE) in one 64-byte report', () => {
    const wrapping = brandAWrapping({ firstSerial: 0x0102 });
    const reports = wrapping.wrapCommand(encodeNamedCommand('find_card'));
    expect(reports.ok).toBe(true);
    if (!reports.ok) return;
    expect(reports.value).toHaveLength(1);
    const report = reports.value[0]!;
    expect(report.length).toBe(64);
    // SUM16 = 02+01+02+00+20+01 = 0x26
    expect(hex(report.subarray(0, 9))).toBe('88 02 01 02 00 20 01 26 00');
    expect(report.subarray(9).every((b) => b === 0)).toBe(true);
    const next = wrapping.wrapCommand(encodeNamedCommand('find_card'));
    expect(next.ok && next.value[0]![1]).toBe(0x03);
  });

  it('refuses anything but one valid SAM frame', () => {
    const wrapping = brandAWrapping();
    const bad = encodeNamedCommand('find_card');
    bad[9] = bad[9]! ^ (1);
    expect(wrapping.wrapCommand(bad)).toMatchObject({ ok: false, error: { code: 'ID_FRAME_CHECKSUM' } });
    expect(wrapping.wrapCommand(Uint8Array.of(1, 2, 3))).toMatchObject({ ok: false, error: { code: 'ID_FRAME_LENGTH' } });
  });

  it.each([true, false])('reassembles a 1295-byte reply from 64-byte reports (marker byte: %s)', (withMarker) => {
    const frame = encodeResponse(0x90, encodeCardReadData(new Uint8Array(256).fill(0x20), new Uint8Array(1024).fill(0xaa)));
    const reports = brandAResponseReports(frame, 64, withMarker);
    expect(reports.every((r) => r.length === 64)).toBe(true);
    const unwrapper = brandAWrapping().createUnwrapper();
    const framer = new SamFramer();
    const events = reports.flatMap((r) => framer.push(unwrapper.push(r)));
    // Report padding after the frame is dropped, so the framer sees no garbage.
    expect(events).toHaveLength(1);
    expect(events[0]!.kind === 'frame' && hex(events[0]!.frame.bytes)).toBe(hex(frame));
  });

  it('reassembles consecutive short replies, each padded to a report', () => {
    const unwrapper = brandAWrapping().createUnwrapper();
    const framer = new SamFramer();
    const a = encodeResponse(0x90);
    const b = encodeResponse(0x9f, new Uint8Array(4));
    const events = [...brandAResponseReports(a), ...brandAResponseReports(b)].flatMap((r) => framer.push(unwrapper.push(r)));
    expect(events.map((e) => e.kind)).toEqual(['frame', 'frame']);
  });
});
