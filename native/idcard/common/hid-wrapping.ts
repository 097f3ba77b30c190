// Runs anywhere (pure). USB-HID readers carry SAM frames inside a vendor wrapping. Each brand is
// one HidBrandWrapping; the HID transport turns SAM frames into output reports with it, and input
// reports back into the SAM byte stream that the ordinary framer parses.
//
// The one wrapping known (hardware-protocols.md §1.1), "brand A":
//   out: 0x88 | SRN(2) | LEN(2, LE) | CMD | DATA | SUM16(LE), cut into 64-byte reports
//   in:  the SAM response frame spread over 64-byte reports that each start with 0xAA
// Unconfirmed, so kept configurable or tolerant:
// - CMD/DATA are taken to be the SAM CMD byte and the rest of the SAM body (PARA + data);
// - SRN is taken as a little-endian sequence number, incremented per command;
// - LEN is taken to count CMD + DATA; SUM16 the byte sum of everything from SRN to the last
//   DATA byte, modulo 65536;
// - whether the leading 0xAA of each input report is a report marker to strip or the first
//   byte of the SAM preamble: 'auto' decides on the first report that starts a frame
//   (AA AA AA AA 96 69 → marker; AA AA AA 96 69 → part of the frame) and keeps that choice;
// - report IDs: node-hid returns unnumbered input reports without an ID byte; outgoing reports
//   get the 0x00 report ID prepended by the transport, not here.
import { err, ok, type Result } from '../../common/result';
import type { IdCardError } from './types';
import { SAM_HEADER_BYTES, SAM_PREAMBLE, xorChecksum } from './sam-frame';

export interface HidReportUnwrapper {
  /** Turns one input report into SAM stream bytes (possibly none). */
  push(report: Uint8Array): Uint8Array;
}

export interface HidBrandWrapping {
  readonly name: string;
  readonly reportBytes: number;
  /** Wraps one complete SAM command frame into output reports (each `reportBytes` long). */
  wrapCommand(samFrame: Uint8Array): Result<Uint8Array[], IdCardError>;
  createUnwrapper(): HidReportUnwrapper;
}

export type MarkerMode = 'auto' | 'strip' | 'keep';

export interface BrandAOptions {
  readonly reportBytes?: number;
  readonly marker?: MarkerMode;
  readonly firstSerial?: number;
}

export const BRAND_A_OUT_TAG = 0x88;
export const BRAND_A_IN_MARKER = 0xaa;

function startsWith(bytes: Uint8Array, prefix: readonly number[], at = 0): boolean {
  if (bytes.length - at < prefix.length) return false;
  return prefix.every((value, i) => bytes[at + i] === value);
}

export function brandAWrapping(options: BrandAOptions = {}): HidBrandWrapping {
  const reportBytes = options.reportBytes ?? 64;
  let serial = options.firstSerial ?? 0;
  return {
    name: 'brand-a-0x88',
    reportBytes,
    wrapCommand(samFrame) {
      const validPreamble = startsWith(samFrame, [...SAM_PREAMBLE]);
      const lengthField = samFrame.length >= SAM_HEADER_BYTES ? (samFrame[5]! << 8) | samFrame[6]! : -1;
      if (!validPreamble || lengthField + SAM_HEADER_BYTES !== samFrame.length || lengthField < 3) {
        return err({ code: 'ID_FRAME_LENGTH', detail: 'HID wrapping expects exactly one SAM command frame' });
      }
      if (xorChecksum(samFrame, 5, samFrame.length - 1) !== samFrame[samFrame.length - 1]) {
        return err({ code: 'ID_FRAME_CHECKSUM', detail: 'HID wrapping got a SAM frame with a bad checksum' });
      }
      const payload = samFrame.subarray(SAM_HEADER_BYTES, samFrame.length - 1);
      const packet = new Uint8Array(1 + 2 + 2 + payload.length + 2);
      packet[0] = BRAND_A_OUT_TAG;
      packet[1] = serial & 0xff;
      packet[2] = (serial >> 8) & 0xff;
      serial = (serial + 1) & 0xffff;
      packet[3] = payload.length & 0xff;
      packet[4] = payload.length >> 8;
      packet.set(payload, 5);
      let sum = 0;
      for (let i = 1; i < 5 + payload.length; i++) sum = (sum + packet[i]!) & 0xffff;
      packet[5 + payload.length] = sum & 0xff;
      packet[6 + payload.length] = sum >> 8;
      const reports: Uint8Array[] = [];
      for (let at = 0; at < packet.length; at += reportBytes) {
        const report = new Uint8Array(reportBytes);
        report.set(packet.subarray(at, at + reportBytes));
        reports.push(report);
      }
      return ok(reports);
    },
    createUnwrapper() {
      let mode: MarkerMode = options.marker ?? 'auto';
      /** Bytes still owed to the SAM frame in progress; the rest of a report is padding. */
      let remaining = 0;
      const marker = [BRAND_A_IN_MARKER, ...SAM_PREAMBLE];
      return {
        push(report) {
          if (remaining === 0 && mode === 'auto') {
            if (startsWith(report, marker)) mode = 'strip';
            else if (startsWith(report, [...SAM_PREAMBLE])) mode = 'keep';
          }
          const payload = mode === 'strip' && report[0] === BRAND_A_IN_MARKER ? report.subarray(1) : report;
          if (remaining === 0) {
            if (!startsWith(payload, [...SAM_PREAMBLE]) || payload.length < SAM_HEADER_BYTES) {
              // Not a frame start we understand: hand everything to the framer, which resynchronises.
              return payload.slice();
            }
            remaining = SAM_HEADER_BYTES + ((payload[5]! << 8) | payload[6]!);
          }
          const take = Math.min(remaining, payload.length);
          remaining -= take;
          return payload.slice(0, take);
        },
      };
    },
  };
}

/** Splits SAM response bytes into brand-A input reports (simulator beneath the HID adapter, tests). */
export function brandAResponseReports(samBytes: Uint8Array, reportBytes = 64, withMarker = true): Uint8Array[] {
  const perReport = withMarker ? reportBytes - 1 : reportBytes;
  const reports: Uint8Array[] = [];
  for (let at = 0; at < samBytes.length; at += perReport) {
    const report = new Uint8Array(reportBytes);
    if (withMarker) report[0] = BRAND_A_IN_MARKER;
    report.set(samBytes.subarray(at, at + perReport), withMarker ? 1 : 0);
    reports.push(report);
  }
  return reports;
}
