// The worker threads a piece of work starts: Node emits "worker" on `process` for each one created.

/** Runs `work` and counts the worker threads started meanwhile. */
export async function threadsStarted<T>(work: () => Promise<T>): Promise<{ result: T; threads: number }> {
  let threads = 0;
  const count = () => threads++;
  process.on("worker", count);
  try {
    const result = await work();
    return { result, threads };
  } finally {
    process.off("worker", count);
  }
}
