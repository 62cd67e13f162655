// Reading eye traces from CSV/TSV: delimiters, column mapping, units, missing values, and errors that say
// where the problem is.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { toArray } from "rxjs";
import { afterAll, describe, expect, it } from "vitest";
import { Random } from "../src/core/random.ts";
import { batchOf } from "../src/core/samples.ts";
import { parseTrace, readTrace, traceSamples } from "../src/recording/trace-file.ts";

const root = mkdtempSync(join(tmpdir(), "hokr-trace-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const parse = (text: string, format = {}) => parseTrace(Buffer.from(text), "trace.csv", format);
const problem = (text: string, format = {}): string => {
  try {
    parse(text, format);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error("expected the trace to be rejected");
};

describe("reading a trace", () => {
  it("parses every decimal exactly as Number() does", () => {
    const r = new Random(9);
    const cells: string[] = [];
    for (let i = 0; i < 5000; i++) {
      const digits = 1 + Math.floor(r.uniform() * 17);
      const mantissa = String(Math.floor(r.uniform() * 10 ** digits)).padStart(digits, "0");
      const point = Math.floor(r.uniform() * (digits + 1));
      const sign = r.uniform() < 0.3 ? "-" : r.uniform() < 0.05 ? "+" : "";
      const exponent = r.uniform() < 0.1 ? `e${Math.floor(r.uniform() * 20) - 10}` : "";
      cells.push(
        `${sign}${mantissa.slice(0, point)}.${mantissa.slice(point)}${exponent}`.replace(/^([+-]?)\.$/, "0"),
      );
    }
    cells.push("5", "-0", "0.1", ".5", "5.", "1e3", "123456789012345678", "0.30000000000000004");
    const text = `t,x\n${cells.map((c, i) => `${i},${c}`).join("\n")}\n`;
    const trace = parse(text);
    expect(trace.xDeg.length).toBe(cells.length);
    cells.forEach((c, i) => {
      expect(Object.is(trace.xDeg[i], Number(c)), `"${c}"`).toBe(true);
    });
  });

  it.each([
    ["tab", "t\tx\n0\t1.5\n0.01\t2.5\n"],
    ["comma", "t,x\n0,1.5\n0.01,2.5\n"],
    ["semicolon", "t;x\n0;1.5\n0.01;2.5\n"],
    [
      "CRLF, quotes, spaces, comments, BOM",
      '\uFEFF# exported by tracker\r\n"t" , "x"\r\n0, "1.5"\r\n\r\n# pause\r\n0.01 ,2.5\r\n',
    ],
  ])("detects the delimiter and reads the cells (%s)", (_, text) => {
    const trace = parse(text);
    expect(Array.from(trace.tMs)).toEqual([0, 10]);
    expect(Array.from(trace.xDeg)).toEqual([1.5, 2.5]);
  });

  it("finds columns by name in any order, case-insensitively, ignoring the others", () => {
    const trace = parse("frame,Drum_deg,eye_deg,time_ms\n1,0.5,1.25,100\n2,0.75,1.5,104.5\n", {
      columns: { t: "time_ms", x: "EYE_DEG", stim: "drum_deg" },
      timeUnit: "ms",
    });
    expect(Array.from(trace.tMs)).toEqual([100, 104.5]);
    expect(Array.from(trace.xDeg)).toEqual([1.25, 1.5]);
    expect(Array.from(trace.stimDeg ?? [])).toEqual([0.5, 0.75]);
  });

  it("converts µs to ms and reads empty, NaN, nan and NA eye cells as a lost pupil", () => {
    const trace = parse("t\tx\n1000\t\n2000\tNaN\n3000\tnan\n4000\tNA\n5000\t0.5\n", { timeUnit: "us" });
    expect(Array.from(trace.tMs)).toEqual([1, 2, 3, 4, 5]);
    expect(Array.from(trace.xDeg.slice(0, 4)).every(Number.isNaN)).toBe(true);
  });

  it("drops a last line cut short (a killed recording) but not a short line elsewhere", () => {
    expect(parse("t,x,stim\n0,1,2\n0.01,1", { columns: { stim: "stim" } }).tMs.length).toBe(1);
    expect(problem("t,x,stim\n0,1,2\n0.01,1\n0.02,1,2\n", { columns: { stim: "stim" } })).toBe(
      "trace.csv: line 3: 2 cells, but column 3 (stim) is needed",
    );
  });

  it("gives the samples as the rig delivers them: epochs first, then eye and stimulus per row", async () => {
    const trace = parse("t,x,s\n0.5,1,2\n", { columns: { stim: "s" } });
    const epoch = { phase: "p", startMs: 0, endMs: 10, frequencyHz: 1, amplitudeDeg: 1, cyclesPerBlock: 1 };
    const inputs = await new Promise((resolve) =>
      traceSamples(trace, [epoch]).pipe(toArray()).subscribe(resolve),
    );
    expect(inputs).toEqual([
      { kind: "epoch", epoch },
      { kind: "eye", batch: batchOf([{ tMs: 500, deviceUs: 500_000, hostMs: 500, deg: 1 }]) },
      { kind: "stim", batch: batchOf([{ tMs: 500, deviceUs: 500_000, hostMs: 500, deg: 2 }]) },
    ]);
  });
});

describe("trace errors name the file, line and column", () => {
  it("unreadable file", () => {
    const missing = join(root, "nope.csv");
    expect(() => readTrace(missing)).toThrow(`${missing}: cannot read it: no such file; check the path`);
    expect(() => readTrace(root)).toThrow("is a folder");
  });

  it("missing columns, listing the columns found", () => {
    expect(problem("time,eye\n0,1\n")).toBe(
      'trace.csv: line 1: no column "t" (t), "x" (x); columns found: "time", "eye"; ' +
        "name them with columns t=NAME,x=NAME[,stim=NAME]",
    );
  });

  it("non-numeric cells", () => {
    expect(problem("t,x\n0,1\n0.01,1.2.3\n")).toBe(
      'trace.csv: line 3, column 2 (x): "1.2.3" is not a number',
    );
    expect(problem("t,x\n0,1\n,1\n")).toBe("trace.csv: line 3, column 1 (t): time is missing");
  });

  it("time that does not increase", () => {
    expect(problem("t,x\n0,1\n0.02,1\n0.01,1\n")).toMatch(
      /^trace\.csv: line 4, column 1 \(t\): time 0\.01 s is not after 0\.02 s on line 3; times must increase/,
    );
  });

  it("no data", () => {
    expect(problem("")).toBe("trace.csv: line 1: no header row; the first line must name the columns");
    expect(problem("t,x\n")).toBe("trace.csv: line 1: no data rows after the header");
  });

  it("reads a file from disk the same as text, across its 4 MB read chunks, last line unterminated", () => {
    const file = join(root, "long.tsv");
    const rows = Array.from(
      { length: 400_000 },
      (_, i) => `${(i / 1000).toFixed(3)}\t${Math.sin(i).toFixed(6)}`,
    );
    const text = `t\tx\n${rows.join("\n")}`; // ≈ 7 MB
    writeFileSync(file, text);
    const fromDisk = readTrace(file);
    const fromText = parse(text);
    expect(fromDisk.tMs.length).toBe(400_000);
    expect(fromDisk.tMs).toEqual(fromText.tMs);
    expect(fromDisk.xDeg).toEqual(fromText.xDeg);
    expect(fromDisk.xDeg[399_999]).toBe(Number(Math.sin(399_999).toFixed(6)));
  });
});
