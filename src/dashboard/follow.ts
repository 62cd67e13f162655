// Follows a session folder as the recorder writes it (it flushes every 250 ms), or reads a finished one:
// the dashboard's only source. It reads the record, never the rig, so it can neither slow nor steer a session.
// State kept: the last WINDOW_S seconds of eye and stimulus samples, every cycle's gain (the session's own
// cycle analysis run on the recorded samples), the gain blocks, light edges, faults, and session.json.
import { closeSync, existsSync, openSync, readSync, statSync } from "node:fs";
import { join } from "node:path";
import { Subject } from "rxjs";
import { map } from "rxjs/operators";
import { type AnalysisInput, analyzeCycle, assembleCycles, type CycleResult } from "../analysis/cycles.ts";
import type { GainBlock } from "../analysis/gain-block.ts";
import { readJsonFile } from "../config/json-file.ts";
import { BatchBuilder } from "../core/samples.ts";
import { epochsOf } from "../engine/session.ts";
import { timelineEvents } from "../engine/timeline-events.ts";
import { buildTimeline, type Timeline } from "../protocol/timeline.ts";
import { parseGainTable } from "../recording/gain-table.ts";
import { tsvRowParser } from "../recording/recorded-rows.ts";
import { SESSION_FILES, SessionMeta } from "../recording/session-folder.ts";

/** How much of the eye and stimulus traces the live view keeps, s. */
export const WINDOW_S = 10;

/** Most bytes read from a file at once: a long session's files are read in pieces, in constant memory. */
const CHUNK_BYTES = 1 << 22;

/** A file that grows: hands out each complete new line once (a partial last line waits for its newline). */
class GrowingFile {
  private offset = 0;
  private partial = "";
  lineNumber = 0;
  constructor(readonly path: string) {}

  newLines(): string[] {
    if (!existsSync(this.path)) return [];
    const size = statSync(this.path).size;
    if (size <= this.offset) return [];
    const fd = openSync(this.path, "r");
    try {
      const buffer = Buffer.alloc(Math.min(size - this.offset, CHUNK_BYTES));
      const n = readSync(fd, buffer, 0, buffer.length, this.offset);
      this.offset += n;
      const parts = (this.partial + buffer.toString("latin1", 0, n)).split("\n");
      this.partial = parts.pop() ?? "";
      return parts;
    } finally {
      closeSync(fd);
    }
  }
}

/** Samples in time order, dropping those older than the window. */
class Window {
  t: number[] = [];
  v: number[] = [];
  push(tMs: number, v: number): void {
    this.t.push(tMs);
    this.v.push(v);
  }
  trim(nowMs: number): void {
    let k = 0;
    while (k < this.t.length && (this.t[k] as number) < nowMs - WINDOW_S * 1000) k++;
    if (k > 0) {
      this.t.splice(0, k);
      this.v.splice(0, k);
    }
  }
}

export interface LightEdgeRecord {
  t_s: number;
  channel: string;
  on: boolean;
}

export interface FaultRecord {
  t_s: number;
  device: string;
  message: string;
}

export class SessionFollower {
  meta: SessionMeta | undefined;
  timeline: Timeline | undefined;
  readonly eye = new Window();
  readonly stimulus = new Window();
  readonly cycles: CycleResult[] = [];
  blocks: GainBlock[] = [];
  readonly edges: LightEdgeRecord[] = [];
  readonly faults: FaultRecord[] = [];
  /** Latest session time the record has reached, ms. */
  nowMs = 0;
  private readonly files: Record<"events" | "eye" | "stimulus" | "gain", GrowingFile>;
  private gainText = "";
  private parsers: Partial<Record<"eye" | "stimulus", (line: string, n: number) => Record<string, number>>> =
    {};
  private readonly inputs = new Subject<AnalysisInput>();
  private metaMtimeMs = 0;
  /** Stimulus stops read in the last poll: fed after this poll's samples, which may precede them. */
  private stops: number[] = [];
  private ended = false;

  constructor(readonly dir: string) {
    this.files = {
      events: new GrowingFile(join(dir, SESSION_FILES.events)),
      eye: new GrowingFile(join(dir, SESSION_FILES.eye)),
      stimulus: new GrowingFile(join(dir, SESSION_FILES.stimulus)),
      gain: new GrowingFile(join(dir, SESSION_FILES.gain)),
    };
  }

  /** Reads whatever the recorder has flushed since the last call. False while the folder does not exist yet. */
  poll(): boolean {
    const metaPath = join(this.dir, SESSION_FILES.meta);
    if (!existsSync(metaPath)) return false;
    const mtime = statSync(metaPath).mtimeMs;
    if (mtime !== this.metaMtimeMs) {
      this.metaMtimeMs = mtime;
      const first = this.meta === undefined;
      this.meta = readJsonFile(metaPath, SessionMeta);
      if (first) {
        // The session's own analysis, with the settings it ran with, on the recorded samples.
        this.inputs
          .pipe(assembleCycles(), map(analyzeCycle(this.meta.analysis)))
          .subscribe((c) => this.cycles.push(c));
        this.timeline = buildTimeline(this.meta.protocol);
        for (const input of timelineEvents(this.timeline).flatMap(epochsOf)) this.inputs.next(input);
      }
    }
    // Blocks first: the recorder writes a block's row after the samples its cycles came from, so the samples
    // read after it hold them all, and the page never shows a block before its cycles.
    const gainLines = this.files.gain.newLines();
    if (gainLines.length > 0) {
      this.gainText += `${gainLines.join("\n")}\n`;
      this.blocks = parseGainTable(this.gainText, this.files.gain.path);
    }
    const stops = this.stops;
    this.stops = [];
    this.readEvents();
    // The rows read now go to the analysis as one batch per file.
    const read = (file: "eye" | "stimulus", column: string, window: Window) => {
      const batch = new BatchBuilder();
      this.readSamples(file, column, window, (tMs, x, row) =>
        batch.push(tMs, row.device_us as number, (row.host_us as number) / 1000, x),
      );
      return batch.take();
    };
    const eye = read("eye", "x_deg", this.eye);
    if (eye) this.inputs.next({ kind: "eye", batch: eye });
    const stimulus = read("stimulus", "position_deg", this.stimulus);
    if (stimulus) this.inputs.next({ kind: "stim", batch: stimulus });
    for (const tMs of stops) this.inputs.next({ kind: "stim-stop", tMs });
    this.eye.trim(this.nowMs);
    this.stimulus.trim(this.nowMs);
    if (this.meta && this.meta.status !== "running") this.finishAnalysis();
    return true;
  }

  /** No more samples will come (the session ended, or its recording was cut short): analyse the last cycles. */
  finishAnalysis(): void {
    if (this.ended) return;
    this.ended = true;
    for (const tMs of this.stops) this.inputs.next({ kind: "stim-stop", tMs });
    this.stops = [];
    this.inputs.complete(); // the session's last cycles end with it
  }

  private readSamples(
    file: "eye" | "stimulus",
    column: string,
    window: Window,
    analyse: (tMs: number, v: number, row: Record<string, number>) => void,
  ): void {
    const f = this.files[file];
    for (let lines = f.newLines(); lines.length > 0; lines = f.newLines()) {
      this.readRows(f, file, column, window, lines, analyse);
      window.trim(this.nowMs);
    }
  }

  private readRows(
    f: GrowingFile,
    file: "eye" | "stimulus",
    column: string,
    window: Window,
    lines: string[],
    analyse: (tMs: number, v: number, row: Record<string, number>) => void,
  ): void {
    for (const line of lines) {
      f.lineNumber++;
      const parse = this.parsers[file];
      if (!parse) {
        this.parsers[file] = tsvRowParser(f.path, line, ["t_us", "device_us", "host_us", column]);
        continue;
      }
      const row = parse(line, f.lineNumber);
      const tMs = (row.t_us as number) / 1000;
      const v = row[column] as number;
      window.push(tMs, v);
      if (tMs > this.nowMs) this.nowMs = tMs;
      analyse(tMs, v, row);
    }
  }

  private readEvents(): void {
    for (const line of this.files.events.newLines()) {
      if (line === "") continue;
      const e = JSON.parse(line) as Record<string, unknown> & { type: string; t_s: number };
      if (e.t_s * 1000 > this.nowMs) this.nowMs = e.t_s * 1000;
      if (e.type === "light-edge")
        this.edges.push({ t_s: e.t_s, channel: String(e.channel), on: e.on === true });
      else if (e.type === "fault")
        this.faults.push({ t_s: e.t_s, device: String(e.device), message: String(e.message) });
      else if (e.type === "stimulus" && e.action === "stop") this.stops.push(e.t_s * 1000);
    }
  }
}
