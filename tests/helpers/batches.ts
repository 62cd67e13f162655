// Sample batches one sample at a time, for tests that look at single samples.
import type { SampleBatch } from "../../src/core/samples.ts";

export interface Sample {
  tMs: number;
  deviceUs: number;
  hostMs: number;
  deg: number;
}

/** A subscriber that calls `f` with every sample of every batch, in order. */
export const eachSample =
  (f: (s: Sample) => void) =>
  (b: SampleBatch): void => {
    for (let i = 0; i < b.length; i++)
      f({
        tMs: b.tMs[i] as number,
        deviceUs: b.deviceUs[i] as number,
        hostMs: b.hostMs[i] as number,
        deg: b.deg[i] as number,
      });
  };
