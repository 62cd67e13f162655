// Parallel vs serial, the independence test and model recovery at sizes too large for tests:
// - hit rate of parallel vs serial over 200 cohorts of 12 animals per hypothesis (target ≥ 90%), on the
//   study's training groups (online learning differs) and on 12 control animals (it hardly does);
// - false-positive rate of the independence test over 1000 parallel cohorts, 199 resamples each
//   (target: within 2 points of α = 0.05; the rate's own SE is 0.7 points).
// Cohorts from the project's generator (src/fitting/synthetic.ts hypothesisCohort), block SD 0.002 gain
// (3× the virtual mouse's).
import { performance } from "node:perf_hooks";
import { testHypotheses } from "../src/fitting/hypotheses.ts";
import { independenceTest } from "../src/fitting/independence.ts";
import { hypothesisCohort } from "../src/fitting/synthetic.ts";

const NOISE = 0.002;

export async function bench(): Promise<void> {
  for (const [design, drives] of [
    ["training groups", undefined],
    ["12 controls", Array(12).fill(1)],
  ] as const) {
    const cohorts = 200;
    const t0 = performance.now();
    const rate = (gen: "parallel" | "serial") => {
      let hits = 0;
      for (let s = 1; s <= cohorts; s++)
        if (
          testHypotheses(hypothesisCohort(gen, 10_000 + s, { noise: NOISE, ...(drives ? { drives } : {}) }))
            .winner === gen
        )
          hits++;
      return hits / cohorts;
    };
    const p = rate("parallel");
    const s = rate("serial");
    console.log(
      `parallel vs serial, ${design}: hit rate parallel ${p.toFixed(3)}, serial ${s.toFixed(3)} over ${cohorts} cohorts each ` +
        `(${((performance.now() - t0) / (2 * cohorts)).toFixed(0)} ms per cohort)`,
    );
  }
  const cohorts = 1000;
  let rejections = 0;
  const t0 = performance.now();
  for (let s = 1; s <= cohorts; s++) {
    const t = independenceTest(hypothesisCohort("parallel", 20_000 + s, { noise: NOISE }), {
      resamples: 199,
      seed: s,
    });
    if ((t?.p ?? 1) <= 0.05) rejections++;
  }
  const rate = rejections / cohorts;
  console.log(
    `independence test false-positive rate at α = 0.05: ${rate.toFixed(3)} over ${cohorts} parallel cohorts ` +
      `(${Math.abs(rate - 0.05) <= 0.02 ? "within" : "NOT within"} 2 points; ${((performance.now() - t0) / cohorts).toFixed(0)} ms per cohort)`,
  );
}
