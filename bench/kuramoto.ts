// EI-Kuramoto mean-field Euler step: oscillator-steps per second of the JS simulator (one thread and all
// cores) against numpy running the same step (Debian /usr/bin/python3), measured in the same run.
// Network: N_E = 0.8 N, N_I = 0.2 N, Lorentzian quantile frequencies, the "bistable" couplings, D = 0,
// dt = 0.01 s. numpy is timed twice: with cos/sin arrays (vectorised, AVX-512 SVML on this machine) and with
// complex exponentials e^{iθ}, the more literal transcription.
import { execFileSync } from "node:child_process";
import { availableParallelism } from "node:os";
import { PRESETS, RunSchema } from "../src/models/kuramoto/model.ts";
import { simulate } from "../src/models/kuramoto/simulate.ts";

const K = PRESETS.bistable;
const DT = 0.01;

const NUMPY = `
import json, sys, time, resource
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
def cplx(steps):
    global th
    for _ in range(steps):
        e = np.exp(1j * th); zE = e[E].mean(); zI = e[I].mean()
        h = np.where(np.arange(N) < nE, K["EE"] * zE - K["EI"] * zI, K["IE"] * zE - K["II"] * zI)
        th += dt * (om + np.imag(h * np.conj(e)))
out = {}
for name, run in (("real", real), ("complex", cplx)):
    run(2)
    t0 = time.perf_counter(); run(steps); out[name] = N * steps / (time.perf_counter() - t0)
out["maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(out))
`;

/** numpy rates: `real` with cos/sin arrays (the same arithmetic as the JS step), `complex` with e^{iθ}. */
function numpyRate(n: number, steps: number): { real: number; complex: number; maxrss_mb: number } {
  const out = execFileSync("/usr/bin/python3", ["-c", NUMPY], {
    input: JSON.stringify({ n, steps, K, dt: DT }),
  });
  return JSON.parse(out.toString());
}

async function jsRate(n: number, steps: number, threads: number): Promise<number> {
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
  const r = await simulate(run);
  return (n * r.steps) / r.seconds;
}

export async function bench(): Promise<void> {
  const cores = availableParallelism();
  const M = (x: number) => `${(x / 1e6).toFixed(1)} M/s`;
  await jsRate(100_000, 50, 1); // JIT warm-up
  process.stdout.write(`oscillator-steps per second, Euler mean-field step, ${cores} cores\n`);
  process.stdout.write(
    "N\tJS 1 thread\tJS all cores\tnumpy cos/sin\tnumpy e^{iθ}\tJS all cores / numpy (cos/sin, e^{iθ})\tnumpy peak RSS\n",
  );
  for (const [n, steps] of [
    [100_000, 300],
    [1_000_000, 40],
  ] as const) {
    const one = await jsRate(n, steps, 1);
    const all = await jsRate(n, steps, cores);
    const np = numpyRate(n, steps);
    process.stdout.write(
      `${n}\t${M(one)}\t${M(all)}\t${M(np.real)}\t${M(np.complex)}\t${(all / np.real).toFixed(2)}×, ${(all / np.complex).toFixed(2)}×\t${np.maxrss_mb.toFixed(0)} MB\n`,
    );
  }
  const rss = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(`JS peak RSS of this process (all runs, up to N = 1e6): ${rss.toFixed(0)} MB\n`);
}
