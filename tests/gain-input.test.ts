// Gain tables from anyone (src/fitting/gain-input.ts) and time units from column names or sample spacing
// (src/analysis/trace-file.ts).
import { describe, expect, it } from "vitest";
import { parseGainInput } from "../src/fitting/gain-input.ts";
import { unitFromName, unitFromSpacing } from "../src/recording/trace-file.ts";

describe("gain tables", () => {
  it("reads time and gain, converts the time unit its name declares, splits animals", () => {
    const t = parseGainInput("id,time_min,g\na,0.5,0.4\na,1.5,0.5\nb,0.5,0.3\n", "x.csv", {
      t: "time_min",
      gain: "g",
      animal: "id",
    });
    expect([...t.animals.keys()]).toEqual(["a", "b"]);
    expect(t.animals.get("a")?.map((b) => [b.t_s, b.gain, b.quality])).toEqual([
      [30, 0.4, "ok"],
      [90, 0.5, "ok"],
    ]);
    expect(t.hasPhase).toBe(false);
  });

  it("takes the gain.tsv names by default and keeps NaN gains for exclusion", () => {
    const t = parseGainInput("t_s\tphase\tgain\n30\ttraining\tNaN\n90\ttraining\t0.5\n", "g.tsv");
    const blocks = t.animals.get("") ?? [];
    expect(blocks.map((b) => b.phase)).toEqual(["training", "training"]);
    expect(Number.isNaN(blocks[0]?.gain)).toBe(true);
    expect(t.hasPhase).toBe(true);
  });

  it("names the problem and the fix", () => {
    expect(() => parseGainInput("time,gain\n1,0.4\n", "a.csv")).toThrow(
      /a\.csv: the unit of time column "time" is unknown; pass --time-unit/,
    );
    expect(() => parseGainInput("t_s,g\n1,0.4\n", "b.csv")).toThrow(
      /b\.csv: missing column\(s\) gain; columns found: "t_s", "g"; name them with --columns/,
    );
    expect(() => parseGainInput("t_s,gain\nx,0.4\n", "c.csv")).toThrow(/c\.csv:2: t_s "x" is not a number/);
  });
});

describe("time units", () => {
  it("from a column name's suffix", () => {
    expect(["t_s", "t_ms", "time_us", "time (s)", "time_min", "t_h", "time", "ts"].map(unitFromName)).toEqual(
      ["s", "ms", "us", "s", "min", "h", undefined, undefined],
    );
  });

  it("from an eye trace's sample spacing, or undefined where units overlap", () => {
    expect([0.005, 5, 5000, 0.07, 50].map(unitFromSpacing)).toEqual(["s", "ms", "us", undefined, undefined]);
  });
});
