// The study's result, reproduced by one virtual mouse (same seed) run through every group's protocol:
// glial light changes online learning only; after the rest every group is back at the control level,
// except ArchT during rest, which adds offline learning.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SubjectFlag } from "../mocks/mouse-parameters.ts";
import type { LearningSummary } from "../src/analysis/learning.ts";
import { runSimulated } from "../src/app/rig-sessions.ts";
import { SIMULATED_RIG } from "../src/config/rig-config.ts";
import { loadProtocol } from "../src/protocol/load.ts";

const groups: [string, string, SubjectFlag[]][] = [
  ["control", "control", []],
  ["knockout", "control", ["lrrc8a-ko"]],
  ["chr2-training", "chr2-training", []],
  ["archt-training", "archt-training", []],
  ["archt-rest", "archt-rest", []],
  ["chr2-rest", "chr2-rest", []],
];
const root = mkdtempSync(join(tmpdir(), "hokr-study-"));
const results = new Map<string, LearningSummary>();

beforeAll(async () => {
  for (const [group, protocol, flags] of groups) {
    const out = await runSimulated({
      loaded: loadProtocol(`protocols/${protocol}.json`, SIMULATED_RIG),
      seed: 1,
      flags,
      outDir: join(root, group),
    });
    results.set(group, out.summary);
  }
}, 120_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

const get = (g: string, k: keyof LearningSummary): number => {
  const v = results.get(g)?.[k];
  if (typeof v !== "number") throw new Error(`${g}: no ${k}`);
  return v;
};

describe("study pattern (Kanaya et al. 2023) on the simulated rig", () => {
  it("online learning: chr2-training > control > archt-training ≈ 0 > knockout", () => {
    expect(get("chr2-training", "onlineLearning")).toBeGreaterThan(get("control", "onlineLearning") + 0.05);
    expect(get("control", "onlineLearning")).toBeGreaterThan(0.1);
    expect(Math.abs(get("archt-training", "onlineLearning"))).toBeLessThan(0.03);
    expect(get("knockout", "onlineLearning")).toBeLessThan(-0.03);
  });

  it("light during rest leaves online learning alone (same animal, same training)", () => {
    expect(get("archt-rest", "onlineLearning")).toBeCloseTo(get("control", "onlineLearning"), 2);
    expect(get("chr2-rest", "onlineLearning")).toBeCloseTo(get("control", "onlineLearning"), 2);
  });

  it("after rest every group is within 0.05 of control, except archt-rest, which is higher", () => {
    const control = get("control", "testGain");
    for (const g of ["knockout", "chr2-training", "archt-training", "chr2-rest"])
      expect(Math.abs(get(g, "testGain") - control), g).toBeLessThan(0.05);
    expect(get("archt-rest", "testGain")).toBeGreaterThan(control + 0.08);
    expect(get("archt-rest", "offlineLearning")).toBeGreaterThan(get("control", "offlineLearning") + 0.08);
  });
});
