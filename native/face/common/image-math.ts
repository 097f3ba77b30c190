// Runs anywhere (pure). Pixel arithmetic the engine does itself rather than trusting a model:
// quality measures on the face region, eye aspect ratio from landmarks, and the aligned crop that
// feeds the descriptor network.
import type { FaceBox, Point, RgbFrame } from './types';

export interface GreyRegion {
  readonly width: number;
  readonly height: number;
  readonly data: Float32Array;
}

/** Clamps a box to the frame and rounds it to whole pixels; null when nothing is left. */
export function clampBox(box: FaceBox, width: number, height: number): FaceBox | null {
  const x0 = Math.max(0, Math.floor(box.x));
  const y0 = Math.max(0, Math.floor(box.y));
  const x1 = Math.min(width, Math.ceil(box.x + box.width));
  const y1 = Math.min(height, Math.ceil(box.y + box.height));
  if (x1 - x0 < 2 || y1 - y0 < 2) return null;
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

/**
 * Grey (ITU-R BT.601 luma) copy of a region, subsampled so the longer side is at most `maxSide`:
 * sharpness must not depend on how close the person stands, so it is measured at a fixed scale.
 */
export function greyRegion(frame: RgbFrame, box: FaceBox, maxSide = 128): GreyRegion | null {
  const region = clampBox(box, frame.width, frame.height);
  if (!region) return null;
  const scale = Math.min(1, maxSide / Math.max(region.width, region.height));
  const width = Math.max(2, Math.round(region.width * scale));
  const height = Math.max(2, Math.round(region.height * scale));
  const data = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    // Box-average the source pixels that fall into this output pixel (area resampling), so
    // downscaling does not alias noise into the Laplacian.
    const sy0 = region.y + Math.floor((y * region.height) / height);
    const sy1 = Math.max(sy0 + 1, region.y + Math.floor(((y + 1) * region.height) / height));
    for (let x = 0; x < width; x++) {
      const sx0 = region.x + Math.floor((x * region.width) / width);
      const sx1 = Math.max(sx0 + 1, region.x + Math.floor(((x + 1) * region.width) / width));
      let sum = 0;
      let count = 0;
      for (let sy = sy0; sy < sy1; sy++) {
        let offset = (sy * frame.width + sx0) * 3;
        for (let sx = sx0; sx < sx1; sx++, offset += 3) {
          sum += 0.299 * frame.data[offset]! + 0.587 * frame.data[offset + 1]! + 0.114 * frame.data[offset + 2]!;
          count++;
        }
      }
      data[y * width + x] = sum / count;
    }
  }
  return { width, height, data };
}

/** Variance of the 4-neighbour Laplacian (Pech-Pacheco et al. 2000): a standard focus measure. */
export function laplacianVariance(grey: GreyRegion): number {
  const { width, height, data } = grey;
  if (width < 3 || height < 3) return 0;
  let sum = 0;
  let sumSquares = 0;
  let count = 0;
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1; x < width - 1; x++) {
      const i = y * width + x;
      const value = data[i - width]! + data[i + width]! + data[i - 1]! + data[i + 1]! - 4 * data[i]!;
      sum += value;
      sumSquares += value * value;
      count++;
    }
  }
  const mean = sum / count;
  return sumSquares / count - mean * mean;
}

export interface Exposure {
  readonly brightness: number;
  readonly overexposedFraction: number;
  readonly underexposedFraction: number;
}

export function exposure(grey: GreyRegion): Exposure {
  let sum = 0;
  let over = 0;
  let under = 0;
  for (const value of grey.data) {
    sum += value;
    if (value >= 250) over++;
    if (value <= 5) under++;
  }
  const n = grey.data.length || 1;
  return { brightness: sum / n, overexposedFraction: over / n, underexposedFraction: under / n };
}

/** Mean grey of a whole frame, sampling every `step`-th pixel (a frame-level darkness check). */
export function frameBrightness(frame: RgbFrame, step = 7): number {
  let sum = 0;
  let count = 0;
  const pixels = frame.width * frame.height;
  for (let p = 0; p < pixels; p += step) {
    const o = p * 3;
    sum += 0.299 * frame.data[o]! + 0.587 * frame.data[o + 1]! + 0.114 * frame.data[o + 2]!;
    count++;
  }
  return count === 0 ? 0 : sum / count;
}

/**
 * A small grey thumbnail (default 32×32) of the face region: kept only between two frames to
 * measure how much the face changed (frozen-frame detection), then dropped.
 */
export function thumbnail(frame: RgbFrame, box: FaceBox, side = 32): Float32Array | null {
  const region = clampBox(box, frame.width, frame.height);
  if (!region) return null;
  const out = new Float32Array(side * side);
  for (let y = 0; y < side; y++) {
    const sy = region.y + Math.min(region.height - 1, Math.floor(((y + 0.5) * region.height) / side));
    for (let x = 0; x < side; x++) {
      const sx = region.x + Math.min(region.width - 1, Math.floor(((x + 0.5) * region.width) / side));
      const o = (sy * frame.width + sx) * 3;
      out[y * side + x] = 0.299 * frame.data[o]! + 0.587 * frame.data[o + 1]! + 0.114 * frame.data[o + 2]!;
    }
  }
  return out;
}

export function meanAbsoluteDifference(a: Float32Array, b: Float32Array): number {
  const n = Math.min(a.length, b.length);
  if (n === 0) return 0;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / n;
}

const distance = (a: Point, b: Point): number => Math.hypot(a.x - b.x, a.y - b.y);

/**
 * MediaPipe face-mesh indices of the six eye-contour points used for the eye aspect ratio,
 * ordered p1 (outer corner), p2, p3 (upper lid), p4 (inner corner), p5, p6 (lower lid).
 * "Left" is the person's own left eye (image-right on an unmirrored frame).
 */
export const MESH_LEFT_EYE = [263, 387, 385, 362, 380, 373] as const;
export const MESH_RIGHT_EYE = [33, 160, 158, 133, 153, 144] as const;

export function eyeAspectRatio(landmarks: readonly Point[], indices: readonly number[]): number {
  const p = indices.map((i) => landmarks[i]);
  if (p.some((point) => point === undefined)) return 0;
  const [p1, p2, p3, p4, p5, p6] = p as Point[];
  const width = distance(p1!, p4!);
  if (width === 0) return 0;
  return (distance(p2!, p6!) + distance(p3!, p5!)) / (2 * width);
}

export function centroid(points: readonly Point[]): { x: number; y: number } {
  let x = 0;
  let y = 0;
  for (const point of points) {
    x += point.x;
    y += point.y;
  }
  const n = points.length || 1;
  return { x: x / n, y: y / n };
}

/** Where the descriptor crop comes from: eye and mouth centres in frame pixels. */
export interface AlignmentPoints {
  /** Eye on the image-left side. */
  readonly imageLeftEye: Point;
  readonly imageRightEye: Point;
  readonly mouth: Point;
}

/**
 * The square crop the face-api.js recognition network was trained to see, made rotation-invariant:
 * face-api sizes its aligned box as (mean eye-to-mouth distance) / `relativeEyeMouth` around the
 * centroid of the two eyes and the mouth, but leaves roll in; here the crop is also rotated so
 * the eyes are level. Returns RGB bytes of side×side, bilinear sampled, black outside the frame.
 */
export function alignedCrop(frame: RgbFrame, points: AlignmentPoints, side = 150, relativeEyeMouth = 0.45, centreShift = 0): Uint8Array {
  const { imageLeftEye, imageRightEye, mouth } = points;
  const centre = { ...centroid([imageLeftEye, imageRightEye, mouth]) };
  const eyeMouth = (distance(imageLeftEye, mouth) + distance(imageRightEye, mouth)) / 2;
  const size = eyeMouth / relativeEyeMouth;
  const angle = Math.atan2(imageRightEye.y - imageLeftEye.y, imageRightEye.x - imageLeftEye.x);
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  // Shift along the face's own vertical axis (perpendicular to the eye line).
  centre.x -= sin * centreShift * size;
  centre.y += cos * centreShift * size;
  const scale = size / side;
  const out = new Uint8Array(side * side * 3);
  const { width, height, data } = frame;
  for (let v = 0; v < side; v++) {
    for (let u = 0; u < side; u++) {
      // Output pixel centre in crop units around the centre, rotated back into the frame.
      const cu = (u + 0.5 - side / 2) * scale;
      const cv = (v + 0.5 - side / 2) * scale;
      const sx = centre.x + cu * cos - cv * sin - 0.5;
      const sy = centre.y + cu * sin + cv * cos - 0.5;
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const fx = sx - x0;
      const fy = sy - y0;
      const o = (v * side + u) * 3;
      for (let c = 0; c < 3; c++) {
        let value = 0;
        for (let dy = 0; dy <= 1; dy++) {
          const yy = y0 + dy;
          if (yy < 0 || yy >= height) continue;
          const wy = dy === 0 ? 1 - fy : fy;
          for (let dx = 0; dx <= 1; dx++) {
            const xx = x0 + dx;
            if (xx < 0 || xx >= width) continue;
            const wx = dx === 0 ? 1 - fx : fx;
            value += wx * wy * data[(yy * width + xx) * 3 + c]!;
          }
        }
        out[o + c] = Math.round(value);
      }
    }
  }
  return out;
}
