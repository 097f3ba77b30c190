// Runs anywhere (pure). The liveness challenge order must not be predictable, so it is drawn from
// an injected random source: the app passes a CSPRNG (crypto.getRandomValues), tests a seeded one.

export interface RandomSource {
  /** Fills the array with uniformly random 32-bit values. */
  fillUint32(target: Uint32Array): void;
}

/** Uniform integer in [0, bound) without modulo bias (rejection sampling). */
export function randomBelow(random: RandomSource, bound: number): number {
  if (bound <= 1) return 0;
  const limit = Math.floor(0x1_0000_0000 / bound) * bound;
  const word = new Uint32Array(1);
  for (;;) {
    random.fillUint32(word);
    if (word[0]! < limit) return word[0]! % bound;
  }
}

/** Fisher–Yates shuffle of a copy. */
export function shuffled<T>(items: readonly T[], random: RandomSource): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = randomBelow(random, i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Deterministic source for tests and replays (mulberry32): never use it for a real session. */
export function seededRandom(seed: number): RandomSource {
  let state = seed >>> 0;
  return {
    fillUint32(target) {
      for (let i = 0; i < target.length; i++) {
        state = (state + 0x6d2b79f5) >>> 0;
        let t = state;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        target[i] = (t ^ (t >>> 14)) >>> 0;
      }
    },
  };
}
