// The recorder formats sample rows digit by digit into its write buffer; the rows must be exactly the text
// the record format defines (integers as String(n), positions as toFixed(4)), for every value a device or a
// foreign recording can give: on and off the 0.0001° grid, rounding ties, −0, tiny negatives, NaN, huge.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { GainBlock } from "../src/analysis/gain-block.ts";
import { Random } from "../src/core/random.ts";
import { batchOf } from "../src/core/samples.ts";
import { sampleFiles } from "../src/recording/sample-writer.ts";
import type { SessionMeta } from "../src/recording/session-folder.ts";
import { SessionRecorder } from "../src/recording/session-recorder.ts";

const root = mkdtempSync(join(tmpdir(), "hokr-recorder-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** The record format's row, written the obvious way. */
const expectedRow = (tMs: number, deviceUs: number, hostMs: number, v: number) =>
  `${Math.round(tMs * 1000)}\t${deviceUs}\t${Math.round(hostMs * 1000)}\t${Number.isNaN(v) ? "NaN" : v.toFixed(4)}\n`;

describe("session recorder sample rows", () => {
  it("are the record format's text for every kind of value", () => {
    const random = new Random(7);
    const special = [
      0,
      -0,
      1e-5,
      -1e-5,
      0.00005,
      -0.00005,
      0.00015,
      1.23445,
      -1.23445,
      2.5e-4,
      12.3456,
      -12.3456,
      999.99995,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      1e12 + 0.5,
      -3e21,
      123456789.00005,
    ];
    const rows: [number, number, number, number][] = special.map((v, i) => [i * 5, 4e9 + i, i * 5 + 0.25, v]);
    for (let i = 0; i < 5000; i++) {
      const onGrid = Math.round((random.uniform() - 0.5) * 60 * 1e4) / 1e4;
      const offGrid = (random.uniform() - 0.5) * 10 ** Math.floor(random.uniform() * 8 - 3);
      const tMs = Math.round((random.uniform() * 5e6 - 2000) * 1000) / 1000;
      const deviceUs = Math.floor(random.uniform() * 2 ** 32);
      rows.push([tMs, deviceUs, tMs + random.uniform() * 3, i % 2 ? onGrid : offGrid]);
    }
    rows.push(
      [1.5, 2 ** 53 + 2, 1.5, 1],
      [1.5, 2 ** 53 - 1, 1.5, 1],
      [1.5, 1e15, 1.5, 1],
      [1.5, 0.5, 1.5, 1],
    );
    rows.push([-0.0004, -7, -0.0004, 1], [0, 10, 0, 1], [0, 99, 0, 1], [0, 100, 0, 1]);
    for (const writerThread of [false, true]) {
      const dir = join(root, `rows-${writerThread}`);
      const recorder = new SessionRecorder(dir, { format: "hokr-session/1" } as SessionMeta, {
        writerThread,
      });
      for (const [tMs, deviceUs, hostMs, v] of rows) {
        recorder.eye(batchOf([{ tMs, deviceUs, hostMs, deg: v }]));
        recorder.stimulus(batchOf([{ tMs, deviceUs, hostMs, deg: -v }]));
      }
      recorder.finish("complete", { reason: "test", sessionS: 1 }, new Date(0).toISOString());
      const eye = readFileSync(join(dir, "eye.tsv"), "latin1").split("\n").slice(1, -1);
      const stim = readFileSync(join(dir, "stimulus.tsv"), "latin1").split("\n").slice(1, -1);
      expect(eye).toEqual(rows.map((r) => expectedRow(...r).slice(0, -1)));
      expect(stim).toEqual(rows.map(([t, d, h, v]) => expectedRow(t, d, h, -v).slice(0, -1)));
    }
  });
});

describe("session recorder ordering", () => {
  it.each([false, true])(
    "writes a block's samples to their files before the block's row, without waiting for a flush (writer thread: %s)",
    (writerThread) => {
      const dir = join(root, `order-${writerThread}`);
      const recorder = new SessionRecorder(dir, { format: "hokr-session/1" } as SessionMeta, {
        writerThread,
      });
      /** Whole lines on disk, header included. */
      const lines = (file: string) => readFileSync(join(dir, file), "latin1").split("\n").length - 1;
      recorder.eye(batchOf([{ tMs: 5, deviceUs: 5000, hostMs: 5, deg: 1 }]));
      recorder.stimulus(batchOf([{ tMs: 5, deviceUs: 5000, hostMs: 5, deg: 2 }]));
      // The files and their headers exist from the start. Inline, the rows wait in a buffer for the 250-ms flush;
      // the writer thread is not woken for one row before it: only the block makes them reach the files now.
      if (writerThread) expect(lines("eye.tsv")).toBeGreaterThanOrEqual(1);
      else expect([lines("eye.tsv"), lines("stimulus.tsv")]).toEqual([1, 1]);
      const block: GainBlock = {
        block: 0,
        phase: "training",
        t_s: 0.5,
        t_start_s: 0,
        t_end_s: 1,
        gain: 0.5,
        phase_lag_deg: 3,
        r2: 0.9,
        cycles_used: 1,
        cycles_total: 1,
        quality: "ok",
      };
      recorder.block(block);
      // header and the sample, before the block's row has been written at all
      expect([lines("eye.tsv"), lines("stimulus.tsv"), lines("gain.tsv")]).toEqual([2, 2, 0]);
      recorder.finish("complete", { reason: "test", sessionS: 1 }, new Date(0).toISOString());
      expect(lines("gain.tsv")).toBe(2);
    },
  );
});

describe("session recorder sample files, on the writer thread or inline (a session on a worker thread)", () => {
  it("take a batch larger than the writer's ring, and many small ones, in order, the same either way", () => {
    const rows = Array.from({ length: 100_000 }, (_, i) => ({
      tMs: i,
      deviceUs: 4e9 + i * 1000,
      hostMs: i + 0.5,
      deg: Math.sin(i / 100),
    }));
    const expected = [...rows, ...rows.slice(0, 2000)].map((r) =>
      expectedRow(r.tMs, r.deviceUs, r.hostMs, r.deg).slice(0, -1),
    );
    for (const writerThread of [true, false]) {
      const dir = join(root, `large-${writerThread}`);
      const recorder = new SessionRecorder(dir, { format: "hokr-session/1" } as SessionMeta, {
        scratch: false,
        writerThread,
      });
      recorder.eye(batchOf(rows)); // three rings' worth: the recorder waits for the thread to make room
      for (let i = 0; i < 2000; i++) recorder.eye(batchOf(rows.slice(i, i + 1)));
      recorder.finish("complete", { reason: "test", sessionS: 1 }, new Date(0).toISOString());
      const eye = readFileSync(join(dir, "eye.tsv"), "latin1").split("\n").slice(1, -1);
      expect(eye.length).toBe(expected.length);
      expect(eye).toEqual(expected);
    }
  });

  it("lose no row given just before the end, whatever the writer thread was doing then", () => {
    // The thread, busy with earlier rows when the last few and the close arrive, once ended after a pass that
    // had not seen them (1–2 files in 40 lost their last rows).
    const row = (i: number) => ({ tMs: i, deviceUs: i, hostMs: i, deg: 1 });
    const big = batchOf(Array.from({ length: 20_000 }, (_, i) => row(i)));
    const last = batchOf(Array.from({ length: 7 }, (_, i) => row(i)));
    const short: string[] = [];
    for (let k = 0; k < 40; k++) {
      const path = join(root, `end-${k}.tsv`);
      const files = sampleFiles([{ path, header: "h\n" }], false, true);
      files.rows(0, big);
      files.written();
      for (let j = 0; j < k % 7; j++) files.rows(0, big);
      files.rows(0, last);
      files.close();
      const rows = readFileSync(path, "latin1").split("\n").length - 2;
      if (rows !== 20_000 * (1 + (k % 7)) + 7) short.push(`${path}: ${rows} rows`);
    }
    expect(short).toEqual([]);
  });

  it.skipIf(!existsSync("/dev/full"))(
    "report a write that failed (a full disk) at the next rows and at the end",
    () => {
      const batch = batchOf([{ tMs: 1, deviceUs: 1, hostMs: 1, deg: 1 }]);
      for (const thread of [true, false]) {
        const files = sampleFiles([{ path: "/dev/full", header: "" }], false, thread);
        files.rows(0, batch);
        expect(() => files.written()).toThrow(/ENOSPC/);
        if (thread) expect(() => files.rows(0, batch)).toThrow(/writing the sample files failed: ENOSPC/);
        expect(() => files.close()).toThrow(/ENOSPC/);
      }
    },
  );
});
