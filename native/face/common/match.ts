// Runs anywhere (pure). 1:1 comparison of two descriptors and the verification figures
// (TAR at a FAR, EER) used to calibrate and report the thresholds in models/manifest.json.
import type { MatchResult, MatchThresholds } from './types';

export function l2Normalise(vector: Float32Array): Float32Array {
  let sum = 0;
  for (const value of vector) sum += value * value;
  const norm = Math.sqrt(sum) || 1;
  const out = new Float32Array(vector.length);
  for (let i = 0; i < vector.length; i++) out[i] = vector[i]! / norm;
  return out;
}

export function cosineSimilarity(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length || a.length === 0) return Number.NaN;
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

export function decideMatch(similarity: number, thresholds: MatchThresholds): MatchResult {
  const decision = Number.isNaN(similarity) ? 'uncertain' : similarity >= thresholds.match ? 'match' : similarity < thresholds.noMatch ? 'no_match' : 'uncertain';
  return { decision, similarity, thresholds };
}

/** One labelled pair's score; a pair where a face was not found scores -Infinity (a failure). */
export interface ScoredPair {
  readonly same: boolean;
  readonly similarity: number;
}

export interface VerificationFigures {
  readonly genuinePairs: number;
  readonly impostorPairs: number;
  /** Pairs involving an image where no face was found (counted as failures). */
  readonly failedPairs: number;
  readonly tarAtFar1: number;
  readonly thresholdAtFar1: number;
  readonly tarAtFar01: number;
  readonly thresholdAtFar01: number;
  readonly eer: number;
  readonly eerThreshold: number;
}

/**
 * The smallest threshold t such that the share of impostor pairs with similarity >= t is at most
 * `far`. With few impostors, FAR moves in steps of 1/impostors; the threshold is placed just above
 * the impostor score that would break the bound.
 */
export function thresholdForFar(impostorScores: readonly number[], far: number): number {
  const sorted = [...impostorScores].filter((s) => s !== -Infinity).sort((a, b) => b - a);
  const allowed = Math.floor(far * impostorScores.length + 1e-9);
  const breaking = sorted[allowed];
  if (breaking === undefined) return -1;
  return nextUp(breaking);
}

const nextUp = (value: number): number => value + Math.max(1e-9, Math.abs(value) * 1e-9);

function acceptRate(scores: readonly number[], threshold: number): number {
  if (scores.length === 0) return 0;
  let accepted = 0;
  for (const score of scores) if (score >= threshold) accepted++;
  return accepted / scores.length;
}

export function verificationFigures(pairs: readonly ScoredPair[]): VerificationFigures {
  const genuine = pairs.filter((p) => p.same).map((p) => p.similarity);
  const impostor = pairs.filter((p) => !p.same).map((p) => p.similarity);
  const thresholdAtFar1 = thresholdForFar(impostor, 0.01);
  const thresholdAtFar01 = thresholdForFar(impostor, 0.001);
  // EER: sweep every observed score as a threshold and take the point where FAR and FRR cross.
  const candidates = [...new Set(pairs.map((p) => p.similarity).filter((s) => Number.isFinite(s)))].sort((a, b) => a - b);
  let eer = 1;
  let eerThreshold = 0;
  let bestGap = Infinity;
  for (const threshold of candidates) {
    const far = acceptRate(impostor, threshold);
    const frr = 1 - acceptRate(genuine, threshold);
    const gap = Math.abs(far - frr);
    if (gap < bestGap) {
      bestGap = gap;
      eer = (far + frr) / 2;
      eerThreshold = threshold;
    }
  }
  return {
    genuinePairs: genuine.length,
    impostorPairs: impostor.length,
    failedPairs: pairs.filter((p) => p.similarity === -Infinity).length,
    tarAtFar1: acceptRate(genuine, thresholdAtFar1),
    thresholdAtFar1,
    tarAtFar01: acceptRate(genuine, thresholdAtFar01),
    thresholdAtFar01,
    eer,
    eerThreshold,
  };
}
