// The must-show of `hokr simulate`: a virtual cohort of 12 mice per group (seed 1) reproduces the study's
// pattern (Kanaya et al. 2023) with the statistics a paper would use. This is what
//   hokr simulate --group control,knockout,chr2-training,archt-training,archt-rest,chr2-rest --n 12 --seed 1
// computes and prints. 72 full sessions: about two minutes on two cores.
import { beforeAll, describe, expect, it } from "vitest";
import { type CohortOutput, simulateCohort } from "../src/cohort/cohort.ts";
import type { GroupName } from "../src/cohort/groups.ts";
import { defaultWorkers } from "../src/cohort/pool.ts";

let out: CohortOutput;
beforeAll(async () => {
  ({ output: out } = await simulateCohort({
    groups: ["control", "knockout", "chr2-training", "archt-training", "archt-rest", "chr2-rest"],
    n: 12,
    seed: 1,
    protocolDir: "protocols",
    throughSerial: false,
    workers: defaultWorkers(),
  }));
}, 900_000);

const group = (g: GroupName) => {
  const r = out.groups.find((x) => x.group === g);
  if (!r) throw new Error(`no group ${g}`);
  return r;
};
const vsControl = (g: GroupName, m: "online" | "offline" | "finalGain") => {
  const t = group(g).vsControl?.[m];
  if (!t) throw new Error(`${g}: no test against control`);
  return t;
};

describe("a virtual cohort of 12 per group (seed 1) reproduces the study", () => {
  it("online learning: chr2-training > control > archt-training (Welch p < 0.05), knockout negative", () => {
    expect(vsControl("chr2-training", "online").difference).toBeGreaterThan(0);
    expect(vsControl("chr2-training", "online").p).toBeLessThan(0.05);
    expect(vsControl("archt-training", "online").difference).toBeLessThan(0);
    expect(vsControl("archt-training", "online").p).toBeLessThan(0.05);
    expect(group("control").measures.online.ci95[0]).toBeGreaterThan(0);
    expect(group("knockout").measures.online.ci95[1]).toBeLessThan(0);
  });

  it("final gain after the rest: no group differs from control (p ≥ 0.05) except archt-rest, higher", () => {
    for (const g of ["knockout", "chr2-training", "archt-training", "chr2-rest"] as const)
      expect(vsControl(g, "finalGain").p, g).toBeGreaterThanOrEqual(0.05);
    expect(vsControl("archt-rest", "finalGain").difference).toBeGreaterThan(0);
    expect(vsControl("archt-rest", "finalGain").p).toBeLessThan(0.05);
  });

  it("states each claim with its test, effect size and CI; the data agree with every one", () => {
    expect(out.claims.length).toBeGreaterThanOrEqual(10);
    for (const c of out.claims) {
      expect(c.effect.ci95[0]).toBeLessThanOrEqual(c.effect.ci95[1]);
      expect(c.test.length).toBeGreaterThan(10);
    }
    for (const c of out.claims)
      console.log(
        `${c.supported ? "✓" : "✗"} ${c.claim}: ${c.effect.name} ${c.effect.value.toFixed(3)} ` +
          `[${c.effect.ci95[0].toFixed(3)}, ${c.effect.ci95[1].toFixed(3)}], p ${c.p.toPrecision(2)}`,
      );
    const failed = out.claims.filter((c) => !c.supported).map((c) => c.claim);
    console.log("claims the virtual cohort does not support:", failed);
    expect(failed).toEqual([]);
  });

  it("online and offline learning are independent (fitted-curve measures, parametric-bootstrap null)", () => {
    expect(out.independence?.n).toBe(48);
    expect(out.independence?.p).toBeGreaterThanOrEqual(0.05);
  });

  it("parallel, not serial: a_off > 0 and no slope k across the training groups", () => {
    expect(out.hypotheses?.groups).toEqual(["control", "knockout", "chr2-training", "archt-training"]);
    expect(out.hypotheses?.winner).toBe("parallel");
    expect(out.hypotheses?.tests.a_off.ci95[0]).toBeGreaterThan(0);
    expect(out.models.fits.every((f) => f.n === 72 * 16)).toBe(true);
  });
});
