// Fitting learning-curve models to one animal or a cohort, and ranking models by AICc.
// A cohort fit is one least-squares problem: shared parameters take one value for all animals, the
// others one value per animal, fixed ones none. With no shared parameters it equals separate fits per
// animal (same estimates), with χ², n and k summed, so its AIC compares models over the whole cohort.
import type { LearningModel, ModelName, Schedule } from "../models/learning/index.ts";
import { type LeastSquaresOptions, leastSquares } from "./least-squares.ts";
import { akaikeWeights, informationCriteria, studentTQuantile } from "./stats.ts";

export interface AnimalData {
  readonly name: string;
  readonly schedule: Schedule;
  /** Block times, s since training start. */
  readonly t: ArrayLike<number>;
  readonly gain: ArrayLike<number>;
  /** Per-block standard deviation (relative weights), or undefined for equal weights. */
  readonly sigma?: ArrayLike<number> | undefined;
}

export interface CohortOptions {
  /** Parameters with one value across animals. */
  readonly shared?: readonly string[];
  /** Parameters held at a value (not fitted, not counted in k). */
  readonly fixed?: Readonly<Record<string, number>>;
  readonly solver?: LeastSquaresOptions;
  /**
   * Starts: positive parameters (time constants, rates) at start × each factor. Default [1, 0.25, 4]:
   * a single start can be stranded in a flat region, e.g. a decay time at its lower bound.
   */
  readonly startScales?: readonly number[];
}

export interface ParamEstimate {
  readonly value: number;
  readonly stderr: number;
  readonly ci95: readonly [number, number];
  readonly atBound: boolean;
}

export interface ModelFit {
  readonly name: ModelName;
  /** Fitted parameters; per-animal ones are named NAME@ANIMAL when there is more than one animal. */
  readonly params: Readonly<Record<string, ParamEstimate>>;
  /** Every parameter value of each animal (fitted, shared or fixed), for predictions. */
  readonly animals: ReadonlyArray<{ readonly name: string; readonly values: Float64Array }>;
  /** Observed − predicted, animals in input order, blocks in input order. */
  readonly residuals: Float64Array;
  readonly sse: number;
  readonly n: number;
  readonly k: number;
  readonly aic: number;
  readonly aicc: number;
  readonly bic: number;
  readonly converged: boolean;
  readonly identifiable: boolean;
}

export class FitError extends Error {}

/** All animals' blocks as one problem: where each animal starts, gains and SDs (undefined: equal weights). */
export function stackAnimals(animals: readonly AnimalData[]) {
  const n = animals.reduce((s, a) => s + a.t.length, 0);
  const offsets = animals.map((_, a) => animals.slice(0, a).reduce((s, b) => s + b.t.length, 0));
  const y = new Float64Array(n);
  const sigma = animals.some((a) => a.sigma) ? new Float64Array(n).fill(1) : undefined;
  animals.forEach((animal, a) => {
    y.set(Float64Array.from(animal.gain), offsets[a]);
    if (sigma && animal.sigma) sigma.set(Float64Array.from(animal.sigma), offsets[a]);
  });
  return { offsets, y, sigma };
}

const clamp = (v: number, s: { lower: number; upper: number }) => Math.min(s.upper, Math.max(s.lower, v));

export function fitModel(
  model: LearningModel,
  animals: readonly AnimalData[],
  options: CohortOptions = {},
): ModelFit {
  const { shared = [], fixed = {}, solver, startScales = [1, 0.25, 4] } = options;
  const names = model.params.map((s) => s.name);
  for (const name of [...shared, ...Object.keys(fixed)])
    if (!names.includes(name))
      throw new FitError(`${model.name}: no parameter "${name}" (its parameters are ${names.join(", ")})`);
  for (const [name, value] of Object.entries(fixed)) {
    const spec = model.params.find((s) => s.name === name);
    if (spec && !(value >= spec.lower && value <= spec.upper))
      throw new FitError(
        `${model.name}: fixed ${name}=${value} is outside its bounds [${spec.lower}, ${spec.upper}]`,
      );
  }
  if (animals.length === 0) throw new FitError("nothing to fit: no animals");
  const cohort = animals.length > 1;
  const sharedFree = shared.filter((n) => !(n in fixed));
  if (cohort && sharedFree.length === 0) return separateFits(model, animals, options);

  // slot[a][j]: index of animal a's parameter j in the fitted vector, or −1 when fixed.
  const labels: string[] = [];
  const specs: (typeof model.params)[number][] = [];
  const slot = animals.map(() => new Int32Array(names.length).fill(-1));
  model.params.forEach((spec, j) => {
    if (spec.name in fixed) return;
    const perAnimal = cohort && !shared.includes(spec.name);
    (perAnimal ? animals : animals.slice(0, 1)).forEach((animal, a) => {
      const index = labels.length;
      labels.push(perAnimal ? `${spec.name}@${animal.name}` : spec.name);
      specs.push(spec);
      if (perAnimal) (slot[a] as Int32Array)[j] = index;
      else for (const s of slot) s[j] = index;
    });
  });

  const n = animals.reduce((s, a) => s + a.t.length, 0);
  const k = labels.length;
  if (n < k + 2)
    throw new FitError(
      `${model.name}: ${n} usable block(s) for ${k} free parameter(s); needs at least ${k + 2} ` +
        "(add blocks, fix parameters with --fix, or share them across animals with --shared)",
    );

  const values = animals.map(() => Float64Array.from(model.params, (s) => fixed[s.name] ?? s.start));
  const unpack = (p: Float64Array): void =>
    slot.forEach((s, a) => {
      s.forEach((index, j) => {
        if (index >= 0) (values[a] as Float64Array)[j] = p[index] as number;
      });
    });
  const { offsets, y, sigma } = stackAnimals(animals);

  const problem = {
    model: (p: Float64Array, out: Float64Array) => {
      unpack(p);
      animals.forEach((animal, a) => {
        out.set(model.predict(values[a] as Float64Array, animal.schedule, animal.t), offsets[a]);
      });
    },
    y,
    sigma,
    lower: specs.map((s) => s.lower),
    upper: specs.map((s) => s.upper),
  };
  // The fit with the lowest χ² over all starts wins.
  const result = startScales
    .map((f) =>
      leastSquares(
        { ...problem, p0: specs.map((s) => clamp(s.lower > 0 ? s.start * f : s.start, s)) },
        solver,
      ),
    )
    .reduce((best, r) => (r.chisqr < best.chisqr ? r : best));
  unpack(result.p);
  const params: Record<string, ParamEstimate> = {};
  labels.forEach((label, i) => {
    params[label] = {
      value: result.p[i] as number,
      stderr: result.stderr[i] as number,
      ci95: result.ci95[i] as readonly [number, number],
      atBound: result.atBound[i] as boolean,
    };
  });
  return {
    name: model.name,
    params,
    animals: animals.map((animal, a) => ({ name: animal.name, values: values[a] as Float64Array })),
    residuals: result.residuals,
    sse: result.chisqr,
    n,
    k,
    aic: result.aic,
    aicc: result.aicc,
    bic: result.bic,
    converged: result.converged,
    identifiable: result.identifiable,
  };
}

/**
 * A cohort with nothing shared: the joint problem is block-diagonal, so its optimum is each animal's own fit
 * (far cheaper than one problem with every animal's parameters). Statistics as the joint fit gives them:
 * χ², n, k summed; s² pooled, s²_joint = Σχ² / (n − k), so each stderr is the animal's × √(s²_joint / s²_animal)
 * and CIs use t with n − k dof.
 */
function separateFits(
  model: LearningModel,
  animals: readonly AnimalData[],
  options: CohortOptions,
): ModelFit {
  const fits = animals.map((a) => fitModel(model, [a], options));
  const sse = fits.reduce((s, f) => s + f.sse, 0);
  const n = fits.reduce((s, f) => s + f.n, 0);
  const k = fits.reduce((s, f) => s + f.k, 0);
  const pooled = sse / (n - k);
  const q = studentTQuantile(0.975, n - k);
  const params: Record<string, ParamEstimate> = {};
  fits.forEach((f, a) => {
    const own = f.sse / (f.n - f.k);
    for (const [name, p] of Object.entries(f.params)) {
      const stderr = p.stderr * Math.sqrt(pooled / own);
      params[`${name}@${(animals[a] as AnimalData).name}`] = {
        value: p.value,
        stderr,
        ci95: [p.value - q * stderr, p.value + q * stderr],
        atBound: p.atBound,
      };
    }
  });
  const residuals = new Float64Array(n);
  fits.reduce((at, f) => {
    residuals.set(f.residuals, at);
    return at + f.n;
  }, 0);
  return {
    name: model.name,
    params,
    animals: fits.map((f, a) => ({
      name: (animals[a] as AnimalData).name,
      values: f.animals[0]?.values as Float64Array,
    })),
    residuals,
    sse,
    n,
    k,
    ...informationCriteria(sse, n, k),
    converged: fits.every((f) => f.converged),
    identifiable: fits.every((f) => f.identifiable),
  };
}

export interface Comparison {
  readonly fits: ReadonlyArray<ModelFit & { readonly weight: number }>;
  /** Name of the model with the lowest AICc. */
  readonly best: ModelName;
}

/** Ranks fits of the same data by AICc (best first) with Akaike weights. */
export function compareModels(fits: readonly ModelFit[]): Comparison {
  if (fits.length === 0) throw new FitError("no models to compare");
  const weights = akaikeWeights(fits.map((f) => f.aicc));
  const ranked = fits.map((f, i) => ({ ...f, weight: weights[i] as number })).sort((a, b) => a.aicc - b.aicc);
  return { fits: ranked, best: (ranked[0] as ModelFit).name };
}
