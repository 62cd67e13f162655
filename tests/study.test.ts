// The study (Kanaya et al. 2023), reproduced by the virtual cohort `hokr simulate` makes: 12 mice per group
// (seed 1), each a full simulated session through its group's protocol. The cohort is simulated once, here,
// and every claim is asserted on that one result:
//   hokr simulate --group control,knockout,chr2-training,archt-training,archt-rest,chr2-rest --n 12 --seed 1
// Glial light changes online learning only; after the rest every group is back at the control level, except
// ArchT during rest, which adds offline learning; online and offline learning are independent; across animals
// the data favour parallel over serial learning. 72 full sessions: about a minute on two cores.
import { beforeAll, describe, expect, it } from "vitest";
import { type CohortOutput, simulateCohort } from "../src/cohort/cohort.ts";
import type { GroupName } from "../src/cohort/groups.ts";
import type { Measure } from "../src/cohort/report.ts";
import { defaultWorkers } from "../src/core/ts-worker.ts";

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
const mean = (g: GroupName, m: Measure) => group(g).measures[m].mean;
const vsControl = (g: GroupName, m: Measure) => {
  const t = group(g).vsControl?.[m];
  if (!t) throw new Error(`${g}: no test against control`);
  return t;
};

describe("a virtual cohort of 12 per group (seed 1) reproduces the study", () => {
  it("has every animal of every group", () => {
    expect(out.groups.map((g) => [g.group, g.n])).toEqual(
      ["control", "knockout", "chr2-training", "archt-training", "archt-rest", "chr2-rest"].map((g) => [
        g,
        12,
      ]),
    );
    for (const g of out.groups)
      expect(g.animals.every((a) => a.online !== null && a.finalGain !== null)).toBe(true);
  });

  it("online learning: chr2-training > control > archt-training (Welch p < 0.05), knockout negative", () => {
    expect(vsControl("chr2-training", "online").difference).toBeGreaterThan(0);
    expect(vsControl("chr2-training", "online").p).toBeLessThan(0.05);
    expect(vsControl("archt-training", "online").difference).toBeLessThan(0);
    expect(vsControl("archt-training", "online").p).toBeLessThan(0.05);
    expect(group("control").measures.online.ci95[0]).toBeGreaterThan(0);
    expect(group("knockout").measures.online.ci95[1]).toBeLessThan(0);
  });

  it("online learning in size: chr2-training above control by > 0.05, control > 0.1, archt-training ≈ 0, knockout < −0.03", () => {
    expect(mean("chr2-training", "online")).toBeGreaterThan(mean("control", "online") + 0.05);
    expect(mean("control", "online")).toBeGreaterThan(0.1);
    expect(Math.abs(mean("archt-training", "online"))).toBeLessThan(0.03);
    expect(mean("knockout", "online")).toBeLessThan(-0.03);
  });

  it("light during rest leaves online learning alone (no difference from control, means within 0.02)", () => {
    for (const g of ["archt-rest", "chr2-rest"] as const) {
      expect(vsControl(g, "online").p, g).toBeGreaterThanOrEqual(0.05);
      expect(Math.abs(vsControl(g, "online").difference), g).toBeLessThan(0.02);
    }
  });

  it("final gain after the rest: no group differs from control (p ≥ 0.05) except archt-rest, higher", () => {
    for (const g of ["knockout", "chr2-training", "archt-training", "chr2-rest"] as const)
      expect(vsControl(g, "finalGain").p, g).toBeGreaterThanOrEqual(0.05);
    expect(vsControl("archt-rest", "finalGain").difference).toBeGreaterThan(0);
    expect(vsControl("archt-rest", "finalGain").p).toBeLessThan(0.05);
  });

  it("after rest every group's mean is within 0.05 of control, except archt-rest, higher by > 0.08", () => {
    for (const g of ["knockout", "chr2-training", "archt-training", "chr2-rest"] as const)
      expect(Math.abs(vsControl(g, "finalGain").difference), g).toBeLessThan(0.05);
    expect(vsControl("archt-rest", "finalGain").difference).toBeGreaterThan(0.08);
    expect(vsControl("archt-rest", "offline").difference).toBeGreaterThan(0.08);
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
