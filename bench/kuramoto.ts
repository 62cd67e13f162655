// EI-Kuramoto mean-field Euler step (issue #14 row: ≥ 3× numpy at N = 1e5 and 1e6 on 2 cores): oscillator-steps
// per second of hokr's step kernel (the native one where `npm ci` built it, else WebAssembly SIMD) on 1 thread
// and on 2, against numpy running the same step with vectorised cos/sin arrays (Debian /usr/bin/python3),
// measured in the same run. Each figure is the best of REPEATS runs, numpy's too, since the machine may be
// shared.
// Network: N_E = 0.8 N, N_I = 0.2 N, Lorentzian quantile frequencies, the "bistable" couplings, D = 0,
// dt = 0.01 s.
import { execFileSync } from "node:child_process";
import { PRESETS, RunSchema } from "../src/models/kuramoto/model.ts";
import { simulate } from "../src/models/kuramoto/simulate.ts";
import { peakRssMB } from "./child.ts";

const K = PRESETS.bistable;
const DT = 0.01;
const REPEATS = 3;
const TARGET = 3;

const NUMPY = `
import json, sys, time
import numpy as np
d = json.load(sys.stdin); N = d["n"]; steps = d["steps"]; K = d["K"]; dt = d["dt"]
nE = int(0.8 * N); nI = N - nE
q = lambda n: (np.arange(n) + 0.5) / n
om = np.concatenate([np.tan(np.pi * (q(nE) - 0.5)), np.tan(np.pi * (q(nI) - 0.5))])
th = np.random.default_rng(1).uniform(-np.pi, np.pi, N)
E = slice(0, nE); I = slice(nE, None)
def real(steps):
    global th
    for _ in range(steps):
        c = np.cos(th); s = np.sin(th)
        zEr = c[E].mean(); zEi = s[E].mean(); zIr = c[I].mean(); zIi = s[I].mean()
        hEr = K["EE"] * zEr - K["EI"] * zIr; hEi = K["EE"] * zEi - K["EI"] * zIi
        hIr = K["IE"] * zEr - K["II"] * zIr; hIi = K["IE"] * zEi - K["II"] * zIi
        th[E] += dt * (om[E] + hEi * c[E] - hEr * s[E])
        th[I] += dt * (om[I] + hIi * c[I] - hIr * s[I])
real(2)
best = {"wall": 0, "cpu": 0}
for _ in range(d["repeats"]):
    t0 = time.perf_counter(); c0 = time.process_time(); real(steps)
    best["wall"] = max(best["wall"], N * steps / (time.perf_counter() - t0))
    best["cpu"] = max(best["cpu"], N * steps / (time.process_time() - c0))
print(json.dumps(best))
`;

/** Oscillator-steps per second of wall-clock time and per CPU-second of the process (best of REPEATS each). */
interface Rate {
  wall: number;
  cpu: number;
}

/** Which kernel the runs used (kernel.ts). */
let kernel = "";

/** numpy's rate with cos/sin arrays, the same arithmetic as hokr's step. */
function numpyRate(n: number, steps: number): Rate {
  const out = execFileSync("/usr/bin/python3", ["-c", NUMPY], {
    input: JSON.stringify({ n, steps, K, dt: DT, repeats: REPEATS }),
  });
  return JSON.parse(out.toString()) as Rate;
}

/** hokr's rate; CPU time of all its threads during the integration. */
async function hokrRate(n: number, steps: number, threads: number): Promise<Rate> {
  const run = RunSchema.parse({
    model: {
      E: { n: Math.floor(0.8 * n), center: 0, width: 1 },
      I: { n: n - Math.floor(0.8 * n), center: 0, width: 1 },
      K,
      distribution: "lorentzian",
      sampling: "quantile",
      noise: 0,
    },
    method: "euler",
    dt: DT,
    duration: steps * DT,
    recordEvery: steps * DT,
    seed: 1,
    initR0: 0,
    threads,
  });
  const best = { wall: 0, cpu: 0 };
  for (let i = 0; i < REPEATS; i++) {
    const r = await simulate(run);
    kernel = r.kernel;
    best.wall = Math.max(best.wall, (n * r.steps) / r.seconds);
    best.cpu = Math.max(best.cpu, (n * r.steps) / r.cpuSeconds);
  }
  return best;
}

export async function bench(): Promise<void> {
  const M = (x: number) => `${(x / 1e6).toFixed(1)} M/s`;
  await hokrRate(100_000, 50, 1); // JIT warm-up
  process.stdout.write(
    `EI-Kuramoto Euler step, oscillator-steps per second (best of ${REPEATS}); target hokr ≥ ${TARGET}× numpy cos/sin\n`,
  );
  process.stdout.write(
    `N\tthreads\thokr (${kernel} kernel)\tnumpy cos/sin\thokr / numpy\ttarget\t| per CPU-second: hokr, numpy, ratio\n`,
  );
  for (const [n, steps] of [
    [100_000, 200],
    [1_000_000, 30],
  ] as const) {
    const np = numpyRate(n, steps);
    for (const threads of [1, 2]) {
      const hokr = await hokrRate(n, steps, threads);
      const ratio = hokr.wall / np.wall;
      const met = ratio >= TARGET ? "met" : "NOT met";
      const cpu = `${M(hokr.cpu)}\t${M(np.cpu)}\t${(hokr.cpu / np.cpu).toFixed(2)}×`;
      process.stdout.write(
        `${n}\t${threads}\t${M(hokr.wall)}\t${M(np.wall)}\t${ratio.toFixed(2)}×\t${met}\t| ${cpu}\n`,
      );
    }
  }
  process.stdout.write(
    "(per CPU-second: work per core, barely moved by other processes on a shared machine; hokr's 2-thread figure counts its threads' spinning at barriers)\n",
  );
  process.stdout.write(
    `peak memory of this bench process so far (all runs, up to N = 1e6): ${peakRssMB().toFixed(0)} MB\n`,
  );
}
