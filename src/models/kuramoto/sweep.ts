// Phase diagram: a grid over two of the four couplings (the others fixed), one simulation per cell,
// classified, with the OA prediction beside it; cells run in parallel on worker threads.
import type { Worker } from "node:worker_threads";
import { z } from "zod";
import { tsWorker } from "../../core/ts-worker.ts";
import { type Classification, ClassifyOptionsSchema } from "./classify.ts";
import { CouplingsSchema, type Run, RunSchema } from "./model.ts";
import { incoherenceGrowthRate, type OAState, oaParams } from "./oa.ts";

export const CouplingNameSchema = CouplingsSchema.keyof();
export type CouplingName = z.infer<typeof CouplingNameSchema>;

export const AxisSchema = z
  .object({
    coupling: CouplingNameSchema,
    /** rad/s */
    from: z.number().min(0),
    to: z.number().min(0),
    steps: z.number().int().min(1).max(200),
  })
  .refine((a) => a.steps === 1 || a.to > a.from, { message: "a sweep axis needs to > from" });

export const SweepSchema = z
  .object({
    run: RunSchema,
    x: AxisSchema,
    y: AxisSchema,
    classify: ClassifyOptionsSchema,
    workers: z.number().int().min(1).max(64),
  })
  .refine((s) => s.x.coupling !== s.y.coupling, { message: "sweep two different couplings", path: ["y"] });

export type Axis = z.infer<typeof AxisSchema>;
export type Sweep = z.infer<typeof SweepSchema>;

export interface SweepCell {
  x: number;
  y: number;
  classification: Classification;
  /** OA prediction for Lorentzian frequencies (undefined for Gaussian) */
  oaState: OAState | undefined;
}

export interface SweepResult {
  cells: SweepCell[];
  /** points where OA incoherence changes stability (Lorentzian only) */
  boundary: { x: number; y: number }[];
  seconds: number;
}

export function axisValues(a: Axis): number[] {
  if (a.steps === 1) return [a.from];
  return Array.from({ length: a.steps }, (_, k) => a.from + ((a.to - a.from) * k) / (a.steps - 1));
}

/** The run of one cell: the base run with the two swept couplings set, single-threaded. */
export function cellRun(s: Sweep, x: number, y: number): Run {
  const K = { ...s.run.model.K, [s.x.coupling]: x, [s.y.coupling]: y };
  return { ...s.run, threads: 1, model: { ...s.run.model, K } };
}

/** Runs every cell on `s.workers` threads; onProgress after each finished cell. */
export async function runSweep(
  s: Sweep,
  onProgress?: (done: number, total: number) => void,
): Promise<SweepResult> {
  const t0 = performance.now();
  const xs = axisValues(s.x);
  const ys = axisValues(s.y);
  const jobs = ys.flatMap((y) => xs.map((x) => ({ x, y })));
  const cells: SweepCell[] = new Array(jobs.length);
  let next = 0;
  let done = 0;
  const nWorkers = Math.min(s.workers, jobs.length);
  const workers: Worker[] = [];
  try {
    await Promise.all(
      Array.from({ length: nWorkers }, async () => {
        const worker = tsWorker(new URL("./sweep.worker.ts", import.meta.url), { sweep: s });
        workers.push(worker);
        await new Promise<void>((resolve, reject) => {
          worker.on("error", reject);
          worker.on("exit", (code) => {
            if (code !== 0) reject(new Error(`sweep worker exited with code ${code}`));
          });
          const feed = () => {
            if (next >= jobs.length) return resolve();
            const index = next++;
            worker.postMessage({ index, ...jobs[index] });
          };
          worker.on("message", (m: { index: number; cell: SweepCell }) => {
            cells[m.index] = m.cell;
            onProgress?.(++done, jobs.length);
            feed();
          });
          feed();
        });
      }),
    );
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return { cells, boundary: oaBoundary(s), seconds: (performance.now() - t0) / 1000 };
}

/**
 * Where the OA growth rate of incoherence (largest real part of the linearisation's eigenvalues) crosses
 * zero, found by bisection along rows and columns of a grid `resolution` times finer than the sweep.
 */
export function oaBoundary(s: Sweep, resolution = 4): { x: number; y: number }[] {
  if (s.run.model.distribution !== "lorentzian") return [];
  const rate = (x: number, y: number) => incoherenceGrowthRate(oaParams(cellRun(s, x, y).model));
  const fine = (a: Axis) => axisValues({ ...a, steps: a.steps === 1 ? 1 : (a.steps - 1) * resolution + 1 });
  const xs = fine(s.x);
  const ys = fine(s.y);
  const out: { x: number; y: number }[] = [];
  const bisect = (f: (v: number) => number, a: number, b: number) => {
    let fa = f(a);
    for (let i = 0; i < 50; i++) {
      const m = (a + b) / 2;
      const fm = f(m);
      if (Math.sign(fm) === Math.sign(fa)) {
        a = m;
        fa = fm;
      } else b = m;
    }
    return (a + b) / 2;
  };
  for (const x of xs) {
    for (let j = 1; j < ys.length; j++) {
      const [y0, y1] = [ys[j - 1] as number, ys[j] as number];
      if (Math.sign(rate(x, y0)) !== Math.sign(rate(x, y1)))
        out.push({ x, y: bisect((v) => rate(x, v), y0, y1) });
    }
  }
  for (const y of ys) {
    for (let i = 1; i < xs.length; i++) {
      const [x0, x1] = [xs[i - 1] as number, xs[i] as number];
      if (Math.sign(rate(x0, y)) !== Math.sign(rate(x1, y)))
        out.push({ x: bisect((v) => rate(v, y), x0, x1), y });
    }
  }
  return out;
}

const COLUMNS = [
  "state",
  "mean_R",
  "sd_R",
  "min_R",
  "max_R",
  "fraction_high",
  "switches",
  "dwell_high_s",
  "dwell_low_s",
  "bimodality",
  "oa_state",
] as const;

/** TSV grid: one row per cell, swept couplings first (rad/s). */
export function sweepTsv(s: Sweep, r: SweepResult): string {
  const head = [`K_${s.x.coupling}`, `K_${s.y.coupling}`, ...COLUMNS].join("\t");
  const fmt = (v: number) => (Number.isFinite(v) ? Number(v.toPrecision(6)).toString() : "NaN");
  const rows = r.cells.map((c) => {
    const k = c.classification;
    return [
      fmt(c.x),
      fmt(c.y),
      k.state,
      fmt(k.meanR),
      fmt(k.sdR),
      fmt(k.minR),
      fmt(k.maxR),
      fmt(k.fractionHigh),
      String(k.switches),
      fmt(k.dwellHigh),
      fmt(k.dwellLow),
      fmt(k.bimodality),
      c.oaState ?? "",
    ].join("\t");
  });
  return `${[head, ...rows].join("\n")}\n`;
}
