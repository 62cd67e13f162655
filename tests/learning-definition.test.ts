// One definition of online/offline learning (src/analysis/learning.ts): `hokr run` and `hokr fit` of one
// session report the same learning; block selection by the session timeline, not by phase names.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { learningSummary, learningWindows, sessionLearning } from "../src/analysis/learning.ts";
import { runCliSync } from "./helpers/cli.ts";

const root = mkdtempSync(join(tmpdir(), "hokr-learning-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const hokr = (...args: string[]) => {
  const r = runCliSync(args);
  if (r.code !== 0) throw new Error(`hokr ${args.join(" ")}: ${r.stderr}`);
  return JSON.parse(r.stdout);
};

const timeline = {
  trainingStartS: 30,
  phases: [
    { name: "pretest", startS: 0, endS: 30, stimulusOn: true },
    { name: "training", startS: 30, endS: 330, stimulusOn: true },
    { name: "rest", startS: 330, endS: 450, stimulusOn: false },
    { name: "probe", startS: 450, endS: 510, stimulusOn: true },
  ],
};
const block = (t_s: number, gain: number, quality = "ok") => ({ t_s, gain, quality });

describe("online and offline learning", () => {
  it("hokr run --json and hokr fit of the same session agree", () => {
    const protocol = join(root, "short.json");
    writeFileSync(
      protocol,
      JSON.stringify({
        name: "short",
        stimulus: { kind: "drum", amplitudeDeg: 10, frequencyHz: 0.17 },
        phases: [
          { name: "pretest", cycles: 5, stimulus: { on: true }, cyclesPerBlock: 5 },
          { name: "training", durationS: 180, stimulus: { on: true }, cyclesPerBlock: 5 },
          { name: "rest", durationS: 60, stimulus: { on: false } },
          { name: "test", cycles: 10, stimulus: { on: true }, cyclesPerBlock: 5 },
        ],
        light: [],
      }),
    );
    const dir = join(root, "s1");
    const run = hokr("run", protocol, "--sim", "--seed", "4", "--json", "--out", dir);
    const fit = hokr("fit", dir, "--json", "--model", "parallel");
    expect(run.onlineLearning).not.toBeNull();
    expect(run.offlineLearning).not.toBeNull();
    // gain.tsv holds 6 decimals
    expect(fit.animals[0].online).toBeCloseTo(run.onlineLearning, 5);
    expect(fit.animals[0].offline).toBeCloseTo(run.offlineLearning, 5);
  });

  it("selects blocks by the timeline's windows and skips NaN and flagged blocks", () => {
    const w = learningWindows(timeline);
    expect(w).toEqual({ trainingEndS: 300, testStartS: 420 });
    const s = learningSummary(
      [
        block(-15, 0.4), // pretest: not training
        block(15, Number.NaN),
        block(45, 0.5),
        block(150, 0.6),
        block(285, 0.9, "poor-fit"),
        block(270, 0.7),
        block(435, 0.8),
      ],
      w,
    );
    expect(s.firstTrainingGain).toBe(0.5);
    expect(s.lastTrainingGain).toBe(0.7);
    expect(s.testGain).toBe(0.8);
    expect(s.onlineLearning).toBeCloseTo(0.2, 12);
    expect(s.offlineLearning).toBeCloseTo(0.1, 12);
  });

  it("has no offline learning without a rest followed by stimulus, and none at all without training", () => {
    const noRest = { ...timeline, phases: timeline.phases.slice(0, 2) };
    expect(learningWindows(noRest).testStartS).toBeUndefined();
    expect(sessionLearning([block(45, 0.5), block(100, 0.6)], noRest).offlineLearning).toBeNull();
    expect(
      sessionLearning([block(45, 0.5)], { trainingStartS: 0, phases: [timeline.phases[2] as never] })
        .onlineLearning,
    ).toBeNull();
  });
});
