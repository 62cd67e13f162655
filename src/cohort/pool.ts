// Runs a cohort's animals in parallel on worker threads, one animal per worker at a time; results come
// back in job order whatever order the workers finish in, so a cohort's output does not depend on timing.
import type { Worker } from "node:worker_threads";
import { tsWorker } from "../core/ts-worker.ts";
import { AnimalFailed, type AnimalJob, type AnimalResult } from "./animal.ts";

export interface PoolOptions {
  readonly workers: number;
  readonly signal?: AbortSignal;
  /** After each finished animal. */
  readonly onDone?: (done: number, total: number, result: AnimalResult) => void;
}

export class CohortAborted extends Error {}

/**
 * Workers whose cohort finished, kept for the next cohort of this process (they do not keep it alive). A
 * worker's first animal costs about twice a warm one (loading and compiling the pipeline), so a process that
 * simulates several cohorts pays that once per worker. A cohort that fails or is aborted ends its workers.
 */
const idle: Worker[] = [];

/**
 * Listeners are removed by event name only: a Worker's own 'newListener' hooks start its message port when a
 * 'message' listener is added, and a worker without them never delivers a message again.
 */
const forget = (worker: Worker) => {
  for (const event of ["message", "error", "exit"]) worker.removeAllListeners(event);
};

function takeWorker(): Worker {
  const kept = idle.pop();
  if (!kept) return tsWorker(new URL("./animal.worker.ts", import.meta.url), undefined);
  forget(kept);
  kept.ref();
  return kept;
}

function keep(worker: Worker): void {
  forget(worker);
  worker.unref();
  const gone = () => {
    const at = idle.indexOf(worker);
    if (at >= 0) idle.splice(at, 1);
  };
  worker.once("exit", gone);
  worker.once("error", gone);
  idle.push(worker);
}

export async function runAnimals(jobs: readonly AnimalJob[], o: PoolOptions): Promise<AnimalResult[]> {
  const results: AnimalResult[] = new Array(jobs.length);
  if (jobs.length === 0) return results;
  let next = 0;
  let done = 0;
  const workers: Worker[] = [];
  let abort = () => {};
  const stop = new Promise<never>((_, reject) => {
    abort = () => reject(new CohortAborted(String(o.signal?.reason ?? "aborted")));
    if (o.signal?.aborted) abort();
    o.signal?.addEventListener("abort", abort, { once: true });
  });
  const one = (worker: Worker) =>
    new Promise<void>((resolve, reject) => {
      worker.on("error", reject);
      worker.on("exit", (code) => reject(new Error(`cohort worker exited with code ${code}`)));
      const feed = () => {
        if (next >= jobs.length) return resolve();
        const id = next++;
        worker.postMessage({ id, job: jobs[id] });
      };
      worker.on("message", (m: { id: number; result?: AnimalResult; error?: string }) => {
        if (m.error !== undefined || !m.result) return reject(new AnimalFailed(m.error));
        results[m.id] = m.result;
        o.onDone?.(++done, jobs.length, m.result);
        feed();
      });
      feed();
    });
  let finished = false;
  try {
    await Promise.race([
      stop,
      Promise.all(
        Array.from({ length: Math.min(o.workers, jobs.length) }, () => {
          const worker = takeWorker();
          workers.push(worker);
          return one(worker);
        }),
      ),
    ]);
    finished = true;
  } finally {
    o.signal?.removeEventListener("abort", abort);
    if (finished) for (const w of workers) keep(w);
    else await Promise.all(workers.map((w) => w.removeAllListeners("exit").terminate()));
  }
  return results;
}
