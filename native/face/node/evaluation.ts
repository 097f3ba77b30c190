// Runs in Node (CLI, tests). The verification evaluation: which pairs, and how each pipeline turns
// an image into a descriptor. Descriptors stay in memory for the run and are never written.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { cosineSimilarity, verificationFigures, type ScoredPair, type VerificationFigures } from '../common/match';
import type { RgbFrame } from '../common/types';
import type { FaceEngine } from './face-engine';
import { readImageFrame } from './frame-sources';

export interface LabelledPair {
  readonly a: string;
  readonly b: string;
  readonly same: boolean;
}

const IMAGE = /\.(jpe?g|png|pgm|bmp|webp)$/i;

const listImages = (dir: string): string[] =>
  readdirSync(dir)
    .filter((name) => IMAGE.test(name))
    .sort()
    .map((name) => join(dir, name));

const subfolders = (dir: string): string[] =>
  existsSync(dir)
    ? readdirSync(dir)
        .filter((name) => statSync(join(dir, name)).isDirectory())
        .sort()
        .map((name) => join(dir, name))
    : [];

/** Every same/different pair among folders where each folder is one person. */
export function allPairsOfFolders(folders: readonly string[]): LabelledPair[] {
  const images = folders.flatMap((folder) => listImages(folder).map((path) => ({ path, person: folder })));
  const pairs: LabelledPair[] = [];
  for (let i = 0; i < images.length; i++) {
    for (let j = i + 1; j < images.length; j++) {
      pairs.push({ a: images[i]!.path, b: images[j]!.path, same: images[i]!.person === images[j]!.person });
    }
  }
  return pairs;
}

/**
 * The combined dev set: deepface's labelled pairs (master.csv + face-recognition-pivot.csv, paths
 * reduced to their imgN.jpg name and found in the D* folders, duplicates removed) plus every pair
 * of the face-api.js 8×5 crops.
 */
export function devPairs(faceDataRoot: string): LabelledPair[] {
  const deepface = join(faceDataRoot, 'identity', 'deepface');
  const where = new Map<string, string>();
  for (const folder of subfolders(deepface).filter((f) => basename(f).startsWith('D'))) {
    for (const path of listImages(folder)) where.set(basename(path), path);
  }
  const seen = new Set<string>();
  const pairs: LabelledPair[] = [];
  for (const csv of ['master.csv', 'face-recognition-pivot.csv']) {
    const lines = readFileSync(join(deepface, 'labels', csv), 'utf8').split(/\r?\n/).slice(1);
    for (const line of lines) {
      const [x, y, decision] = line.split(',');
      if (!x || !y || !decision) continue;
      const a = where.get(basename(x.trim()));
      const b = where.get(basename(y.trim()));
      if (!a || !b) continue;
      const key = [a, b].sort().join('|');
      if (seen.has(key)) continue;
      seen.add(key);
      pairs.push({ a, b, same: decision.trim().toLowerCase() === 'yes' });
    }
  }
  const faceApi = subfolders(join(faceDataRoot, 'identity', 'face-api.js')).filter((f) => basename(f) !== 'group');
  return [...pairs, ...allPairsOfFolders(faceApi)];
}

/** The held-back set: every pair among the per-person folders (identity + low-resolution). */
export function acceptancePairs(acceptanceRoot: string): LabelledPair[] {
  const faces = join(acceptanceRoot, 'faces');
  const folders = [
    ...subfolders(join(faces, 'identity')).filter((f) => basename(f) !== 'group'),
    ...subfolders(join(faces, 'lowres', 'orl_att_faces')),
  ];
  return allPairsOfFolders(folders);
}

/** Image → descriptor (or null when no face is found). `similarity` is the pipeline's own score. */
export interface DescriptorPipeline {
  readonly name: string;
  describe(path: string): Promise<Float32Array | null>;
  similarity(a: Float32Array, b: Float32Array): number;
}

/** Photos are read at most this large: beyond it only memory grows, not the face's detail. */
const MAX_SIDE = 1280;

async function loadImage(path: string, padFraction = 0): Promise<RgbFrame | null> {
  const frame = await readImageFrame(path, { maxSide: MAX_SIDE, padFraction });
  return frame.ok ? frame.value : null;
}

/** Ours: Human blazeface + mesh for detection/alignment, face-api's 128-d net on the aligned crop. */
export function ourPipeline(engine: FaceEngine): DescriptorPipeline {
  return {
    name: 'ours: Human detector+mesh alignment -> face-api 128-d (cosine)',
    async describe(path) {
      // A tight crop leaves the detector no context; a black border gives it some back.
      for (const pad of [0, 0.25]) {
        const frame = await loadImage(path, pad);
        if (!frame) return null;
        const descriptor = await engine.describe(frame);
        frame.data.fill(0);
        if (descriptor.ok) return descriptor.value.vector;
      }
      return null;
    },
    similarity: cosineSimilarity,
  };
}

/** Stock Human (default face config): its own detector and 1024-d faceres, its own similarity. */
export function stockHumanPipeline(engine: FaceEngine): DescriptorPipeline {
  return {
    name: 'stock @vladmandic/human (faceres, human.match.similarity)',
    async describe(path) {
      const human = await engine.runtime.stockHuman();
      const frame = await loadImage(path);
      if (!frame) return null;
      const input = engine.frameTensor(frame);
      try {
        const result = await human.detect(input as never);
        const face = [...result.face].sort((a, b) => b.box[2] * b.box[3] - a.box[2] * a.box[3])[0];
        return face?.embedding && face.embedding.length > 0 ? Float32Array.from(face.embedding) : null;
      } finally {
        engine.tf.dispose(input);
        frame.data.fill(0);
      }
    },
    similarity: (a, b) => engine.human.match.similarity(Array.from(a), Array.from(b)),
  };
}

/** Stock face-api: SSD MobileNet v1 + 68 landmarks + 128-d, negative Euclidean distance. */
export function stockFaceApiPipeline(engine: FaceEngine): DescriptorPipeline {
  const faceapi = engine.runtime.faceapi;
  return {
    name: 'stock @vladmandic/face-api (SSD + 68 landmarks + 128-d, euclidean)',
    async describe(path) {
      const frame = await loadImage(path);
      if (!frame) return null;
      const input = engine.tf.tensor3d(frame.data, [frame.height, frame.width, 3], 'int32');
      try {
        const found = (await faceapi.detectAllFaces(input, new faceapi.SsdMobilenetv1Options({ minConfidence: 0.5 })).withFaceLandmarks().withFaceDescriptors()) as {
          detection: { box: { area: number } };
          descriptor: Float32Array;
        }[];
        const best = [...found].sort((a, b) => b.detection.box.area - a.detection.box.area)[0];
        return best ? best.descriptor : null;
      } finally {
        engine.tf.dispose(input);
        frame.data.fill(0);
      }
    },
    similarity: (a, b) => {
      let sum = 0;
      for (let i = 0; i < a.length; i++) sum += (a[i]! - b[i]!) ** 2;
      return -Math.sqrt(sum);
    },
  };
}

export interface PipelineEvaluation {
  readonly pipeline: string;
  readonly figures: VerificationFigures;
  readonly imagesWithoutFace: number;
  readonly images: number;
  readonly scored: readonly (ScoredPair & LabelledPair)[];
}

export async function evaluatePipeline(
  pipeline: DescriptorPipeline,
  pairs: readonly LabelledPair[],
  onProgress?: (done: number, total: number) => void,
): Promise<PipelineEvaluation> {
  const images = [...new Set(pairs.flatMap((p) => [p.a, p.b]))];
  const descriptors = new Map<string, Float32Array | null>();
  let done = 0;
  for (const path of images) {
    descriptors.set(path, await pipeline.describe(path));
    onProgress?.(++done, images.length);
  }
  const scored = pairs.map((pair) => {
    const a = descriptors.get(pair.a);
    const b = descriptors.get(pair.b);
    // An image without a face fails every pair it is in: genuine pairs are rejected and impostor
    // pairs cannot be accepted, so the similarity is -Infinity.
    const similarity = a && b ? pipeline.similarity(a, b) : -Infinity;
    return { ...pair, similarity };
  });
  const imagesWithoutFace = [...descriptors.values()].filter((d) => d === null).length;
  for (const descriptor of descriptors.values()) descriptor?.fill(0);
  descriptors.clear();
  return { pipeline: pipeline.name, figures: verificationFigures(scored), imagesWithoutFace, images: images.length, scored };
}
