// Start a worker thread on a TypeScript module: from the sources' cached bundle (src/core/bundle.js), which
// starts in a fraction of the time, or else through tsx. On Node 20 `execArgv: ["--import", "tsx"]` does not
// reach a worker's entry module (it fails with "Unknown file extension .ts"), so such a worker registers tsx's
// ESM hooks itself, then imports the module.
import { availableParallelism } from "node:os";
import { type Transferable, Worker } from "node:worker_threads";

/** Worker threads used when none are asked for: one per core the process may use. */
export const defaultWorkers = (): number => Math.max(1, availableParallelism());

const tsxApi = import.meta.resolve("tsx/esm/api");
const bundle = new URL("./bundle.js", import.meta.url).href;

/** A worker on `entry`, given `workerData` (with `transferList`: what in it moves to the worker, e.g. a port). */
export function tsWorker(entry: URL, workerData: unknown, transferList: Transferable[] = []): Worker {
  const source = JSON.stringify(entry.href);
  const code =
    `import(${JSON.stringify(bundle)}).then((b) => b.bundledEntry(${source})).then((js) => js ? import(js) : ` +
    `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${source}); }));`;
  return new Worker(code, { eval: true, workerData, transferList });
}

/** A typed array of `length` elements over shared memory: seen by a worker thread and the thread that started it. */
export function sharedArray<A>(
  Type: { new (buffer: SharedArrayBuffer): A; readonly BYTES_PER_ELEMENT: number },
  length: number,
): A {
  return new Type(new SharedArrayBuffer(length * Type.BYTES_PER_ELEMENT));
}
