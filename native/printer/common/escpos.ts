// Runs anywhere (pure). The ESC/POS subset we use (hardware-protocols.md §5), as byte builders.
// Chinese text goes out as GBK inside FS & … FS . (Chinese character mode).
export const ESC = 0x1b;
export const GS = 0x1d;
export const FS = 0x1c;
export const DLE = 0x10;
export const EOT = 0x04;
export const LF = 0x0a;

export const initialize = (): number[] => [ESC, 0x40];
export const chineseModeOn = (): number[] => [FS, 0x26];
export const chineseModeOff = (): number[] => [FS, 0x2e];
export const align = (where: 'left' | 'center' | 'right'): number[] => [ESC, 0x61, where === 'left' ? 0 : where === 'center' ? 1 : 2];
export const bold = (on: boolean): number[] => [ESC, 0x45, on ? 1 : 0];
export const feedLines = (n: number): number[] => [ESC, 0x64, Math.max(0, Math.min(255, n))];
/** GS V 0 full cut / GS V 1 partial cut; feed first or the cut lands on the last line. */
export const cut = (kind: 'full' | 'partial'): number[] => [GS, 0x56, kind === 'full' ? 0 : 1];
/** DLE EOT n: 1 printer, 2 offline cause, 3 error cause, 4 paper roll sensor. Answered at once, even mid-job. */
export const realTimeStatus = (n: 1 | 2 | 3 | 4): number[] => [DLE, EOT, n];

/** GS v 0: a raster bit image, `widthBytes` × 8 dots wide, `height` rows, MSB = leftmost dot. */
export function rasterImage(widthBytes: number, height: number, data: Uint8Array): number[] {
  return [GS, 0x76, 0x30, 0x00, widthBytes & 0xff, widthBytes >> 8, height & 0xff, height >> 8, ...data];
}
