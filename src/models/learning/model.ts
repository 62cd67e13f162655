// Shared shape of the learning-curve models and the one exact solver they all use.
//
// Every model is a linear system with two latent states x = (x1, x2) and gain g(t) = g0 + x1 + x2.
// Within a stretch of constant drive the states obey x' = A x + c (A in 1/min, c in gain/min), which
// is solved exactly: x(t + Δ) = Φ(Δ) x(t) + ψ(Δ) with the exponential of the augmented matrix
//   exp(Δ [[A, c], [0, 0]]) = [[Φ, ψ], [0, 1]].
// Exact propagation (not Euler) keeps predictions independent of block spacing and cheap to differentiate.

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

/** x' = A x + c with A = [[a11, a12], [a21, a22]] in 1/min and c in gain/min. */
export interface Dynamics {
  readonly a11: number;
  readonly a12: number;
  readonly a21: number;
  readonly a22: number;
  readonly c1: number;
  readonly c2: number;
}

export type ModelName = "parallel" | "serial" | "two-state" | "transfer";

export interface LearningModel {
  readonly name: ModelName;
  readonly description: string;
  /** Parameter 0 is always g0, the gain before any learning. */
  readonly params: readonly ParamSpec[];
  readonly dynamics: (p: ArrayLike<number>, drive: Drive) => Dynamics;
  /** Predicted gain at each time (s since training start). */
  readonly predict: (p: ArrayLike<number>, schedule: Schedule, timesS: ArrayLike<number>) => Float64Array;
}

/** g0 and the online component, shared by the parallel and serial models (same meaning in both). */
export const ONLINE_PARAMS: readonly ParamSpec[] = [
  { name: "g0", lower: 0, upper: 2, start: 0.5, description: "gain before training" },
  { name: "a_on", lower: -2, upper: 2, start: 0.2, description: "online asymptote, gain" },
  {
    name: "tau_on_min",
    lower: 0.1,
    upper: 1000,
    start: 5,
    description: "online learning time constant, min",
  },
  { name: "tau_decay_min", lower: 0.1, upper: 10000, start: 20, description: "online decay at rest, min" },
];

export const defineModel = (spec: Omit<LearningModel, "predict">): LearningModel => ({
  ...spec,
  predict: (p, schedule, timesS) => simulate(spec.dynamics, p, schedule, timesS),
});

/** One step x → Φ x + ψ, Φ row-major 2×2. */
interface Step {
  readonly f11: number;
  readonly f12: number;
  readonly f21: number;
  readonly f22: number;
  readonly g1: number;
  readonly g2: number;
}

/**
 * Φ and ψ for one step of length dt (min): exp of the augmented matrix by scaling and squaring of a
 * Taylor series. The series for M/2^s with ‖M/2^s‖₁ ≤ 1/2 is cut at degree 18 (remainder < 1e-22).
 */
export function stepFor(d: Dynamics, dt: number): Step {
  const norm = Math.max(Math.abs(d.a11) + Math.abs(d.a21), Math.abs(d.a12) + Math.abs(d.a22)) * dt;
  const s = Math.max(0, Math.ceil(Math.log2(Math.max(norm, 1e-300) / 0.5)));
  const h = dt / 2 ** s;
  const b11 = d.a11 * h;
  const b12 = d.a12 * h;
  const b21 = d.a21 * h;
  const b22 = d.a22 * h;
  // Term k of the series: T_k = B^k / k! (2×2) and u_k = B^{k-1} c h / k! (the ψ column).
  let t11 = 1;
  let t12 = 0;
  let t21 = 0;
  let t22 = 1;
  let u1 = d.c1 * h;
  let u2 = d.c2 * h;
  let f11 = 1;
  let f12 = 0;
  let f21 = 0;
  let f22 = 1;
  let g1 = u1;
  let g2 = u2;
  for (let k = 1; k <= 18; k++) {
    const n11 = (b11 * t11 + b12 * t21) / k;
    const n12 = (b11 * t12 + b12 * t22) / k;
    const n21 = (b21 * t11 + b22 * t21) / k;
    const n22 = (b21 * t12 + b22 * t22) / k;
    t11 = n11;
    t12 = n12;
    t21 = n21;
    t22 = n22;
    f11 += t11;
    f12 += t12;
    f21 += t21;
    f22 += t22;
    const v1 = (b11 * u1 + b12 * u2) / (k + 1);
    const v2 = (b21 * u1 + b22 * u2) / (k + 1);
    u1 = v1;
    u2 = v2;
    g1 += u1;
    g2 += u2;
  }
  // Squaring: (Φ, ψ) ∘ (Φ, ψ) = (Φ², Φψ + ψ).
  for (let i = 0; i < s; i++) {
    const n11 = f11 * f11 + f12 * f21;
    const n12 = f11 * f12 + f12 * f22;
    const n21 = f21 * f11 + f22 * f21;
    const n22 = f21 * f12 + f22 * f22;
    const m1 = f11 * g1 + f12 * g2 + g1;
    const m2 = f21 * g1 + f22 * g2 + g2;
    f11 = n11;
    f12 = n12;
    f21 = n21;
    f22 = n22;
    g1 = m1;
    g2 = m2;
  }
  return { f11, f12, f21, f22, g1, g2 };
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

/**
 * Gain at each time: all states are 0 at the earlier of the first time and the first stimulus onset
 * (nothing learned yet), then they are propagated exactly through every switch of the drive.
 */
function simulate(
  dynamicsOf: LearningModel["dynamics"],
  p: ArrayLike<number>,
  schedule: Schedule,
  timesS: ArrayLike<number>,
): Float64Array {
  const out = new Float64Array(timesS.length);
  const g0 = p[0] as number;
  const order = Array.from({ length: timesS.length }, (_, i) => i).sort(
    (i, j) => (timesS[i] as number) - (timesS[j] as number),
  );
  // Breakpoints in minutes: where the drive switches.
  const edges = intervals(schedule).flatMap(([a, b]) => [a / 60, b / 60]);
  const regimes = [
    dynamicsOf(p, { on: false, trained: false }),
    dynamicsOf(p, { on: true, trained: true }),
    dynamicsOf(p, { on: false, trained: true }),
  ] as const;
  // Steps of equal length and regime recur (evenly spaced blocks), so each is computed once.
  const caches = [new Map<number, Step>(), new Map<number, Step>(), new Map<number, Step>()] as const;
  let x1 = 0;
  let x2 = 0;
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
      st = stepFor(regimes[r], dt);
      cache.set(dt, st);
    }
    const n1 = st.f11 * x1 + st.f12 * x2 + st.g1;
    x2 = st.f21 * x1 + st.f22 * x2 + st.g2;
    x1 = n1;
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
    out[i] = g0 + x1 + x2;
  }
  return out;
}
