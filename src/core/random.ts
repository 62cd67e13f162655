// Seeded random numbers, so simulated animals and sessions are reproducible from a seed.
import { uniformFloat64 } from "pure-rand/distribution/uniformFloat64";
import { mersenne } from "pure-rand/generator/mersenne";

export class Random {
  private readonly rng;
  private spare: number | undefined;

  constructor(seed: number) {
    // Mersenne Twister: unlike xoroshiro128+, its first draws from small seeds (1, 2, 42…) are not skewed.
    this.rng = mersenne(seed | 0);
  }

  /** Uniform on [0, 1). */
  uniform(): number {
    return uniformFloat64(this.rng);
  }

  between(lo: number, hi: number): number {
    return lo + (hi - lo) * this.uniform();
  }

  /** Standard normal deviate (Marsaglia polar method; the second deviate is kept for the next call). */
  normal(): number {
    if (this.spare !== undefined) {
      const s = this.spare;
      this.spare = undefined;
      return s;
    }
    let u: number;
    let v: number;
    let r: number;
    do {
      u = 2 * this.uniform() - 1;
      v = 2 * this.uniform() - 1;
      r = u * u + v * v;
    } while (r >= 1 || r === 0);
    const f = Math.sqrt((-2 * Math.log(r)) / r);
    this.spare = v * f;
    return u * f;
  }

  /** Exponential waiting time with the given rate (events per unit time). */
  exponential(rate: number): number {
    return -Math.log(1 - this.uniform()) / rate;
  }

  /** An independent stream for a sub-component (e.g. one animal of a cohort). */
  fork(): Random {
    return new Random(Math.floor(this.uniform() * 2 ** 31));
  }
}
