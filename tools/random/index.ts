/**
 * Seeded randomness, for what must come out the same on every run: the demo's synthetic population and the test
 * server's injected conflicts.
 */

/** mulberry32: 32 bits of state, well mixed, the same on every platform; not for secrets. Values in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
