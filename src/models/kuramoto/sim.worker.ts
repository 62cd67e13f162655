// Worker for one run split across threads (simulate.ts): at each pass, claims chunks with the other threads.
import { parentPort, workerData } from "node:worker_threads";
import {
  CTRL_EXIT,
  CTRL_GEN,
  Kernel,
  type KernelCode,
  layout,
  readParams,
  type State,
  waitWhile,
} from "./kernel.ts";

const { code, state, nE, nI, ctrl, params } = workerData as {
  code: KernelCode;
  state: State;
  nE: number;
  nI: number;
  ctrl: Int32Array;
  params: Float64Array;
};
const kernel = new Kernel(state, layout(nE, nI), code);
// read the generation before announcing readiness, so the first pass cannot be missed
let seen = Atomics.load(ctrl, CTRL_GEN);
parentPort?.postMessage("ready");

for (;;) {
  waitWhile(ctrl, CTRL_GEN, seen);
  if (Atomics.load(ctrl, CTRL_EXIT) === 1) break;
  seen = Atomics.load(ctrl, CTRL_GEN);
  kernel.share(ctrl, () => readParams(params));
}
