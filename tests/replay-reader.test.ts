// The thread that reads a recorded sample file for a replay (src/replay/sample-thread.ts): its lines are the
// ones the device's codec writes for the file's rows, in order, across more batches than it has slots; a bad
// cell anywhere is the same error, naming file, line and column, as reading the file on the main thread.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { eyeEvents } from "../devices/eye-tracker/codec.ts";
import { FileProblem } from "../src/config/json-file.ts";
import { tsvColumns } from "../src/recording/recorded-rows.ts";
import { type RecordedBatch, sampleLines } from "../src/replay/recorded-lines.ts";
import { RecordingReader } from "../src/replay/sample-thread.ts";

const root = mkdtempSync(join(tmpdir(), "hokr-replay-reader-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** An eye.tsv of `rows` rows (a few NaN, negative and whole values among them). */
function eyeFile(name: string, rows: number, cell = (i: number) => (Math.sin(i / 7) * 9).toFixed(4)): string {
  const lines = ["t_us\tdevice_us\thost_us\tx_deg"];
  for (let i = 0; i < rows; i++) {
    const x = i % 997 === 0 ? "NaN" : i % 501 === 0 ? "3" : cell(i);
    lines.push(`${i * 1000}\t${(4_294_000_000 + i * 1000) % 2 ** 32}\t${i * 1000 + 250}\t${x}`);
  }
  const file = join(root, name);
  writeFileSync(file, `${lines.join("\n")}\n`);
  return file;
}

/** What the thread played, concatenated (copied: the slots are reused). */
function drain(batches: Iterator<RecordedBatch>) {
  const parts: Buffer[] = [];
  const hostMs: number[] = [];
  const tUs: number[] = [];
  for (let r = batches.next(); !r.done; r = batches.next()) {
    const b = r.value;
    parts.push(Buffer.from(b.bytes.subarray(0, b.ends[b.rows - 1])));
    for (let i = 0; i < b.rows; i++) {
      hostMs.push(b.hostMs[i] as number);
      tUs.push(b.placed?.tUs[i] as number);
    }
  }
  return { bytes: Buffer.concat(parts), hostMs, tUs };
}

describe("a replay's sample reader thread", () => {
  it("plays the codec's lines for every row, in order, through more batches than slots", () => {
    const rows = 150_000; // 10 batches of 2^14 lines, 4 slots
    const file = eyeFile("eye.tsv", rows);
    const reader = new RecordingReader([{ file, stream: "eye" }]);
    const played = drain(reader.streams[0] as Iterator<RecordedBatch>);
    reader.close();
    const event = eyeEvents.numeric("S");
    const expected: Buffer[] = [];
    for (const { rows: n, columns } of tsvColumns(file, ["device_us", "x_deg"]))
      expected.push(Buffer.from(sampleLines(event, columns.device_us, "xDeg", columns.x_deg, n).bytes));
    expect(played.bytes.equals(Buffer.concat(expected))).toBe(true);
    expect(played.hostMs).toHaveLength(rows);
    expect(played.hostMs[rows - 1]).toBe(((rows - 1) * 1000 + 250) / 1000);
    expect(played.tUs[12_345]).toBe(12_345_000);
    expect(played.bytes.toString("latin1", 0, 40).split("\n").slice(0, 2)).toEqual([
      `S 4294000000 nan`,
      `S 4294001000 ${(Math.sin(1 / 7) * 9).toFixed(4)}`,
    ]);
  });

  it("stops at a bad cell with the file, line and column, after playing the rows before it", () => {
    const file = eyeFile("bad-eye.tsv", 60_000, (i) => (i === 50_000 ? "0.1x" : "0.5000"));
    // The bad file beside a good one: each stream's error is its own.
    const reader = new RecordingReader([
      { file, stream: "eye" },
      { file: eyeFile("good.tsv", 60_000), stream: "eye" },
    ]);
    const [bad, good] = reader.streams as [Iterator<RecordedBatch>, Iterator<RecordedBatch>];
    let played = 0;
    const read = () => {
      for (let r = bad.next(); !r.done; r = bad.next()) played += r.value.rows;
    };
    expect(read).toThrow(FileProblem);
    expect(read).not.toThrow(); // ended: nothing more
    expect(played).toBe(3 * 2 ** 14); // the whole batches before the bad row's
    expect(drain(good).hostMs).toHaveLength(60_000);
    reader.close();
    const again = new RecordingReader([{ file, stream: "eye" }]);
    try {
      drain(again.streams[0] as Iterator<RecordedBatch>);
    } catch (e) {
      expect(String(e)).toContain(`${file}: line 50002: column x_deg is '0.1x', not a number`);
    }
    again.close();
    expect.assertions(5);
  });

  it("ends its thread when the replay stops early", () => {
    const reader = new RecordingReader([{ file: eyeFile("early.tsv", 100_000), stream: "eye" }]);
    const stream = reader.streams[0] as Iterator<RecordedBatch>;
    expect(stream.next().done).toBe(false);
    reader.close();
    expect(stream.next().done).toBe(true);
  });
});
