// Start a worker thread on a TypeScript module. On Node 20 `execArgv: ["--import", "tsx"]` does not reach
// a worker's entry module (it fails with "Unknown file extension .ts"), so the worker first registers
// tsx's ESM hooks itself, then imports the module.
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";

/** Worker threads used when none are asked for: one per core the process may use. */
export const defaultWorkers = (): number => Math.max(1, availableParallelism());

const tsxApi = import.meta.resolve("tsx/esm/api");

export function tsWorker(entry: URL, workerData: unknown): Worker {
  const code = `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(code, { eval: true, workerData });
}
