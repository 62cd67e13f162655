// Fit time per animal per model, against scipy.optimize.curve_fit on the same data in the same run
// (tests/fixtures/fitting-scipy.py --stdin, default tolerances, one start). Target: ours ≤ 1× scipy's time.
// Data: one simulated animal per seed on the rich schedule (every parameter identifiable), noise SD 0.01.
import { execFileSync } from "node:child_process";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { fitModel } from "../src/fitting/model-fit.ts";
import { RICH_SCHEDULE_MIN, simulateAnimal } from "../src/fitting/synthetic.ts";
import { LEARNING_MODELS, MODEL_NAMES, type ModelName } from "../src/models/learning/index.ts";

const ANIMALS = 20;
const TRUTH: Record<ModelName, number[]> = {
  parallel: [0.45, 0.25, 6, 15, 0.12, 40],
  serial: [0.45, 0.25, 6, 25, 0.8, 40],
  nested: [0.45, 0.3, 6, 15, 0.1, 1.5, 20],
  "two-state": [0.45, 0.4, 0.15, 8, 0.02, 200],
  transfer: [0.45, 0.3, 10, 40, 120],
};
const SCRIPT = fileURLToPath(new URL("../tests/fixtures/fitting-scipy.py", import.meta.url));

/** ms per fit of `fit` over `count` fits: the best of 3 rounds (the machine is shared; JIT warms in round 1). */
function msPerFit(run: () => void, count: number): number {
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 3; round++) {
    const t0 = performance.now();
    for (let i = 0; i < count; i++) run();
    best = Math.min(best, (performance.now() - t0) / count);
  }
  return best;
}

export async function bench(): Promise<void> {
  const lines = [
    "model       points  params  hokr 1 start  hokr 3 starts  scipy curve_fit  scipy/hokr(1)  scipy/hokr(3)",
  ];
  for (const name of MODEL_NAMES) {
    const model = LEARNING_MODELS[name];
    const data = Array.from({ length: ANIMALS }, (_, i) =>
      simulateAnimal(model, TRUTH[name], RICH_SCHEDULE_MIN, 0.01, 1000 + i),
    );
    let next = 0;
    const one = (startScales?: number[]) => () => {
      fitModel(model, [data[next++ % ANIMALS] as (typeof data)[number]], startScales ? { startScales } : {});
    };
    const single = msPerFit(one([1]), ANIMALS);
    const multi = msPerFit(one(), ANIMALS);
    const jobs = data.map((d) => ({
      model: name,
      stimulusOn: d.schedule.stimulusOn,
      t: Array.from(d.t),
      y: Array.from(d.gain),
      tight: false,
    }));
    const refs = JSON.parse(
      execFileSync("/usr/bin/python3", [SCRIPT, "--stdin"], {
        input: JSON.stringify(jobs),
        encoding: "utf8",
      }),
    ) as Array<{ secondsPerFit: number }>;
    const scipy = (refs.reduce((s, r) => s + r.secondsPerFit, 0) / refs.length) * 1000;
    lines.push(
      `${name.padEnd(10)} ${String(data[0]?.t.length).padStart(7)} ${String(model.params.length).padStart(7)} ` +
        `${single.toFixed(2).padStart(10)} ms ${multi.toFixed(2).padStart(11)} ms ${scipy.toFixed(2).padStart(13)} ms ` +
        `${(scipy / single).toFixed(1).padStart(12)}× ${(scipy / multi).toFixed(1).padStart(13)}×`,
    );
  }
  lines.push(
    `(${ANIMALS} animals per model; hokr default tolerances are tighter than scipy's: ftol 1e-12 vs 1e-8; ` +
      "ratio > 1 means hokr is faster)",
  );
  process.stdout.write(`${lines.join("\n")}\n`);
}
