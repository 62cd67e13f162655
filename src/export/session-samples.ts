// A session folder's sample streams for export: eye.tsv and stimulus.tsv read in batches (bounded memory),
// each batch handed on as (timestamps in s, values), and the same samples run through the live pipeline's
// own operators (epochs from the protocol, then samples in time order) to recover the per-cycle fits, which
// the folder does not keep.
import { join } from "node:path";
import { map, Observable, tap } from "rxjs";
import {
  type AnalysisInput,
  analyzeCycle,
  assembleCycles,
  type CycleResult,
  collectBlocks,
} from "../analysis/cycles.ts";
import type { GainBlock } from "../analysis/gain-block.ts";
import { columnBatch } from "../core/samples.ts";
import { epochsOf } from "../engine/session.ts";
import { timelineEvents } from "../engine/timeline-events.ts";
import { buildTimeline } from "../protocol/timeline.ts";
import { tsvColumns } from "../recording/recorded-rows.ts";
import { SESSION_FILES, type SessionMeta } from "../recording/session-folder.ts";

/** Rows per batch. */
export const BATCH = 1 << 16;

/** Receives each batch; the arrays are the receiver's to keep. */
export interface SampleSink {
  eye(timestampsS: Float64Array<ArrayBuffer>, xDeg: Float64Array<ArrayBuffer>): void;
  stimulus(timestampsS: Float64Array<ArrayBuffer>, positionDeg: Float64Array<ArrayBuffer>): void;
}

export interface SessionSamples {
  cycles: CycleResult[];
  /** Blocks of the recomputed cycles (to check against gain.tsv). */
  blocks: GainBlock[];
  eyeSamples: number;
  stimulusSamples: number;
}

const seconds = (tUs: Float64Array, rows: number) => {
  const s = new Float64Array(rows);
  for (let i = 0; i < rows; i++) s[i] = (tUs[i] as number) / 1e6;
  return s;
};

/** Recorded rows (session times in µs) as the analysis takes them: it reads their times and positions only. */
const analysisBatch = (tUs: Float64Array, deg: Float64Array) =>
  columnBatch(
    tUs.map((t) => t / 1000),
    deg.slice(),
  );

/**
 * Reads the folder's samples into `sink` and the analysis. Synchronous: when it returns the pipeline has
 * finished, and an error anywhere in it (a bad row) is thrown here.
 */
export function readSessionSamples(dir: string, meta: SessionMeta, sink: SampleSink): SessionSamples {
  const cycles: CycleResult[] = [];
  const blocks: GainBlock[] = [];
  let eyeSamples = 0;
  let stimulusSamples = 0;
  const inputs = new Observable<AnalysisInput>((out) => {
    for (const e of timelineEvents(buildTimeline(meta.protocol)).flatMap(epochsOf)) out.next(e);
    const stimBatches = tsvColumns(join(dir, SESSION_FILES.stimulus), ["t_us", "position_deg"], BATCH);
    let stimT = new Float64Array(0);
    let stimX = new Float64Array(0);
    let stimAt = 0;
    /** Feeds stimulus samples up to `untilUs` (all with Infinity), handing on each batch as it is read. */
    const feedStimulus = (untilUs: number) => {
      for (;;) {
        const from = stimAt;
        while (stimAt < stimT.length && (stimT[stimAt] as number) <= untilUs) stimAt++;
        if (stimAt > from)
          out.next({
            kind: "stim",
            batch: analysisBatch(stimT.subarray(from, stimAt), stimX.subarray(from, stimAt)),
          });
        if (stimAt < stimT.length) return;
        const next = stimBatches.next();
        if (next.done) return;
        const { rows, columns } = next.value;
        stimT = columns.t_us.slice(0, rows);
        stimX = columns.position_deg.slice(0, rows);
        stimAt = 0;
        sink.stimulus(seconds(stimT, rows), stimX.slice());
        stimulusSamples += rows;
      }
    };
    for (const { rows, columns } of tsvColumns(join(dir, SESSION_FILES.eye), ["t_us", "x_deg"], BATCH)) {
      const t = columns.t_us;
      const x = columns.x_deg;
      out.next({ kind: "eye", batch: analysisBatch(t.subarray(0, rows), x.subarray(0, rows)) });
      sink.eye(seconds(t, rows), x.slice(0, rows));
      eyeSamples += rows;
      feedStimulus(t[rows - 1] as number);
    }
    feedStimulus(Number.POSITIVE_INFINITY);
    out.complete();
  });
  let failure: unknown;
  inputs
    .pipe(
      assembleCycles(),
      map(analyzeCycle(meta.analysis)),
      tap((c) => cycles.push(c)),
      collectBlocks(meta.timeline.trainingStartS * 1000, meta.analysis),
    )
    .subscribe({ next: (b) => blocks.push(b), error: (e) => (failure = e) });
  if (failure !== undefined) throw failure;
  return { cycles, blocks, eyeSamples, stimulusSamples };
}
