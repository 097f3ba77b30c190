/** mulberry32: a tiny seeded PRNG so fuzz failures are reproducible from the seed. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const hex = (bytes: Uint8Array): string => [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(' ').toUpperCase();
export const fromHex = (text: string): Uint8Array => Uint8Array.from(text.trim().split(/\s+/), (h) => parseInt(h, 16));
