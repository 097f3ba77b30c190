// Pure pieces the engine computes itself: quality measures, the aligned crop, match decisions and
// the verification figures used to calibrate thresholds; plus the PGM reader for old ID photos.
import { describe, expect, it } from 'vitest';
import { alignedCrop, exposure, eyeAspectRatio, greyRegion, laplacianVariance, MESH_LEFT_EYE } from '../../../native/face/common/image-math';
import { cosineSimilarity, decideMatch, thresholdForFar, verificationFigures } from '../../../native/face/common/match';
import type { Point, RgbFrame } from '../../../native/face/common/types';
import { decodePgm } from '../../../native/face/node/frame-sources';

function frameOf(width: number, height: number, pixel: (x: number, y: number) => number): RgbFrame {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.fill(pixel(x, y), (y * width + x) * 3, (y * width + x) * 3 + 3);
  return { width, height, data, timestampMs: 0 };
}

const box = { x: 0, y: 0, width: 64, height: 64 };

describe('quality measures', () => {
  it('sharpness (variance of the Laplacian) drops when the same pattern is blurred', () => {
    const sharp = frameOf(64, 64, (x, y) => ((x >> 2) + (y >> 2)) % 2 ? 220 : 30);
    const blurred = frameOf(64, 64, (x, y) => 125 + 95 * Math.sin((x * Math.PI) / 4) * Math.sin((y * Math.PI) / 4) * 0.3);
    const sharpness = laplacianVariance(greyRegion(sharp, box)!);
    expect(sharpness).toBeGreaterThan(10 * laplacianVariance(greyRegion(blurred, box)!));
    expect(laplacianVariance(greyRegion(frameOf(64, 64, () => 90), box)!)).toBe(0);
  });

  it('brightness and clipped fractions', () => {
    const half = frameOf(64, 64, (x) => (x < 32 ? 0 : 255));
    const light = exposure(greyRegion(half, box)!);
    expect(light.brightness).toBeCloseTo(127.5, 0);
    expect(light.overexposedFraction).toBeCloseTo(0.5, 1);
    expect(light.underexposedFraction).toBeCloseTo(0.5, 1);
  });

  it('eye aspect ratio: open eye about 0.3, closed near 0', () => {
    const eye = (opening: number): Point[] => {
      const points: Point[] = Array.from({ length: 478 }, () => ({ x: 0, y: 0 }));
      const [p1, p2, p3, p4, p5, p6] = MESH_LEFT_EYE;
      points[p1] = { x: 0, y: 0 };
      points[p4] = { x: 30, y: 0 };
      points[p2] = { x: 10, y: -opening };
      points[p3] = { x: 20, y: -opening };
      points[p6] = { x: 10, y: opening };
      points[p5] = { x: 20, y: opening };
      return points;
    };
    expect(eyeAspectRatio(eye(4.5), MESH_LEFT_EYE)).toBeCloseTo(0.3, 5);
    expect(eyeAspectRatio(eye(0.3), MESH_LEFT_EYE)).toBeLessThan(0.05);
  });

  it('the aligned crop levels a tilted face: the eye line comes out horizontal', () => {
    // Two dark "eyes" on a light frame, the right one 20 px lower (about 22° of roll).
    // (A frame large enough that the rotated crop stays inside it: outside is black.)
    const eyes = [{ x: 160, y: 180 }, { x: 210, y: 200 }];
    const frame = frameOf(400, 400, (x, y) => (eyes.some((e) => Math.hypot(x - e.x, y - e.y) < 5) ? 0 : 255));
    const mouth = { x: 175, y: 250 };
    const crop = alignedCrop(frame, { imageLeftEye: eyes[0]!, imageRightEye: eyes[1]!, mouth }, 150, 0.4, 0);
    const darkRows = (xFrom: number, xTo: number) => {
      const rows: number[] = [];
      for (let y = 0; y < 150; y++) for (let x = xFrom; x < xTo; x++) if (crop[(y * 150 + x) * 3]! < 100) rows.push(y);
      return rows.reduce((a, b) => a + b, 0) / rows.length;
    };
    expect(Math.abs(darkRows(0, 75) - darkRows(75, 150))).toBeLessThan(2);
  });
});

describe('match', () => {
  it('cosine similarity and the three decisions', () => {
    const a = Float32Array.from([1, 0, 0]);
    expect(cosineSimilarity(a, Float32Array.from([2, 0, 0]))).toBeCloseTo(1);
    expect(cosineSimilarity(a, Float32Array.from([0, 1, 0]))).toBeCloseTo(0);
    const thresholds = { match: 0.92, noMatch: 0.91 };
    expect(decideMatch(0.95, thresholds).decision).toBe('match');
    expect(decideMatch(0.915, thresholds).decision).toBe('uncertain');
    expect(decideMatch(0.5, thresholds).decision).toBe('no_match');
    expect(decideMatch(Number.NaN, thresholds).decision).toBe('uncertain');
  });

  it('TAR at a FAR, EER, and failed pairs counted as failures', () => {
    const impostors = Array.from({ length: 100 }, (_, i) => ({ same: false, similarity: i / 100 })); // 0.00 … 0.99
    const genuine = [0.995, 0.992, 0.985, 0.97, -Infinity].map((similarity) => ({ same: true, similarity }));
    const figures = verificationFigures([...impostors, ...genuine]);
    // FAR 1% of 100 impostors allows one: the threshold sits just above 0.98.
    expect(figures.thresholdAtFar1).toBeGreaterThan(0.98);
    expect(figures.thresholdAtFar1).toBeLessThan(0.9801);
    expect(figures.tarAtFar1).toBeCloseTo(3 / 5);
    expect(figures.failedPairs).toBe(1);
    expect(figures.genuinePairs).toBe(5);
    expect(thresholdForFar(impostors.map((p) => p.similarity), 0.001)).toBeGreaterThan(0.99);
  });
});

describe('PGM (old ID-style photos)', () => {
  it('reads binary P5 with a comment and ASCII P2', () => {
    const header = new TextEncoder().encode('P5\n# ORL-like\n3 2\n255\n');
    const binary = new Uint8Array([...header, 0, 50, 100, 150, 200, 255]);
    expect(decodePgm(binary)).toEqual({ width: 3, height: 2, grey: Uint8Array.from([0, 50, 100, 150, 200, 255]) });
    const ascii = new TextEncoder().encode('P2 2 1 15\n0 15\n');
    expect(decodePgm(ascii)).toEqual({ width: 2, height: 1, grey: Uint8Array.from([0, 255]) });
    expect(decodePgm(new TextEncoder().encode('GIF89a'))).toBeNull();
  });
});
