// Worker thread of a cohort (pool.ts): simulates one animal per message and posts its result back.
import { parentPort } from "node:worker_threads";
import { type AnimalJob, simulateAnimal } from "./animal.ts";

parentPort?.on("message", async ({ id, job }: { id: number; job: AnimalJob }) => {
  try {
    parentPort?.postMessage({ id, result: await simulateAnimal(job) });
  } catch (err) {
    parentPort?.postMessage({ id, error: err instanceof Error ? err.message : String(err) });
  }
});
