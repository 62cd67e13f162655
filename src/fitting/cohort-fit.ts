// Cohort fits with shared dynamics and per-animal amplitudes, by variable projection.
//
// Every model here is linear in its amplitudes: with the time constants θ fixed, animal i's gain is
//   g_i(t) = Σ_j β_ij φ_j(t; θ),   φ_j = the model's prediction with amplitude j = 1 and the others 0
// (g0's basis is 1). So for a trial θ each animal's amplitudes are an ordinary (weighted) least-squares
// solve, and only θ — shared by all animals — goes to Levenberg–Marquardt (src/fitting/least-squares.ts).
// The fitted values are the same as a joint fit of θ and every β (Golub & Pereyra 1973); it is far cheaper,
// which makes model recovery and parametric bootstraps (hundreds of cohort fits) affordable.
//   parallel   per animal g0, a_on, a_off  shared τ_on, τ_decay, τ_off   (the nested family's curves: each
//                                                                        animal its own offline level)
//   transfer   per animal g0, a            shared τ_learn, τ_recov, τ_v
//   two-state  per animal g0, target       shared b_f, τ_f, b_s, τ_s
// Parameters in the units of the models' names (src/models/learning/).
import { LEARNING_MODELS, type LearningModel, type ModelName } from "../models/learning/index.ts";
import { leastSquares } from "./least-squares.ts";
import { type AnimalData, FitError, stackAnimals } from "./model-fit.ts";
import { informationCriteria } from "./stats.ts";

/** Models with a cohort fit and their per-animal amplitudes (all other parameters are shared). */
export const COHORT_AMPLITUDES = {
  parallel: ["g0", "a_on", "a_off"],
  transfer: ["g0", "a"],
  "two-state": ["g0", "target"],
} as const satisfies Partial<Record<ModelName, readonly string[]>>;
export type CohortModelName = keyof typeof COHORT_AMPLITUDES;
export const COHORT_MODELS = Object.keys(COHORT_AMPLITUDES) as CohortModelName[];

export interface CohortFit {
  readonly name: CohortModelName;
  /** Shared parameters by name. */
  readonly shared: Readonly<Record<string, number>>;
  /** Every parameter value of each animal, in the model's parameter order. */
  readonly animals: ReadonlyArray<{ readonly name: string; readonly values: Float64Array }>;
  readonly sse: number;
  readonly n: number;
  /** Free parameters: shared + amplitudes × animals. */
  readonly k: number;
  readonly aicc: number;
  /** Residual SD of a block, gain: √(SSE / (n − k)). */
  readonly blockSd: number;
  readonly converged: boolean;
}

interface Layout {
  readonly model: LearningModel;
  readonly linear: readonly number[];
  readonly nonlinear: readonly number[];
}

function layout(name: CohortModelName): Layout {
  const model = LEARNING_MODELS[name];
  const amplitudes: readonly string[] = COHORT_AMPLITUDES[name];
  const linear = amplitudes.map((a) => model.params.findIndex((p) => p.name === a));
  const nonlinear = model.params.map((_, j) => j).filter((j) => !linear.includes(j));
  return { model, linear, nonlinear };
}

/** Basis columns φ_j (model `name`, shared values θ) at the given times: row-major (times × amplitudes). */
export function basis(
  name: CohortModelName,
  theta: ArrayLike<number>,
  schedule: AnimalData["schedule"],
  times: ArrayLike<number>,
): Float64Array<ArrayBuffer> {
  const l = layout(name);
  const n = times.length;
  const L = l.linear.length;
  const out = new Float64Array(n * L);
  const p = new Float64Array(l.model.params.length);
  l.nonlinear.forEach((j, i) => {
    p[j] = theta[i] as number;
  });
  l.linear.forEach((j, c) => {
    for (const m of l.linear) p[m] = 0;
    p[j] = 1;
    const phi = l.model.predict(p, schedule, times);
    for (let i = 0; i < n; i++) out[i * L + c] = phi[i] as number;
  });
  return out;
}

/**
 * β minimizing Σ w_i (y_i − Σ_j X_ij β_j)² by the normal equations, Gaussian elimination with partial
 * pivoting; a direction the data do not determine (pivot below 1e-12 of the largest) gets β = 0.
 */
export function linearSolve(
  x: Float64Array,
  y: ArrayLike<number>,
  L: number,
  w?: ArrayLike<number>,
): Float64Array<ArrayBuffer> {
  const n = y.length;
  const a = new Float64Array(L * (L + 1));
  for (let i = 0; i < n; i++) {
    const wi = w ? (w[i] as number) : 1;
    for (let r = 0; r < L; r++) {
      const xr = (x[i * L + r] as number) * wi;
      for (let c = 0; c < L; c++) (a[r * (L + 1) + c] as number) += xr * (x[i * L + c] as number);
      (a[r * (L + 1) + L] as number) += xr * (y[i] as number);
    }
  }
  let largest = 0;
  for (let r = 0; r < L; r++) largest = Math.max(largest, Math.abs(a[r * (L + 1) + r] as number));
  const cols = L + 1;
  const dead = new Uint8Array(L);
  for (let c = 0; c < L; c++) {
    let piv = c;
    for (let r = c + 1; r < L; r++)
      if (Math.abs(a[r * cols + c] as number) > Math.abs(a[piv * cols + c] as number)) piv = r;
    if (!(Math.abs(a[piv * cols + c] as number) > 1e-12 * largest)) {
      dead[c] = 1;
      continue;
    }
    if (piv !== c)
      for (let k = 0; k < cols; k++) {
        const t = a[c * cols + k] as number;
        a[c * cols + k] = a[piv * cols + k] as number;
        a[piv * cols + k] = t;
      }
    for (let r = 0; r < L; r++) {
      if (r === c) continue;
      const f = (a[r * cols + c] as number) / (a[c * cols + c] as number);
      if (f === 0) continue;
      for (let k = c; k < cols; k++) (a[r * cols + k] as number) -= f * (a[c * cols + k] as number);
    }
  }
  return Float64Array.from({ length: L }, (_, c) =>
    dead[c] ? 0 : (a[c * cols + L] as number) / (a[c * cols + c] as number),
  );
}

export interface CohortFitOptions {
  /** Start values of the shared parameters (default: the model's starts × 1, 0.25 and 4). */
  readonly starts?: ReadonlyArray<ArrayLike<number>>;
  /** Hold the shared parameters at these values (no LM): a conditional fit, for bootstraps. */
  readonly sharedFixed?: ArrayLike<number>;
}

/** Fits one model to a cohort: shared dynamics, per-animal amplitudes. */
export function fitCohort(
  name: CohortModelName,
  animals: readonly AnimalData[],
  options: CohortFitOptions = {},
): CohortFit {
  const { model, linear, nonlinear } = layout(name);
  const L = linear.length;
  const specs = nonlinear.map((j) => model.params[j] as LearningModel["params"][number]);
  const n = animals.reduce((s, a) => s + a.t.length, 0);
  const k = nonlinear.length + L * animals.length;
  if (animals.length === 0) throw new FitError("nothing to fit: no animals");
  if (n < k + 2)
    throw new FitError(
      `${name} cohort fit: ${n} usable block(s) for ${k} free parameter(s); needs at least ${k + 2}`,
    );
  const { offsets, y, sigma } = stackAnimals(animals);
  const weights = animals.map((a) => (a.sigma ? Float64Array.from(a.sigma, (s) => 1 / (s * s)) : undefined));
  const betas = animals.map(() => new Float64Array(L));
  // Animals with the same design (schedule and block times) share their basis: computed once per trial θ.
  const designs = animals.map((a) => JSON.stringify([a.schedule.stimulusOn, Array.from(a.t)]));
  const project = (theta: ArrayLike<number>, out: Float64Array): void => {
    const bases = new Map<string, Float64Array>();
    animals.forEach((a, i) => {
      const design = designs[i] as string;
      const x = bases.get(design) ?? basis(name, theta, a.schedule, a.t);
      bases.set(design, x);
      const beta = linearSolve(x, a.gain, L, weights[i]);
      betas[i] = beta;
      const o = offsets[i] as number;
      for (let r = 0; r < a.t.length; r++) {
        let g = 0;
        for (let c = 0; c < L; c++) g += (x[r * L + c] as number) * (beta[c] as number);
        out[o + r] = g;
      }
    });
  };
  let theta: Float64Array;
  let converged = true;
  if (options.sharedFixed) theta = Float64Array.from(options.sharedFixed);
  else {
    const clamp = (v: number, s: { lower: number; upper: number }) => Math.min(s.upper, Math.max(s.lower, v));
    const starts =
      options.starts ??
      [1, 0.25, 4].map((f) => specs.map((s) => clamp(s.lower > 0 ? s.start * f : s.start, s)));
    const fits = starts.map((p0) =>
      leastSquares(
        {
          model: project,
          y,
          sigma,
          p0,
          lower: specs.map((s) => s.lower),
          upper: specs.map((s) => s.upper),
        },
        { ftol: 1e-10, xtol: 1e-8, gtol: 1e-8, maxIterations: 200 },
      ),
    );
    const best = fits.reduce((b, r) => (r.chisqr < b.chisqr ? r : b));
    theta = best.p;
    converged = best.converged;
  }
  const fitted = new Float64Array(n);
  project(theta, fitted);
  let sse = 0;
  for (let i = 0; i < n; i++) {
    const r = ((y[i] as number) - (fitted[i] as number)) / (sigma ? (sigma[i] as number) : 1);
    sse += r * r;
  }
  return {
    name,
    shared: Object.fromEntries(specs.map((s, i) => [s.name, theta[i] as number])),
    animals: animals.map((a, i) => {
      const values = new Float64Array(model.params.length);
      nonlinear.forEach((j, c) => {
        values[j] = theta[c] as number;
      });
      linear.forEach((j, c) => {
        values[j] = (betas[i] as Float64Array)[c] as number;
      });
      return { name: a.name, values };
    }),
    sse,
    n,
    k,
    aicc: informationCriteria(sse, n, k).aicc,
    blockSd: Math.sqrt(sse / Math.max(1, n - k)),
    converged,
  };
}
