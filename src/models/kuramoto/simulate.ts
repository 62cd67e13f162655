// Fixed-step integration of the EI-Kuramoto network (equations in model.ts), O(N) per step through the
// populations' order parameters. Euler–Maruyama: θ ← θ + dt·f(θ) + √(2D·dt)·N(0,1); RK4 (D = 0): classic
// four-stage Runge–Kutta, the order parameters re-evaluated at every stage. One run can be split across
// worker threads sharing the state (a shared WebAssembly.Memory) that claim its chunks, one barrier per stage.

import { tsWorker } from "../../core/ts-worker.ts";
import {
  allocate,
  CTRL_ACTIVE,
  CTRL_EXIT,
  CTRL_GEN,
  CTRL_LENGTH,
  CTRL_NEXT,
  EULER,
  type Field,
  INIT,
  Kernel,
  type KernelCode,
  kernelCode,
  type Layout,
  layout,
  orderParameters,
  PARAMS_LENGTH,
  RK1,
  RK2,
  RK3,
  RK4,
  readParams,
  type State,
  type Views,
  views,
  waitWhile,
  writeParams,
} from "./kernel.ts";
import { fillFrequencies, fillInitialPhases, inputFields, type Run } from "./model.ts";
import { gainAt } from "./modulation.ts";
import { runStreams } from "./rng.ts";

/** Order parameters sampled every `recordEvery`: R in [0, 1], ψ in (−π, π] rad, t in s. */
export interface Recording {
  t: Float64Array;
  RE: Float64Array;
  psiE: Float64Array;
  RI: Float64Array;
  psiI: Float64Array;
  R: Float64Array;
  psi: Float64Array;
  /** inhibition gain g(t) applied at that time (1 without modulation) */
  gain: Float64Array;
}

export interface SimResult {
  recording: Recording;
  steps: number;
  /** wall-clock seconds of the integration loop (excluding set-up) */
  seconds: number;
  /** CPU seconds of the whole process (every thread) during the integration loop */
  cpuSeconds: number;
  /** which step kernel ran (kernel.ts; both give the same bits) */
  kernel: KernelCode["kind"];
}

type Executor = (kind: number, f: Field) => void;

interface Prepared {
  lay: Layout;
  state: State;
  arrays: Views;
  /** initial phases, rad */
  theta: Float64Array;
}

function prepare(run: Run): Prepared {
  const { E, I } = run.model;
  const lay = layout(E.n, I.n);
  const state = allocate(lay, run.method === "rk4", run.model.noise > 0);
  const arrays = views(state);
  const streams = runStreams(run.seed, run.model.noise > 0 ? lay.nChunks : 0);
  streams.chunks.forEach((g, k) => {
    state.noise.set(g.getState(), 4 * k);
  });
  const { distribution, sampling } = run.model;
  fillFrequencies(E, distribution, sampling, streams.init, arrays.omega.subarray(0, E.n));
  fillFrequencies(I, distribution, sampling, streams.init, arrays.omega.subarray(E.n));
  const theta = new Float64Array(E.n + I.n);
  fillInitialPhases(run.initR0, streams.init, theta, E.n + I.n);
  for (let i = 0; i < theta.length; i++) {
    arrays.C[i] = Math.cos(theta[i] as number);
    arrays.S[i] = Math.sin(theta[i] as number);
  }
  return { lay, state, arrays, theta };
}

function integrate(run: Run, p: Prepared, kernel: KernelCode["kind"], exec: Executor): SimResult {
  const { dt, method, modulation } = run;
  const K = run.model.K;
  const steps = Math.round(run.duration / dt);
  const stride = Math.max(1, Math.round(run.recordEvery / dt));
  const nRec = Math.floor(steps / stride) + 1;
  const rec: Recording = {
    t: new Float64Array(nRec),
    RE: new Float64Array(nRec),
    psiE: new Float64Array(nRec),
    RI: new Float64Array(nRec),
    psiI: new Float64Array(nRec),
    R: new Float64Array(nRec),
    psi: new Float64Array(nRec),
    gain: new Float64Array(nRec),
  };
  const { nE, nI } = p.lay;
  const sigma = Math.sqrt(2 * run.model.noise * dt);
  const gains = (t: number) => {
    const g = gainAt(modulation, t);
    const on = modulation?.targets ?? [];
    return { EI: on.includes("EI") ? g : 1, II: on.includes("II") ? g : 1 };
  };
  const field = (t: number): Field => {
    const [hEre, hEim, hIre, hIim] = inputFields(K, gains(t), orderParameters(p.arrays.sums, p.lay));
    return { hEre, hEim, hIre, hIim, dt, sigma };
  };
  const record = (n: number, t: number) => {
    const j = n / stride;
    const [er, ei, ir, ii] = orderParameters(p.arrays.sums, p.lay);
    const tr = (nE * er + nI * ir) / (nE + nI);
    const ti = (nE * ei + nI * ii) / (nE + nI);
    rec.t[j] = t;
    rec.RE[j] = Math.hypot(er, ei);
    rec.psiE[j] = Math.atan2(ei, er);
    rec.RI[j] = Math.hypot(ir, ii);
    rec.psiI[j] = Math.atan2(ii, ir);
    rec.R[j] = Math.hypot(tr, ti);
    rec.psi[j] = Math.atan2(ti, tr);
    rec.gain[j] = gainAt(modulation, t);
  };
  const zero: Field = { hEre: 0, hEim: 0, hIre: 0, hIim: 0, dt, sigma };
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  exec(INIT, zero);
  for (let n = 0; n <= steps; n++) {
    const t = n * dt;
    if (n % stride === 0) record(n, t);
    if (n === steps) break;
    if (method === "euler") {
      exec(EULER, field(t));
    } else {
      exec(RK1, field(t));
      exec(RK2, field(t + 0.5 * dt));
      exec(RK3, field(t + 0.5 * dt));
      exec(RK4, field(t + dt));
    }
  }
  const cpu = process.cpuUsage(cpu0);
  return {
    recording: rec,
    steps,
    seconds: (performance.now() - t0) / 1000,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    kernel,
  };
}

/** Natural frequencies ω (rad/s) and initial phases θ(0) (rad) a run starts from, E first then I. */
export function initialConditions(run: Run): { omega: Float64Array; theta: Float64Array } {
  const { arrays, theta } = prepare(run);
  return { omega: arrays.omega.slice(), theta };
}

/** One run in this thread (used by tests and by sweep workers). */
export function simulateInProcess(run: Run): SimResult {
  const p = prepare(run);
  const code = kernelCode();
  const kernel = new Kernel(p.state, p.lay, code);
  return integrate(run, p, code.kind, (kind, f) => kernel.pass(kind, f));
}

/** One run split across `run.threads` threads (this one and run.threads − 1 workers) claiming chunks. */
export async function simulate(run: Run): Promise<SimResult> {
  if (run.threads === 1) return simulateInProcess(run);
  const p = prepare(run);
  const code = kernelCode();
  const ctrl = new Int32Array(new SharedArrayBuffer(4 * CTRL_LENGTH));
  const params = new Float64Array(new SharedArrayBuffer(8 * PARAMS_LENGTH));
  const exits: Promise<unknown>[] = [];
  const ready: Promise<void>[] = [];
  try {
    // start every worker before waiting for any: loading one costs hundreds of milliseconds
    for (let w = 1; w < run.threads; w++) {
      const worker = tsWorker(new URL("./sim.worker.ts", import.meta.url), {
        code,
        state: p.state,
        nE: p.lay.nE,
        nI: p.lay.nI,
        ctrl,
        params,
      });
      exits.push(new Promise((resolve) => worker.once("exit", resolve)));
      ready.push(
        new Promise<void>((resolve, reject) => {
          worker.once("message", () => resolve());
          worker.once("error", reject);
        }),
      );
    }
    await Promise.all(ready);
    const kernel = new Kernel(p.state, p.lay, code);
    return integrate(run, p, code.kind, (kind, f) => {
      // the order Kernel.share relies on: the pass, then GEN, then NEXT
      writeParams(params, kind, f);
      Atomics.add(ctrl, CTRL_GEN, 1);
      Atomics.store(ctrl, CTRL_NEXT, 0);
      Atomics.notify(ctrl, CTRL_GEN);
      kernel.share(ctrl, () => readParams(params));
      for (let a = Atomics.load(ctrl, CTRL_ACTIVE); a !== 0; a = Atomics.load(ctrl, CTRL_ACTIVE)) {
        waitWhile(ctrl, CTRL_ACTIVE, a);
      }
    });
  } finally {
    Atomics.store(ctrl, CTRL_EXIT, 1);
    Atomics.add(ctrl, CTRL_GEN, 1);
    Atomics.notify(ctrl, CTRL_GEN);
    await Promise.all(exits);
  }
}
