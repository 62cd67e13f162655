// Protocol files: the shipped ones are valid; broken ones are rejected with the place and the fix.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { jsonSchemaText } from "../src/cli/commands/schema.ts";
import { FileProblem } from "../src/config/json-file.ts";
import { SIMULATED_RIG } from "../src/config/rig-config.ts";
import { loadProtocol } from "../src/protocol/load.ts";
import { Protocol } from "../src/protocol/schema.ts";
import { buildTimeline, dutyCycle, lightOnIntervals } from "../src/protocol/timeline.ts";
import { runCli } from "./helpers/cli.ts";

const dir = mkdtempSync(join(tmpdir(), "hokr-protocols-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const base = {
  name: "broken",
  phases: [
    { name: "training", durationS: 900, stimulus: { on: true } },
    { name: "rest", durationS: 3600 },
    { name: "test", cycles: 10, stimulus: { on: true } },
  ],
  light: [] as unknown[],
};
const chr2 = {
  channel: "blue",
  opsin: "ChR2",
  wavelengthNm: 470,
  powerMw: 3,
  window: { phase: "training" },
  pattern: { kind: "pulses", pulseWidthMs: 500, periodMs: 1000 },
};

function write(name: string, content: unknown): string {
  const file = join(dir, `${name}.json`);
  writeFileSync(file, typeof content === "string" ? content : JSON.stringify(content, null, 2));
  return file;
}

describe("shipped protocols", () => {
  const files = readdirSync("protocols").filter((f) => f.endsWith(".json") && !f.includes("schema"));
  it("cover the study's groups", () => {
    expect(files.sort()).toEqual([
      "archt-rest.json",
      "archt-training.json",
      "chr2-rest.json",
      "chr2-training.json",
      "control.json",
    ]);
  });
  it("reference a JSON Schema that matches the zod schema (regenerate: hokr schema protocol > protocols/protocol.schema.json)", () => {
    expect(readFileSync("protocols/protocol.schema.json", "utf8")).toBe(jsonSchemaText("protocol"));
    for (const f of files)
      expect(JSON.parse(readFileSync(join("protocols", f), "utf8")).$schema).toBe("./protocol.schema.json");
  });

  it.each(files)("%s is valid and follows the study's schedule", (f) => {
    const { timeline } = loadProtocol(join("protocols", f), SIMULATED_RIG);
    expect(timeline.phases.map((p) => p.name)).toEqual(["training", "rest", "test"]);
    const durations = timeline.phases.map((p) => p.endS - p.startS);
    for (const [i, d] of [900, 3600, 10 / 0.17].entries()) expect(durations[i]).toBeCloseTo(d, 9);
    expect(timeline.phases[0]?.stimulus).toMatchObject({ amplitudeDeg: 10, frequencyHz: 0.17 });
  });
});

describe("protocol defaults and timeline", () => {
  it("fills in the study's stimulus and block size when the file is silent", () => {
    const p = Protocol.parse({
      name: "minimal",
      phases: [{ name: "training", durationS: 60, stimulus: { on: true } }],
    });
    const t = buildTimeline(p);
    expect(t.phases[0]?.stimulus).toMatchObject({ kind: "drum", amplitudeDeg: 10, frequencyHz: 0.17 });
    expect(t.phases[0]?.cyclesPerBlock).toBe(10);
  });

  it("applies the protocol's stimulus to every phase, and a phase's own settings over it", () => {
    const p = Protocol.parse({
      name: "fast",
      stimulus: { frequencyHz: 0.5, amplitudeDeg: 5 },
      phases: [
        { name: "training", durationS: 60, stimulus: { on: true } },
        { name: "test", cycles: 4, stimulus: { on: true, frequencyHz: 1, kind: "stripe" } },
      ],
    });
    const [training, test] = buildTimeline(p).phases;
    expect(training?.stimulus).toMatchObject({ kind: "drum", amplitudeDeg: 5, frequencyHz: 0.5 });
    expect(test?.stimulus).toMatchObject({ kind: "stripe", amplitudeDeg: 5, frequencyHz: 1 });
    expect((test?.endS ?? 0) - (test?.startS ?? 0)).toBeCloseTo(4);
  });

  it("expands pulse trains within their window", () => {
    const intervals = [
      ...lightOnIntervals({
        startS: 10,
        endS: 13,
        pattern: {
          kind: "pulses",
          pulseWidthMs: 100,
          periodMs: 500,
          trainDurationS: 1,
          interTrainIntervalS: 1,
        },
      }),
    ];
    expect(intervals.map(([a, b]) => [a, Number(b.toFixed(9))])).toEqual([
      [10, 10.1],
      [10.5, 10.6],
      [12, 12.1],
      [12.5, 12.6],
    ]);
    expect(
      dutyCycle({
        kind: "pulses",
        pulseWidthMs: 100,
        periodMs: 500,
        trainDurationS: 1,
        interTrainIntervalS: 1,
      }),
    ).toBeCloseTo(0.1);
  });
});

describe("hokr validate", () => {
  it("prints ok and the timeline for a valid protocol, exit 0", async () => {
    const r = await runCli(["validate", "protocols/chr2-training.json"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ok /);
    expect(r.stdout).toMatch(/training\s+0:00\s+15:00/);
    expect(r.stdout).toMatch(/rest\s+15:00\s+1:15:00\s+stimulus off/);
    expect(r.stdout).toMatch(/blue\s+ChR2 470 nm 3 mW\s+training 0:00–15:00\s+pulses 500 ms every 1000 ms/);
  });

  const broken: [string, unknown, RegExp[]][] = [
    ["not JSON", '{\n  "name": "x",\n}', [/not valid JSON at line 3, column 1/]],
    [
      "missing field",
      { ...base, phases: [{ name: "training", stimulus: { on: true } }] },
      [/phases\[0\]\.durationS: give exactly one of `durationS` \(seconds\) or `cycles`/],
    ],
    ["missing name", { phases: base.phases }, [/name: required string is missing; add it/]],
    [
      "negative duration",
      { ...base, phases: [{ name: "training", durationS: -5, stimulus: { on: true } }] },
      [/phases\[0\]\.durationS: must be > 0 seconds/],
    ],
    [
      "misspelt key",
      { ...base, phases: [{ name: "training", durationSec: 5, stimulus: { on: true } }] },
      [/phases\[0\]: unknown key 'durationSec'; did you mean 'durationS'\?/],
    ],
    [
      "unknown phase in a light window",
      { ...base, light: [{ ...chr2, window: { phase: "trainig" } }] },
      [/light\[0\]\.window\.phase: unknown phase 'trainig'; expected one of: training, rest, test/],
    ],
    [
      "power beyond the limit",
      { ...base, light: [{ ...chr2, powerMw: 50 }] },
      [
        /light\[0\] \(channel 'blue', window 'training' 0–900 s\): power 50 mW exceeds the limit 20 mW; lower powerMw/,
      ],
    ],
    [
      "duty cycle beyond the limit",
      { ...base, light: [{ ...chr2, pattern: { kind: "pulses", pulseWidthMs: 900, periodMs: 1000 } }] },
      [/duty cycle 0\.900 exceeds the limit 0\.5/],
    ],
    [
      "continuous light for too long",
      { ...base, light: [{ ...chr2, window: { phase: "rest" }, pattern: { kind: "continuous" } }] },
      [
        /light\[0\] \(channel 'blue', window 'rest' 900–4500 s\): light stays on for 3600\.0 s at a stretch, beyond the limit 10 s; use pulses/,
      ],
    ],
    [
      "wrong wavelength for the channel",
      { ...base, light: [{ ...chr2, channel: "amber" }] },
      [/asks for 470 nm but channel 'amber' emits 593 nm/],
    ],
  ];

  it.each(broken)("rejects a protocol with %s: clear message, exit 1", async (name, content, messages) => {
    const file = write(name.replaceAll(" ", "-"), content);
    const r = await runCli(["validate", file]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(file);
    for (const m of messages) expect(r.stderr).toMatch(m);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it("reports every problem of a file at once", () => {
    const file = write("many", {
      ...base,
      phases: [{ name: "training", durationS: -1, stimulus: { on: true } }],
      light: [{ ...chr2, window: { phase: "nope" } }],
    });
    try {
      loadProtocol(file, SIMULATED_RIG);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(FileProblem);
      expect((e as FileProblem).problems.length).toBe(2);
    }
  });

  it("names a missing file", async () => {
    const r = await runCli(["validate", join(dir, "nope.json")]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/nope\.json: no such file; check the path/);
  });
});
