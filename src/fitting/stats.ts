// Statistics for fits: Student t quantiles (for CIs), information criteria, Akaike weights, and the
// bootstrap CI of a correlation.
import { uniformInt } from "pure-rand/distribution/uniformInt";
import { mersenne } from "pure-rand/generator/mersenne";

/** ln Γ(x) for x > 0, Lanczos approximation (g = 7, 9 terms; |rel. error| < 1e-15). */
function logGamma(x: number): number {
  const c = [
    0.9999999999998099, 676.5203681218851, -1259.1392167224028, 771.3234287776531, -176.6150291621406,
    12.507343278686905, -0.13857109526572012, 9.984369578019572e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let s = c[0] as number;
  for (let i = 1; i < 9; i++) s += (c[i] as number) / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(s);
}

/** Continued fraction of the incomplete beta function, modified Lentz (Numerical Recipes §6.4). */
function betaContinuedFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  d = 1 / (Math.abs(d) < tiny ? tiny : d);
  let h = d;
  for (let m = 1; m <= 500; m++) {
    const m2 = 2 * m;
    for (const num of [
      (m * (b - m) * x) / ((a + m2 - 1) * (a + m2)),
      (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1)),
    ]) {
      d = 1 + num * d;
      d = 1 / (Math.abs(d) < tiny ? tiny : d);
      c = 1 + num / c;
      if (Math.abs(c) < tiny) c = tiny;
      h *= d * c;
    }
    if (Math.abs(d * c - 1) < 1e-16) break;
  }
  return h;
}

/** Regularized incomplete beta I_x(a, b). */
function betaRegularized(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log1p(-x));
  return x < (a + 1) / (a + b + 2)
    ? (front * betaContinuedFraction(x, a, b)) / a
    : 1 - (front * betaContinuedFraction(1 - x, b, a)) / b;
}

/** P(T ≤ t) for Student's t with ν degrees of freedom: 1 − ½ I_{ν/(ν+t²)}(ν/2, ½) for t ≥ 0. */
export function studentTCdf(t: number, nu: number): number {
  const tail = 0.5 * betaRegularized(nu / (nu + t * t), nu / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/** Quantile of Student's t (ν > 0, 0 < p < 1), by bisection on the CDF to full double precision. */
export function studentTQuantile(p: number, nu: number): number {
  if (!(p > 0 && p < 1 && nu > 0))
    throw new RangeError(`t quantile needs 0 < p < 1 and ν > 0 (got p=${p}, ν=${nu})`);
  if (p < 0.5) return -studentTQuantile(1 - p, nu);
  let lo = 0;
  let hi = 1;
  while (studentTCdf(hi, nu) < p) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-15 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (studentTCdf(mid, nu) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

export interface InformationCriteria {
  readonly aic: number;
  readonly aicc: number;
  readonly bic: number;
}

/**
 * As lmfit defines them, from the (weighted) residual sum of squares χ², n points and k free parameters:
 * AIC = n ln(χ²/n) + 2k, BIC = n ln(χ²/n) + k ln n, AICc = AIC + 2k(k+1)/(n − k − 1).
 */
export function informationCriteria(chisqr: number, n: number, k: number): InformationCriteria {
  const base = n * Math.log(chisqr / n);
  const aic = base + 2 * k;
  return { aic, aicc: aic + (2 * k * (k + 1)) / (n - k - 1), bic: base + Math.log(n) * k };
}

/** Akaike weights w_i = exp(−Δ_i/2) / Σ_j exp(−Δ_j/2), Δ_i = AICc_i − min AICc. */
export function akaikeWeights(aicc: readonly number[]): number[] {
  const best = Math.min(...aicc);
  const raw = aicc.map((a) => Math.exp(-(a - best) / 2));
  const sum = raw.reduce((s, v) => s + v, 0);
  return raw.map((v) => v / sum);
}

/** Pearson correlation coefficient (NaN if either variable is constant). */
export function pearson(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const n = x.length;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i] as number;
    my += y[i] as number;
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = (x[i] as number) - mx;
    const dy = (y[i] as number) - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return sxy / Math.sqrt(sxx * syy);
}

export interface CorrelationEstimate {
  readonly r: number;
  /** Percentile bootstrap 95% interval over resampled animals. */
  readonly ci95: readonly [number, number];
  readonly n: number;
  /** Resamples used (those with a constant variable have no r and are dropped). */
  readonly resamples: number;
  readonly seed: number;
}

/**
 * Pearson r of (x_i, y_i) pairs with a seeded percentile bootstrap CI (pairs resampled with replacement).
 * Mersenne Twister: pure-rand's xoroshiro128+ seeded with a small integer starts with correlated draws.
 */
export function bootstrapCorrelation(
  x: readonly number[],
  y: readonly number[],
  { resamples = 10_000, seed = 1 }: { resamples?: number; seed?: number } = {},
): CorrelationEstimate {
  const n = x.length;
  if (n < 3 || y.length !== n) throw new RangeError(`correlation needs ≥ 3 paired values (got ${n})`);
  const rng = mersenne(seed);
  const bx = new Float64Array(n);
  const by = new Float64Array(n);
  const rs: number[] = [];
  for (let b = 0; b < resamples; b++) {
    for (let i = 0; i < n; i++) {
      const j = uniformInt(rng, 0, n - 1);
      bx[i] = x[j] as number;
      by[i] = y[j] as number;
    }
    const r = pearson(bx, by);
    if (Number.isFinite(r)) rs.push(r);
  }
  rs.sort((a, b) => a - b);
  return {
    r: pearson(x, y),
    ci95: [quantileSorted(rs, 0.025), quantileSorted(rs, 0.975)],
    n,
    resamples: rs.length,
    seed,
  };
}

/** Linear-interpolation quantile of sorted values (numpy's default "linear" method). */
export function quantileSorted(sorted: readonly number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const i = Math.floor(pos);
  const lo = sorted[i] as number;
  const hi = sorted[Math.min(i + 1, sorted.length - 1)] as number;
  return lo + (hi - lo) * (pos - i);
}
