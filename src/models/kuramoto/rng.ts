// Seeded random streams. One master xoroshiro128+ per run: the first stream draws the initial conditions,
// then each chunk of oscillators gets its own jumped stream for noise, so a run is identical whatever
// the number of threads.
import { uniformFloat64 } from "pure-rand/distribution/uniformFloat64";
import { xoroshiro128plus, xoroshiro128plusFromState } from "pure-rand/generator/xoroshiro128plus";
import type { RandomGenerator } from "pure-rand/types/RandomGenerator";

/** [initial-condition stream, noise stream of chunk 0, chunk 1, …] */
export function runStreams(
  seed: number,
  nChunks: number,
): { init: RandomGenerator; chunks: RandomGenerator[] } {
  const master = xoroshiro128plus(seed);
  const init = master.clone();
  const chunks: RandomGenerator[] = [];
  for (let k = 0; k < nChunks; k++) {
    master.jump();
    chunks.push(master.clone());
  }
  return { init, chunks };
}

export function streamFromState(state: readonly number[]): RandomGenerator {
  return xoroshiro128plusFromState(state);
}

/** Standard normal deviates into out[0..n) by Marsaglia's polar method. */
export function fillNormal(rng: RandomGenerator, out: Float64Array, n: number): void {
  let i = 0;
  while (i < n) {
    const u = 2 * uniformFloat64(rng) - 1;
    const v = 2 * uniformFloat64(rng) - 1;
    const q = u * u + v * v;
    if (q === 0 || q >= 1) continue;
    const f = Math.sqrt((-2 * Math.log(q)) / q);
    out[i++] = u * f;
    if (i < n) out[i++] = v * f;
  }
}
