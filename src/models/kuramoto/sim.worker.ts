// Worker for one run split across threads (simulate.ts): waits for each pass, updates its chunks, reports.
import { parentPort, workerData } from "node:worker_threads";
import {
  CTRL_DONE,
  CTRL_GEN,
  type Field,
  Kernel,
  layout,
  PARAM_EXIT,
  type State,
  waitWhile,
} from "./kernel.ts";
import { streamFromState } from "./rng.ts";

const { module, state, nE, nI, k0, k1, noiseStates, ctrl, params } = workerData as {
  module: WebAssembly.Module;
  state: State;
  nE: number;
  nI: number;
  k0: number;
  k1: number;
  noiseStates: number[][];
  ctrl: Int32Array;
  params: Float64Array;
};
const kernel = new Kernel(state, layout(nE, nI), module);
// noise streams indexed by chunk, as Kernel.pass expects
const noise = new Array(k0).fill(undefined).concat(noiseStates.map(streamFromState));
// read the generation before announcing readiness, so the first pass cannot be missed
let gen = Atomics.load(ctrl, CTRL_GEN);
parentPort?.postMessage("ready");

for (;;) {
  waitWhile(ctrl, CTRL_GEN, gen);
  gen = Atomics.load(ctrl, CTRL_GEN);
  const kind = params[0] as number;
  if (kind === PARAM_EXIT) break;
  const f: Field = {
    hEre: params[1] as number,
    hEim: params[2] as number,
    hIre: params[3] as number,
    hIim: params[4] as number,
    dt: params[5] as number,
    sigma: params[6] as number,
  };
  kernel.pass(kind, f, k0, k1, noise);
  Atomics.add(ctrl, CTRL_DONE, 1);
  Atomics.notify(ctrl, CTRL_DONE, 1);
}
