// Group statistics of a cohort: mean, SD and t-based 95% CI per group, and Welch's t-test between groups.
// Student's t CDF and quantiles come from the fitter's stats (src/fitting/stats.ts).
import { studentTCdf, studentTQuantile } from "../fitting/stats.ts";

export interface Describe {
  readonly n: number;
  readonly mean: number;
  /** Sample SD (n − 1 denominator); NaN for n < 2. */
  readonly sd: number;
  /** Standard error of the mean, sd / √n. */
  readonly sem: number;
  /** mean ± t_{0.975, n−1} · sem; NaN for n < 2. */
  readonly ci95: readonly [number, number];
}

export function describe(values: readonly number[]): Describe {
  const n = values.length;
  const mean = n === 0 ? Number.NaN : values.reduce((s, v) => s + v, 0) / n;
  const sd = n < 2 ? Number.NaN : Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1));
  const sem = sd / Math.sqrt(n);
  const half = n < 2 ? Number.NaN : studentTQuantile(0.975, n - 1) * sem;
  return { n, mean, sd, sem, ci95: [mean - half, mean + half] };
}

/** What Welch's test needs of a sample. */
export type Summary = Pick<Describe, "n" | "mean" | "sd">;

export interface WelchTest {
  /** mean(b) − mean(a). */
  readonly difference: number;
  /** 95% CI of the difference: difference ± t_{0.975, df} · se. */
  readonly ci95: readonly [number, number];
  readonly t: number;
  /** Welch–Satterthwaite degrees of freedom. */
  readonly df: number;
  /** Two-sided p-value. */
  readonly p: number;
}

/**
 * Welch's two-sample t-test (unequal variances), two-sided, of b against a:
 *   t = (m_b − m_a) / se,  se² = s_a²/n_a + s_b²/n_b,
 *   df = se⁴ / ((s_a²/n_a)²/(n_a − 1) + (s_b²/n_b)²/(n_b − 1)),  p = 2 · P(T_df ≤ −|t|).
 * From the summaries alone, so the power simulation can call it without arrays; no CI (that needs a
 * t quantile, a bisection, too slow for thousands of resamples).
 */
export function welchCore(a: Summary, b: Summary): Omit<WelchTest, "ci95"> & { se: number } {
  const va = (a.sd * a.sd) / a.n;
  const vb = (b.sd * b.sd) / b.n;
  const se = Math.sqrt(va + vb);
  const difference = b.mean - a.mean;
  const t = difference / se;
  const df = (va + vb) ** 2 / (va ** 2 / (a.n - 1) + vb ** 2 / (b.n - 1));
  const p = Number.isFinite(t) && df > 0 ? 2 * studentTCdf(-Math.abs(t), df) : Number.NaN;
  return { difference, se, t, df, p };
}

/** Welch's t-test with the 95% CI of the difference (difference ± t_{0.975, df} · se). */
export function welchTest(a: readonly number[], b: readonly number[]): WelchTest {
  const { se, ...test } = welchCore(describe(a), describe(b));
  const half = Number.isFinite(test.p) ? studentTQuantile(0.975, test.df) * se : Number.NaN;
  return { ...test, ci95: [test.difference - half, test.difference + half] };
}
