// Runs anywhere (pure). DLE EOT replies. Every status byte has bits 1 and 4 set and bits 0 and 7
// clear (0x12 pattern); a byte without it is not a status reply (noise, or a printer that echoes).
//   n=2 (offline cause): bit 2 cover open, bit 5 printing stopped at paper end, bit 6 error
//   n=4 (paper sensor):  bits 2–3 paper near end, bits 5–6 paper end
import type { PaperState, PrinterStatus } from './types';

export function isStatusByte(byte: number): boolean {
  return (byte & 0x93) === 0x12;
}

export function paperState(paperSensor: number): PaperState {
  if (paperSensor & 0x60) return 'out';
  if (paperSensor & 0x0c) return 'near_end';
  return 'ok';
}

export function combineStatus(offlineCause: number, paperSensor: number): PrinterStatus {
  const paper = paperState(paperSensor);
  return {
    paper: offlineCause & 0x20 ? 'out' : paper,
    coverOpen: (offlineCause & 0x04) !== 0,
    offline: (offlineCause & 0x24) !== 0 || paper === 'out',
    error: (offlineCause & 0x40) !== 0,
  };
}

/** Builds the two replies (simulator). */
export function statusBytes(status: PrinterStatus): { offlineCause: number; paperSensor: number } {
  return {
    offlineCause: 0x12 | (status.coverOpen ? 0x04 : 0) | (status.paper === 'out' ? 0x20 : 0) | (status.error ? 0x40 : 0),
    paperSensor: 0x12 | (status.paper === 'near_end' ? 0x0c : 0) | (status.paper === 'out' ? 0x6c : 0),
  };
}
