// Worker of a phase-diagram sweep (sweep.ts): simulates, classifies and predicts (OA) one cell per message.
import { parentPort, workerData } from "node:worker_threads";
import { classify } from "./classify.ts";
import { oaParams, oaPredict } from "./oa.ts";
import { simulateInProcess } from "./simulate.ts";
import { cellRun, type Sweep, type SweepCell } from "./sweep.ts";

const { sweep } = workerData as { sweep: Sweep };

parentPort?.on("message", ({ index, x, y }: { index: number; x: number; y: number }) => {
  const run = cellRun(sweep, x, y);
  const { recording } = simulateInProcess(run);
  const cell: SweepCell = {
    x,
    y,
    classification: classify(recording.t, recording.R, sweep.classify),
    oaState:
      run.model.distribution === "lorentzian"
        ? oaPredict(oaParams(run.model), sweep.classify).state
        : undefined,
  };
  parentPort?.postMessage({ index, cell });
});
