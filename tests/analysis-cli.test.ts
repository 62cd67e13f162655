// `hokr analyze` as a user runs it, on generated trace files with a known gain.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./helpers/cli.ts";
import { type SyntheticTrace, syntheticTrace } from "./helpers/synthetic-trace.ts";

const root = mkdtempSync(join(tmpdir(), "hokr-analyze-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const F = 0.17;
const CYCLES = 25;
let trace: SyntheticTrace;
const file = join(root, "mouse.csv");

/** Comma-separated, time in ms, columns named the way another lab might. */
function writeTrace(path: string, t: Float64Array, x: Float64Array, stim: Float64Array): void {
  const rows = ["frame,time_ms,eye_deg,drum_deg"];
  for (let i = 0; i < t.length; i++)
    rows.push(
      `${i},${((t[i] as number) * 1000).toFixed(3)},${(x[i] as number).toFixed(4)},${(stim[i] as number).toFixed(4)}`,
    );
  writeFileSync(path, `${rows.join("\n")}\n`);
}

beforeAll(() => {
  trace = syntheticTrace({
    rateHz: 250,
    durationS: CYCLES / F + 0.05,
    seed: 42,
    gain: [0.5, 0.6],
    lagDeg: 10,
  });
  writeTrace(file, trace.t, trace.x, trace.stim);
});

const MAPPING = ["--columns", "t=time_ms,x=eye_deg", "--time-unit", "ms"];

interface AnalyzeJson {
  file: string;
  samples: number;
  rate_hz: number;
  stimulus: { frequency_hz: number; amplitude_deg: number; start_s: number; source: string };
  cycles: {
    cycle: number;
    t_start_s: number;
    t_end_s: number;
    gain: number | null;
    phase_lag_deg: number | null;
    r2: number | null;
    used_fraction: number;
    good: boolean;
  }[];
  blocks: { block: number; t_s: number; gain: number | null; cycles_used: number; quality: string }[];
  warnings: string[];
}

describe("hokr analyze", () => {
  it("prints per-cycle and per-block gain for a trace with the stimulus given by parameters", async () => {
    const r = await runCli(["analyze", file, "--stim-amp", "10", "--stim-freq", String(F), ...MAPPING]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const blockRows = r.stdout
      .split("\n")
      .slice(r.stdout.split("\n").findIndex((l) => l.startsWith("block")) + 1)
      .filter((l) => /^\d/.test(l));
    expect(blockRows).toHaveLength(2);
    for (const row of blockRows) {
      const [, tS, gain, , , cycles, quality] = row.split(/\s+/);
      expect(Math.abs(Number(gain) - trace.gainAt(Number(tS)))).toBeLessThan(0.01);
      expect(cycles).toBe("10/10");
      expect(quality).toBe("ok");
    }
    expect(r.stdout.split("\n").filter((l) => /^\d+\s+\d+\.\d\d\s/.test(l)).length).toBe(CYCLES);
  });

  it("--json prints one object with cycles and blocks, here with the stimulus from its column", async () => {
    const r = await runCli([
      "analyze",
      file,
      "--stim-freq",
      String(F),
      "--columns",
      "t=time_ms,x=eye_deg,stim=drum_deg",
      "--time-unit",
      "ms",
      "--cycles-per-block",
      "5",
      "--json",
    ]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as AnalyzeJson;
    expect(Object.keys(out).sort()).toEqual(
      ["blocks", "cycles", "file", "rate_hz", "samples", "stimulus", "warnings"].sort(),
    );
    expect(out.samples).toBe(trace.t.length);
    expect(Math.abs(out.rate_hz - 250)).toBeLessThan(1);
    expect(out.stimulus.source).toBe("column drum_deg");
    expect(out.cycles).toHaveLength(CYCLES);
    expect(out.blocks).toHaveLength(CYCLES / 5);
    out.cycles.forEach((c, i) => {
      expect(c.cycle).toBe(i);
      expect(c.t_end_s - c.t_start_s).toBeCloseTo(1 / F, 9);
      expect(c.good).toBe(true);
      expect(Math.abs((c.phase_lag_deg ?? Number.NaN) - 10)).toBeLessThan(2);
    });
    for (const b of out.blocks) {
      expect(b.quality).toBe("ok");
      expect(Math.abs((b.gain ?? Number.NaN) - trace.gainAt(b.t_s))).toBeLessThan(0.015);
    }
  });

  const failsWith = async (args: string[], message: string | RegExp) => {
    const r = await runCli(["analyze", ...args]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  };
  const stim = ["--stim-amp", "10", "--stim-freq", String(F)];

  it("an unreadable file", async () => {
    await failsWith([join(root, "missing.csv"), ...stim], /missing\.csv: cannot read it: no such file/);
  });

  it("missing columns, listing the columns found", async () => {
    await failsWith(
      [file, ...stim],
      /mouse\.csv: line 1: no column "t" \(t\), "x" \(x\); columns found: "frame", "time_ms", "eye_deg", "drum_deg"/,
    );
  });

  it("a non-numeric cell, by line and column", async () => {
    const bad = join(root, "bad-cell.csv");
    writeFileSync(bad, "time_ms,eye_deg\n0,1\n4,1.1\n8,oops\n");
    await failsWith(
      [bad, ...stim, ...MAPPING],
      /bad-cell\.csv: line 4, column 2 \(eye_deg\): "oops" is not a number/,
    );
  });

  it("time that goes backwards", async () => {
    const bad = join(root, "backwards.csv");
    writeFileSync(bad, "time_ms,eye_deg\n0,1\n4,1.1\n3,1.2\n");
    await failsWith(
      [bad, ...stim, ...MAPPING],
      /backwards\.csv: line 4, column 1 \(time_ms\): time 3 ms is not after 4 ms/,
    );
  });

  it("sampling too sparse for the frequency, saying what rate is needed", async () => {
    const sparse = join(root, "sparse.csv");
    const every = 25; // 250 Hz → 10 Hz
    const pick = (a: Float64Array) => a.filter((_, i) => i % every === 0);
    writeTrace(sparse, pick(trace.t), pick(trace.x), pick(trace.stim));
    await failsWith(
      [sparse, ...stim, ...MAPPING],
      /sparse\.csv: time_ms: sampled at 10\.0 Hz .* needs at least 50\.0 Hz/,
    );
  });

  it("infers the time unit from the column's suffix or the sample spacing, else names the flag", async () => {
    const json = async (path: string, columns: string) => {
      const r = await runCli(["analyze", path, ...stim, "--columns", columns, "--json"]);
      expect(r.stderr).toBe("");
      return JSON.parse(r.stdout) as AnalyzeJson;
    };
    const bySuffix = await json(file, "t=time_ms,x=eye_deg");
    expect(Math.abs(bySuffix.rate_hz - 250)).toBeLessThan(1);
    const plain = join(root, "plain.csv");
    const rows = Array.from(
      trace.t,
      (t, i) => `${(t * 1e6).toFixed(0)},${(trace.x[i] as number).toFixed(4)}`,
    );
    writeFileSync(plain, `clock,eye\n${rows.join("\n")}\n`);
    const bySpacing = await json(plain, "t=clock,x=eye"); // 4000 per sample: µs
    bySpacing.blocks.forEach((b, i) => {
      expect(b.gain).toBeCloseTo(bySuffix.blocks[i]?.gain ?? Number.NaN, 6);
    });
    expect(bySpacing.blocks).toHaveLength(bySuffix.blocks.length);
    const odd = join(root, "odd.csv");
    writeFileSync(odd, `clock,eye\n${Array.from({ length: 200 }, (_, i) => `${i * 50},1`).join("\n")}\n`);
    await failsWith(
      [odd, ...stim, "--columns", "t=clock,x=eye"],
      /cannot tell the unit of time column "clock" \(median spacing 50\); pass --time-unit s, ms or us/,
    );
  });

  it("a bad option: an unknown column role, or no amplitude without a stimulus column", async () => {
    await failsWith([file, ...stim, "--columns", "t=time_ms,eye=eye_deg"], /unknown role 'eye'/);
    await failsWith([file, "--stim-freq", String(F), ...MAPPING], /--stim-amp is needed/);
  });
});
