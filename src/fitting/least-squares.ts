// Bounded nonlinear least squares: Levenberg–Marquardt with Moré's diagonal scaling, Nielsen's damping
// update and an active set for the bounds, then covariance, CIs and information criteria as scipy's
// curve_fit and lmfit report them.
//
// Minimizes χ²(p) = Σ_i ((f_i(p) − y_i) / σ_i)²  subject to lower ≤ p ≤ upper.
// Step: (JᵀJ + λ D) δ = −Jᵀr on the free parameters (D = running max of diag JᵀJ); a parameter sitting
// on a bound whose gradient pushes outward is held there for that step; every trial point is clipped.
// Covariance (curve_fit default, absolute_sigma=False): C = s² (JᵀJ)⁺, s² = χ²/(n − k), the pseudo-inverse
// from the SVD of J with scipy's cutoff (eps · max(n, k) · s_max); stderr = √diag C;
// CI95 = p ± t_{0.975, n−k} · stderr.
import { Matrix, SingularValueDecomposition } from "ml-matrix";
import { type InformationCriteria, informationCriteria, studentTQuantile } from "./stats.ts";

export interface LeastSquaresProblem {
  /** Writes the model's values at parameters p into out (length n). */
  readonly model: (p: Float64Array, out: Float64Array) => void;
  readonly y: ArrayLike<number>;
  /** Per-point standard deviation (relative weights; scaled away as in curve_fit). Default 1. */
  readonly sigma?: ArrayLike<number> | undefined;
  readonly p0: ArrayLike<number>;
  readonly lower: ArrayLike<number>;
  readonly upper: ArrayLike<number>;
}

export interface LeastSquaresOptions {
  readonly maxIterations?: number;
  /** Stop when a step changes χ² (actual and predicted) by less than ftol · χ². */
  readonly ftol?: number;
  /** Stop when a step is shorter than xtol · (xtol + ‖p‖). */
  readonly xtol?: number;
  /** Stop when every free gradient component is below gtol in cosine to the residual. */
  readonly gtol?: number;
}

export interface LeastSquaresResult extends InformationCriteria {
  readonly p: Float64Array;
  readonly stderr: Float64Array;
  readonly ci95: ReadonlyArray<readonly [number, number]>;
  /** s² (JᵀJ)⁻¹, k × k; NaN-filled when J is numerically rank-deficient (scipy's cutoff). */
  readonly covariance: Matrix;
  /** Weighted residual sum of squares. */
  readonly chisqr: number;
  /** y − f(p), unweighted. */
  readonly residuals: Float64Array;
  readonly fitted: Float64Array;
  readonly n: number;
  readonly k: number;
  readonly iterations: number;
  readonly evaluations: number;
  readonly converged: boolean;
  readonly message: string;
  /**
   * False when some combination of parameters does not change the fit (columns of J, each scaled to unit
   * length, are dependent to 1e-7): those parameters are not determined by the data and their stderrs,
   * still computed as curve_fit would, are meaningless.
   */
  readonly identifiable: boolean;
  readonly atBound: readonly boolean[];
}

const EPS = 2.220446049250313e-16;

export function leastSquares(
  problem: LeastSquaresProblem,
  options: LeastSquaresOptions = {},
): LeastSquaresResult {
  const { maxIterations = 500, ftol = 1e-12, xtol = 1e-10, gtol = 1e-10 } = options;
  const n = problem.y.length;
  const k = problem.p0.length;
  const lo = Float64Array.from(problem.lower);
  const hi = Float64Array.from(problem.upper);
  const y = Float64Array.from(problem.y);
  const w = Float64Array.from(
    { length: n },
    (_, i) => 1 / (problem.sigma ? (problem.sigma[i] as number) : 1),
  );
  if (lo.length !== k || hi.length !== k) throw new RangeError("bounds must have one entry per parameter");
  if (problem.sigma && problem.sigma.length !== n)
    throw new RangeError("sigma must have one entry per point");
  if (w.some((v) => !(v > 0 && Number.isFinite(v)))) throw new RangeError("sigma must be finite and > 0");
  if (n <= k)
    throw new RangeError(`${n} points cannot determine ${k} parameters (need more points than parameters)`);

  let evaluations = 0;
  const f = new Float64Array(n);
  /** Weighted residuals r = (f(p) − y)/σ into out; returns χ². */
  const residuals = (p: Float64Array, out: Float64Array): number => {
    problem.model(p, f);
    evaluations++;
    let s = 0;
    for (let i = 0; i < n; i++) {
      const r = ((f[i] as number) - (y[i] as number)) * (w[i] as number);
      out[i] = r;
      s += r * r;
    }
    return s;
  };
  const clip = (p: Float64Array): Float64Array =>
    p.map((v, j) => Math.min(hi[j] as number, Math.max(lo[j] as number, v)));

  // J (n × k, row-major) by finite differences of the weighted residuals; steps flip inward at a bound.
  const jac = new Float64Array(n * k);
  const rTrial = new Float64Array(n);
  const jacobian = (p: Float64Array, r: Float64Array, central: boolean): void => {
    const q = Float64Array.from(p);
    const rBack = new Float64Array(n);
    for (let j = 0; j < k; j++) {
      const pj = p[j] as number;
      let h = (central ? Math.cbrt(EPS) : Math.sqrt(EPS)) * Math.max(1, Math.abs(pj));
      const twoSided = central && pj - h >= (lo[j] as number) && pj + h <= (hi[j] as number);
      if (!twoSided && pj + h > (hi[j] as number)) h = -h;
      q[j] = pj + h;
      residuals(q, rTrial);
      if (twoSided) {
        q[j] = pj - h;
        residuals(q, rBack);
        for (let i = 0; i < n; i++) jac[i * k + j] = ((rTrial[i] as number) - (rBack[i] as number)) / (2 * h);
      } else {
        for (let i = 0; i < n; i++) jac[i * k + j] = ((rTrial[i] as number) - (r[i] as number)) / h;
      }
      q[j] = pj;
    }
  };

  let p = clip(Float64Array.from(problem.p0));
  const r = new Float64Array(n);
  let cost = residuals(p, r);
  if (!Number.isFinite(cost))
    throw new RangeError("the model gives non-finite values at the starting parameters");
  const g = new Float64Array(k);
  const hess = new Float64Array(k * k);
  const scale = new Float64Array(k);
  let lambda = -1;
  let nu = 2;
  let iterations = 0;
  let converged = false;
  let message = "maximum iterations reached";

  outer: while (iterations < maxIterations) {
    iterations++;
    jacobian(p, r, false);
    // g = Jᵀr, H = JᵀJ
    g.fill(0);
    hess.fill(0);
    for (let i = 0; i < n; i++) {
      const ri = r[i] as number;
      for (let a = 0; a < k; a++) {
        const ja = jac[i * k + a] as number;
        g[a] = (g[a] as number) + ja * ri;
        for (let b = 0; b <= a; b++)
          hess[a * k + b] = (hess[a * k + b] as number) + ja * (jac[i * k + b] as number);
      }
    }
    for (let a = 0; a < k; a++) for (let b = 0; b < a; b++) hess[b * k + a] = hess[a * k + b] as number;
    const free: number[] = [];
    for (let j = 0; j < k; j++) {
      const blocked =
        ((p[j] as number) <= (lo[j] as number) && (g[j] as number) > 0) ||
        ((p[j] as number) >= (hi[j] as number) && (g[j] as number) < 0);
      if (!blocked) free.push(j);
      scale[j] = Math.max(scale[j] as number, hess[j * k + j] as number);
    }
    const rnorm = Math.sqrt(cost);
    const gmax = Math.max(
      0,
      ...free.map((j) => Math.abs(g[j] as number) / (Math.sqrt(hess[j * k + j] as number) * rnorm || 1)),
    );
    if (gmax <= gtol || cost === 0) {
      converged = true;
      message = "gradient below gtol";
      break;
    }
    if (lambda < 0) lambda = 1e-3 * Math.max(...free.map((j) => hess[j * k + j] as number));
    for (;;) {
      const delta = solveDamped(hess, g, scale, lambda, free, k);
      const trial = delta ? clip(p.map((v, j) => v + (delta[j] as number))) : p;
      const step = trial.map((v, j) => v - (p[j] as number));
      let stepNorm = 0;
      let pNorm = 0;
      let predicted = 0; // reduction of the quadratic model: −(2 gᵀδ + δᵀHδ)
      for (let a = 0; a < k; a++) {
        const sa = step[a] as number;
        stepNorm += sa * sa;
        pNorm += (p[a] as number) ** 2;
        let hs = 0;
        for (let b = 0; b < k; b++) hs += (hess[a * k + b] as number) * (step[b] as number);
        predicted -= 2 * (g[a] as number) * sa + sa * hs;
      }
      if (!delta || Math.sqrt(stepNorm) <= xtol * (xtol + Math.sqrt(pNorm))) {
        converged = true;
        message = "step below xtol";
        break outer;
      }
      const rNew = new Float64Array(n);
      const costNew = residuals(trial, rNew);
      const rho = predicted > 0 ? (cost - costNew) / predicted : -1;
      if (Number.isFinite(costNew) && costNew < cost && rho > 1e-4) {
        const small = cost - costNew <= ftol * cost && predicted <= ftol * cost;
        p = trial;
        r.set(rNew);
        cost = costNew;
        lambda *= Math.max(1 / 3, 1 - (2 * rho - 1) ** 3);
        nu = 2;
        if (small) {
          converged = true;
          message = "χ² change below ftol";
          break outer;
        }
        break;
      }
      lambda *= nu;
      nu *= 2;
      if (!Number.isFinite(lambda) || lambda > 1e300) {
        converged = true;
        message = "no further decrease possible";
        break outer;
      }
    }
  }

  // Statistics at the solution, with a central-difference Jacobian for accuracy.
  jacobian(p, r, true);
  const dof = n - k;
  const s2 = cost / dof;
  const { covariance, identifiable } = scaledCovariance(jac, n, k, s2);
  const stderr = Float64Array.from({ length: k }, (_, j) => Math.sqrt(covariance.get(j, j)));
  const q = studentTQuantile(0.975, dof);
  problem.model(p, f);
  return {
    p,
    stderr,
    ci95: Array.from(p, (v, j) => [v - q * (stderr[j] as number), v + q * (stderr[j] as number)] as const),
    covariance,
    chisqr: cost,
    residuals: y.map((v, i) => v - (f[i] as number)),
    fitted: Float64Array.from(f),
    n,
    k,
    iterations,
    evaluations,
    converged,
    message,
    identifiable,
    atBound: Array.from(p, (v, j) => v <= (lo[j] as number) || v >= (hi[j] as number)),
    ...informationCriteria(cost, n, k),
  };
}

/** Solves (H + λ diag(D)) δ = −g on the free parameters by Cholesky; null if not positive definite. */
function solveDamped(
  hess: Float64Array,
  g: Float64Array,
  scale: Float64Array,
  lambda: number,
  free: readonly number[],
  k: number,
): Float64Array | null {
  const m = free.length;
  const a = new Float64Array(m * m);
  const b = new Float64Array(m);
  free.forEach((fi, i) => {
    b[i] = -(g[fi] as number);
    free.forEach((fj, j) => {
      a[i * m + j] = hess[fi * k + fj] as number;
    });
    a[i * m + i] = (a[i * m + i] as number) + lambda * Math.max(scale[fi] as number, 1e-300);
  });
  // In-place Cholesky A = L Lᵀ (lower triangle of a).
  for (let j = 0; j < m; j++) {
    let d = a[j * m + j] as number;
    for (let l = 0; l < j; l++) d -= (a[j * m + l] as number) ** 2;
    if (!(d > 0)) return null;
    const ljj = Math.sqrt(d);
    a[j * m + j] = ljj;
    for (let i = j + 1; i < m; i++) {
      let s = a[i * m + j] as number;
      for (let l = 0; l < j; l++) s -= (a[i * m + l] as number) * (a[j * m + l] as number);
      a[i * m + j] = s / ljj;
    }
  }
  for (let i = 0; i < m; i++) {
    let s = b[i] as number;
    for (let l = 0; l < i; l++) s -= (a[i * m + l] as number) * (b[l] as number);
    b[i] = s / (a[i * m + i] as number);
  }
  for (let i = m - 1; i >= 0; i--) {
    let s = b[i] as number;
    for (let l = i + 1; l < m; l++) s -= (a[l * m + i] as number) * (b[l] as number);
    b[i] = s / (a[i * m + i] as number);
  }
  const delta = new Float64Array(k);
  free.forEach((fi, i) => {
    delta[fi] = b[i] as number;
  });
  return delta;
}

/** s² V S⁻² Vᵀ from the SVD of J, dropping singular values below scipy's cutoff. */
function scaledCovariance(
  jac: Float64Array,
  n: number,
  k: number,
  s2: number,
): { covariance: Matrix; identifiable: boolean } {
  const rows = Array.from({ length: n }, (_, i) => Array.from(jac.subarray(i * k, (i + 1) * k)));
  const svd = new SingularValueDecomposition(new Matrix(rows), {
    computeLeftSingularVectors: false,
    autoTranspose: true,
  });
  const s = svd.diagonal;
  const cutoff = EPS * Math.max(n, k) * Math.max(...s);
  if (s.some((v) => !(v > cutoff)))
    return { covariance: new Matrix(k, k).fill(Number.NaN), identifiable: false };
  // Collinearity regardless of parameter units: singular values of J with unit-norm columns. A finite-
  // difference J is accurate to ~1e-10, so an exact dependence shows up as a ratio near that, not 0.
  const norms = Array.from({ length: k }, (_, j) => Math.hypot(...rows.map((r) => r[j] as number)));
  const unit = new Matrix(rows.map((r) => r.map((v, j) => v / (norms[j] as number))));
  const us = new SingularValueDecomposition(unit, {
    computeLeftSingularVectors: false,
    computeRightSingularVectors: false,
    autoTranspose: true,
  }).diagonal;
  const identifiable = Math.min(...us) / Math.max(...us) > 1e-7;
  const v = svd.rightSingularVectors;
  const cov = new Matrix(k, k);
  for (let a = 0; a < k; a++)
    for (let b = 0; b < k; b++) {
      let sum = 0;
      for (let l = 0; l < k; l++) sum += (v.get(a, l) * v.get(b, l)) / (s[l] as number) ** 2;
      cov.set(a, b, s2 * sum);
    }
  return { covariance: cov, identifiable };
}
