// Shared shape of the learning-curve models and the one exact solver they all use.
//
// Every model is a linear system of latent states x (2 or 3 of them) with gain g(t) = g0 + Σ_i o_i x_i (o_i is
// 1 for a state that is part of the gain, 0 for a memory state). Within a stretch of constant drive the states
// obey x' = A x + c (A in 1/min, c in gain/min), solved exactly: x(t + Δ) = Φ(Δ) x(t) + ψ(Δ) with the
// exponential of the augmented matrix exp(Δ [[A, c], [0, 0]]) = [[Φ, ψ], [0, 1]].
// Exact propagation (not Euler) keeps predictions independent of block spacing and cheap to differentiate.
// A model published as a discrete map (the transfer model: Euler steps of 1 min) declares its step instead and
// is stepped exactly as published, on a grid anchored at the first stimulus onset (simulateEuler below).

/**
 * When learning is driven: the stimulus-on intervals, s since training start. Between them the animal rests.
 * Every stimulus-on phase drives learning (pretest and test included: the eye is moving with the stimulus).
 */
export interface Schedule {
  readonly stimulusOn: ReadonlyArray<readonly [startS: number, endS: number]>;
}

export interface ParamSpec {
  /** Name with its unit as suffix where it has one (tau_on_min: minutes). */
  readonly name: string;
  readonly lower: number;
  readonly upper: number;
  readonly start: number;
  readonly description: string;
}

/** What a model's dynamics may depend on besides its parameters. */
export interface Drive {
  /** The stimulus is on now. */
  readonly on: boolean;
  /** The stimulus has been on at some time before (training has begun). */
  readonly trained: boolean;
}

/** x' = A x + c: A row-major (n × n, 1/min), c (n, gain/min). */
export interface Dynamics {
  readonly a: readonly number[];
  readonly c: readonly number[];
}

export type ModelName = "parallel" | "serial" | "nested" | "two-state" | "transfer";

export interface LearningModel {
  readonly name: ModelName;
  readonly description: string;
  /** Parameter 0 is always g0, the gain before any learning. */
  readonly params: readonly ParamSpec[];
  /** Which states add to the gain (1) and which are memories the dynamics read (0); its length is n. */
  readonly output: readonly number[];
  readonly dynamics: (p: ArrayLike<number>, drive: Drive) => Dynamics;
  /**
   * Set for a model defined by its authors as Euler steps of this length (min) rather than by its ODE: the
   * published trajectory is the discrete map's, and the step error is part of the model.
   */
  readonly eulerStepMin?: number;
  /** Predicted gain at each time (s since training start). */
  readonly predict: (p: ArrayLike<number>, schedule: Schedule, timesS: ArrayLike<number>) => Float64Array;
}

export const defineModel = (spec: Omit<LearningModel, "predict">): LearningModel => ({
  ...spec,
  predict: (p, schedule, timesS) =>
    spec.eulerStepMin === undefined
      ? simulate(spec, p, schedule, timesS)
      : simulateEuler(spec, spec.eulerStepMin, p, schedule, timesS),
});

/** One step x → Φ x + ψ: Φ row-major n × n, ψ length n. */
interface Step {
  readonly phi: Float64Array;
  readonly psi: Float64Array;
}

/**
 * Φ and ψ for one step of length dt (min): exp of the augmented matrix M = [[A, c], [0, 0]]·dt by scaling and
 * squaring of a Taylor series. The series for M/2^s with ‖M/2^s‖₁ ≤ 1/2 is cut at degree 13 (remainder < 1e-15).
 */
export function stepFor(d: Dynamics, n: number, dt: number): Step {
  let norm = 0;
  for (let j = 0; j < n; j++) {
    let col = 0;
    for (let i = 0; i < n; i++) col += Math.abs(d.a[i * n + j] as number);
    norm = Math.max(norm, col);
  }
  const s = Math.max(0, Math.ceil(Math.log2(Math.max(norm * dt, 1e-300) / 0.5)));
  const h = dt / 2 ** s;
  const nn = n * n;
  const b = new Float64Array(nn);
  for (let i = 0; i < nn; i++) b[i] = (d.a[i] as number) * h;
  // Term k of the series: T_k = B^k / k! (n × n) and u_k = B^{k-1} c h / k! (the ψ column).
  let t = new Float64Array(nn);
  let tNext = new Float64Array(nn);
  let u = new Float64Array(n);
  let uNext = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    t[i * n + i] = 1;
    u[i] = (d.c[i] as number) * h;
  }
  let phi = Float64Array.from(t);
  let psi = Float64Array.from(u);
  for (let k = 1; k <= 13; k++) {
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let sum = 0;
        for (let m = 0; m < n; m++) sum += (b[i * n + m] as number) * (t[m * n + j] as number);
        tNext[i * n + j] = sum / k;
      }
      let v = 0;
      for (let m = 0; m < n; m++) v += (b[i * n + m] as number) * (u[m] as number);
      uNext[i] = v / (k + 1);
    }
    [t, tNext] = [tNext, t];
    [u, uNext] = [uNext, u];
    for (let i = 0; i < nn; i++) (phi[i] as number) += t[i] as number;
    for (let i = 0; i < n; i++) (psi[i] as number) += u[i] as number;
  }
  // Squaring: (Φ, ψ) ∘ (Φ, ψ) = (Φ², Φψ + ψ).
  for (let q = 0; q < s; q++) {
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let sum = 0;
        for (let m = 0; m < n; m++) sum += (phi[i * n + m] as number) * (phi[m * n + j] as number);
        tNext[i * n + j] = sum;
      }
      let v = psi[i] as number;
      for (let m = 0; m < n; m++) v += (phi[i * n + m] as number) * (psi[m] as number);
      uNext[i] = v;
    }
    [phi, tNext] = [tNext, phi];
    [psi, uNext] = [uNext, psi];
  }
  return { phi, psi };
}

/** Sorted copy of the stimulus-on intervals with overlaps merged, validated. */
function intervals(schedule: Schedule): Array<[number, number]> {
  const sorted = schedule.stimulusOn
    .map(([a, b]): [number, number] => {
      if (!(Number.isFinite(a) && b >= a))
        throw new RangeError(`schedule: bad stimulus-on interval [${a}, ${b}] s`);
      return [a, b];
    })
    .sort((x, y) => x[0] - y[0]);
  const merged: Array<[number, number]> = [];
  for (const iv of sorted) {
    const last = merged.at(-1);
    if (last && iv[0] <= last[1]) last[1] = Math.max(last[1], iv[1]);
    else merged.push(iv);
  }
  return merged;
}

/** The three drives a schedule switches between: untrained rest, stimulus on, rest after training. */
const driveRegimes = (model: Pick<LearningModel, "dynamics">, p: ArrayLike<number>) =>
  [
    model.dynamics(p, { on: false, trained: false }),
    model.dynamics(p, { on: true, trained: true }),
    model.dynamics(p, { on: false, trained: true }),
  ] as const;

/**
 * Gain at each time: all states are 0 at the earlier of the first time and the first stimulus onset
 * (nothing learned yet), then they are propagated exactly through every switch of the drive.
 */
function simulate(
  model: Pick<LearningModel, "dynamics" | "output">,
  p: ArrayLike<number>,
  schedule: Schedule,
  timesS: ArrayLike<number>,
): Float64Array {
  const n = model.output.length;
  const out = new Float64Array(timesS.length);
  const g0 = p[0] as number;
  const order = Array.from({ length: timesS.length }, (_, i) => i).sort(
    (i, j) => (timesS[i] as number) - (timesS[j] as number),
  );
  // Breakpoints in minutes: where the drive switches.
  const edges = intervals(schedule).flatMap(([a, b]) => [a / 60, b / 60]);
  const regimes = driveRegimes(model, p);
  // Steps of equal length and regime recur (evenly spaced blocks), so each is computed once.
  const caches = [new Map<number, Step>(), new Map<number, Step>(), new Map<number, Step>()] as const;
  const x = new Float64Array(n);
  const next = new Float64Array(n);
  let now = edges.length > 0 ? Math.min(edges[0] as number, (timesS[order[0] ?? 0] ?? 0) / 60) : 0;
  let e = 0; // index of the next edge
  const advance = (to: number): void => {
    const dt = to - now;
    if (dt <= 0) return;
    // Regime: before any edge → untrained rest; odd number of edges passed → stimulus on.
    const r = e === 0 ? 0 : e % 2 === 1 ? 1 : 2;
    const cache = caches[r];
    let st = cache.get(dt);
    if (st === undefined) {
      st = stepFor(regimes[r], n, dt);
      cache.set(dt, st);
    }
    const { phi, psi } = st;
    for (let i = 0; i < n; i++) {
      let v = psi[i] as number;
      for (let k = 0; k < n; k++) v += (phi[i * n + k] as number) * (x[k] as number);
      next[i] = v;
    }
    x.set(next);
    now = to;
  };
  for (const i of order) {
    const t = (timesS[i] as number) / 60;
    if (!Number.isFinite(t)) throw new RangeError(`prediction time ${timesS[i]} s is not a finite number`);
    while (e < edges.length && (edges[e] as number) <= t) {
      advance(edges[e] as number);
      e++;
    }
    advance(t);
    let g = g0;
    for (let k = 0; k < n; k++) g += (model.output[k] as number) * (x[k] as number);
    out[i] = g;
  }
  return out;
}

/**
 * Gain at each time for a model defined as a discrete map, x_{k+1} = x_k + h·(A x_k + c), with steps of h min on a
 * grid anchored at the first stimulus onset (the authors' loop index). A step's drive is the one at its start,
 * as in a loop that tests the step index. Between grid points the state moves by a partial step of the remaining
 * length (linear between x_k and x_{k+1}), so a prediction never depends on which other times are asked for.
 * States are 0 at the first grid point at or before both the first onset and the first time.
 */
function simulateEuler(
  model: Pick<LearningModel, "dynamics" | "output">,
  h: number,
  p: ArrayLike<number>,
  schedule: Schedule,
  timesS: ArrayLike<number>,
): Float64Array {
  const n = model.output.length;
  const out = new Float64Array(timesS.length);
  const g0 = p[0] as number;
  const on = intervals(schedule).map(([a, b]): [number, number] => [a / 60, b / 60]);
  const minutes = Array.from(timesS, (t) => {
    if (!Number.isFinite(t)) throw new RangeError(`prediction time ${t} s is not a finite number`);
    return t / 60;
  });
  if (minutes.length === 0) return out;
  const order = minutes.map((_, i) => i).sort((i, j) => (minutes[i] as number) - (minutes[j] as number));
  const first = minutes[order[0] as number] as number;
  const onset = on[0]?.[0] ?? first;
  const t0 = onset - h * Math.max(0, Math.ceil((onset - first) / h));
  const regimes = driveRegimes(model, p);
  const regimeAt = (t: number): Dynamics =>
    t < onset ? regimes[0] : on.some(([a, b]) => a <= t && t < b) ? regimes[1] : regimes[2];
  const x = new Float64Array(n);
  const dx = new Float64Array(n);
  const slope = (d: Dynamics): void => {
    for (let i = 0; i < n; i++) {
      let v = d.c[i] as number;
      for (let k = 0; k < n; k++) v += (d.a[i * n + k] as number) * (x[k] as number);
      dx[i] = v;
    }
  };
  let k = 0; // x holds the state at grid point t0 + k·h
  for (const i of order) {
    const t = minutes[i] as number;
    const steps = Math.floor((t - t0) / h);
    for (; k < steps; k++) {
      slope(regimeAt(t0 + k * h));
      for (let j = 0; j < n; j++) (x[j] as number) += h * (dx[j] as number);
    }
    const r = t - (t0 + k * h);
    slope(regimeAt(t0 + k * h));
    let g = g0;
    for (let j = 0; j < n; j++) g += (model.output[j] as number) * ((x[j] as number) + r * (dx[j] as number));
    out[i] = g;
  }
  return out;
}
