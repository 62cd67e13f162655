// The per-oscillator update: the WebAssembly SIMD kernel of wasm/step.ts (equations, units and the sin/cos
// polynomial are stated there), or its native twin native/step.c (AVX-512 or AVX2, the same bits) where
// `npm ci` could build it, with the state in one shared WebAssembly.Memory so that worker threads update
// disjoint chunks of the same arrays.
//
// Oscillators of E occupy [0, N_E), those of I [N_E, N_E + N_I), in chunks of CHUNK that never straddle
// the two. Each pass updates a range of chunks and leaves Σcos θ, Σsin θ of every chunk in `sums`, from
// which the caller forms the order parameters Z_b = R_b e^{iψ_b}; summing chunk sums in a fixed order
// makes a run bit-identical for any number of threads, and whichever thread updates a chunk. Noise is drawn
// in JS from each chunk's own stream (rng.ts), whose state is kept in shared memory, into ξ just before the
// kernel reads it, so it does not depend on the thread count or the thread either.
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { fillNormal, streamFromState } from "./rng.ts";

// The part of Node's WebAssembly API used here: TypeScript declares it only in lib.dom, which this
// (Node-only) program does not load, and @types/node 20 does not declare it.
declare global {
  namespace WebAssembly {
    class Module {
      constructor(bytes: Uint8Array);
    }
    class Memory {
      constructor(desc: { initial: number; maximum: number; shared: boolean });
      readonly buffer: SharedArrayBuffer;
    }
    class Instance {
      constructor(module: Module, imports: Record<string, Record<string, unknown>>);
      readonly exports: Record<string, unknown>;
    }
  }
}

export const CHUNK = 4096;

/** Pass kinds (the same numbers as in wasm/step.ts). */
export const INIT = 0; // c, s and sums from C, S
export const EULER = 1; // θ += dt·f + √(2D·dt)·ξ
export const RK1 = 2; // classic RK4, stage by stage: θ̃ = θ + dt/2·k1
export const RK2 = 3; // θ̃ = θ + dt/2·k2
export const RK3 = 4; // θ̃ = θ + dt·k3
export const RK4 = 5; // θ += dt/6·(k1 + 2k2 + 2k3 + k4)

/**
 * Threaded runs share an Int32 control block. A pass: the main thread writes the pass to `params`
 * (writeParams), then bumps GEN, then resets NEXT, in that order (Kernel.share relies on it); every thread
 * claims chunks with Atomics.add(NEXT, 1) until none is left, and the main thread then waits for ACTIVE
 * (threads inside a pass) to reach 0. Claiming keeps both cores busy when one is preempted on a shared
 * machine; results do not depend on which thread updates a chunk. EXIT = 1 (then GEN bumped) ends the workers.
 */
export const CTRL_GEN = 0;
export const CTRL_NEXT = 1;
export const CTRL_ACTIVE = 2;
export const CTRL_EXIT = 3;
export const CTRL_LENGTH = 4;

/**
 * Blocks while ctrl[index] === value. Spins briefly first: a pass takes well under a millisecond, and
 * waking from Atomics.wait costs tens of microseconds per barrier.
 */
export function waitWhile(ctrl: Int32Array, index: number, value: number): void {
  for (let spin = 0; spin < 20_000; spin++) if (Atomics.load(ctrl, index) !== value) return;
  Atomics.wait(ctrl, index, value);
}

export interface Layout {
  nE: number;
  nI: number;
  /** chunk k covers [start[k], start[k+1]) and belongs to population pop[k] (0 = E, 1 = I) */
  start: Int32Array;
  pop: Uint8Array;
  nChunks: number;
}

export function layout(nE: number, nI: number): Layout {
  const cE = Math.ceil(nE / CHUNK);
  const cI = Math.ceil(nI / CHUNK);
  const start = new Int32Array(cE + cI + 1);
  const pop = new Uint8Array(cE + cI);
  for (let k = 0; k < cE; k++) start[k] = k * CHUNK;
  for (let k = 0; k < cI; k++) {
    start[cE + k] = nE + k * CHUNK;
    pop[cE + k] = 1;
  }
  start[cE + cI] = nE + nI;
  return { nE, nI, start, pop, nChunks: cE + cI };
}

/** Byte offsets of the state arrays in the memory; c, s are C, S for Euler; acc, xi are 0 when unused. */
export interface Pointers {
  /** cos θ, sin θ of the state */
  C: number;
  S: number;
  /** natural frequencies, rad/s */
  omega: number;
  /** cos, sin of the state last evaluated (RK4's intermediate states) */
  c: number;
  s: number;
  /** RK4: the k1 + 2k2 + 2k3 accumulator */
  acc: number;
  /** noise: standard normal deviates of the current step */
  xi: number;
  /** 2 per chunk: Σcos, Σsin */
  sums: number;
}

/** The state of one run: what is posted to worker threads. */
export interface State {
  memory: WebAssembly.Memory;
  ptr: Pointers;
  n: number;
  nChunks: number;
  /** xoroshiro128+ state of each chunk's noise stream, 4 int32 per chunk (shared) */
  noise: Int32Array;
}

/** Float64Array views of a state's arrays. */
export interface Views {
  C: Float64Array;
  S: Float64Array;
  omega: Float64Array;
  xi: Float64Array;
  sums: Float64Array;
}

const PAGE = 65536;

/** Memory for a run of n oscillators; shared (a SharedArrayBuffer) so that threads can use it. */
export function allocate(lay: Layout, rk4: boolean, noise: boolean): State {
  const n = lay.nE + lay.nI;
  // 16-byte aligned arrays of n elements
  const bytes = Math.ceil(n / 2) * 16;
  let next = 0;
  const take = (use: boolean, size = bytes) => {
    if (!use) return 0;
    const at = next;
    next += size;
    return at;
  };
  // offset 0 is never an array, so a 0 pointer means "unused"
  take(true, 16);
  const C = take(true);
  const S = take(true);
  const ptr: Pointers = {
    C,
    S,
    omega: take(true),
    c: rk4 ? take(true) : C,
    s: rk4 ? take(true) : S,
    acc: take(rk4),
    xi: take(noise),
    sums: take(true, Math.ceil(lay.nChunks / 2) * 32),
  };
  const pages = Math.ceil(next / PAGE);
  const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
  const noiseState = new Int32Array(new SharedArrayBuffer(noise ? 16 * lay.nChunks : 0));
  return { memory, ptr, n, nChunks: lay.nChunks, noise: noiseState };
}

export function views(st: State): Views {
  const buf = st.memory.buffer;
  const f64 = (at: number, len: number) => new Float64Array(buf, at, at === 0 ? 0 : len);
  return {
    C: f64(st.ptr.C, st.n),
    S: f64(st.ptr.S, st.n),
    omega: f64(st.ptr.omega, st.n),
    xi: f64(st.ptr.xi, st.n),
    sums: f64(st.ptr.sums, 2 * st.nChunks),
  };
}

/** Field of one pass: h_E, h_I (rad/s), step dt (s), noise amplitude σ = √(2D·dt) (rad). */
export interface Field {
  hEre: number;
  hEim: number;
  hIre: number;
  hIim: number;
  dt: number;
  sigma: number;
}

/** A pass (kind and field) in the shared Float64Array(PARAMS_LENGTH) of a threaded run. */
export const PARAMS_LENGTH = 7;

export function writeParams(params: Float64Array, kind: number, f: Field): void {
  params.set([kind, f.hEre, f.hEim, f.hIre, f.hIim, f.dt, f.sigma]);
}

export function readParams(params: Float64Array): [number, Field] {
  const [kind, hEre, hEim, hIre, hIim, dt, sigma] = params as unknown as number[];
  return [kind as number, { hEre, hEim, hIre, hIim, dt, sigma } as Field];
}

/** The kernel's two calls, as the WebAssembly module exports them (`out`: byte offset of Σc, Σs). */
interface Step {
  chunk(
    kind: number,
    lo: number,
    hi: number,
    hr: number,
    hm: number,
    dt: number,
    sig: number,
    out: number,
  ): void;
}

interface WasmExports extends Step {
  bind(C: number, S: number, omega: number, c: number, s: number, acc: number, xi: number): void;
}

/** The native addon's calls: `bind` returns one thread's binding to a memory, which `chunk` takes first. */
interface NativeExports {
  bind(memory: Uint8Array, ...offsets: Parameters<WasmExports["bind"]>): object;
  chunk(binding: object, ...pass: Parameters<Step["chunk"]>): void;
}

let compiled: WebAssembly.Module | undefined;

/** The compiled WebAssembly kernel (compiled once per thread; a WebAssembly.Module can also be posted to a worker). */
function wasmModule(): WebAssembly.Module {
  compiled ??= new WebAssembly.Module(readFileSync(new URL("./wasm/step.wasm", import.meta.url)));
  return compiled;
}

/** Where `npm ci` (package.json's install script) builds native/step.c; absent without a C compiler. */
const NATIVE_ADDON = fileURLToPath(new URL("./native/build/Release/kuramoto_step.node", import.meta.url));

/** Which kernel a run's threads use; what can be posted to a worker thread. */
export type KernelCode =
  | { kind: "native"; path: string }
  | { kind: "webassembly"; module: WebAssembly.Module };

/**
 * The kernel to run: the one asked for, or else the native addon where it was built (several times faster on
 * CPUs with AVX2 or AVX-512), else WebAssembly. Both give the same bits (tests/kuramoto-native.test.ts).
 */
export function kernelCode(kind?: KernelCode["kind"]): KernelCode {
  if (kind === "native" || (kind === undefined && existsSync(NATIVE_ADDON)))
    return { kind: "native", path: NATIVE_ADDON };
  return { kind: "webassembly", module: wasmModule() };
}

/** One thread's instance of the kernel on a run's state. */
export class Kernel {
  readonly #step: Step;
  readonly #lay: Layout;
  readonly #st: State;
  readonly #xi: Float64Array;

  constructor(st: State, lay: Layout, code = kernelCode()) {
    const p = st.ptr;
    if (code.kind === "native") {
      const addon = createRequire(import.meta.url)(code.path) as NativeExports;
      const binding = addon.bind(new Uint8Array(st.memory.buffer), p.C, p.S, p.omega, p.c, p.s, p.acc, p.xi);
      this.#step = {
        chunk: (kind, lo, hi, hr, hm, dt, sig, out) =>
          addon.chunk(binding, kind, lo, hi, hr, hm, dt, sig, out),
      };
    } else {
      const wasm = new WebAssembly.Instance(code.module, { env: { memory: st.memory } })
        .exports as unknown as WasmExports;
      wasm.bind(p.C, p.S, p.omega, p.c, p.s, p.acc, p.xi);
      this.#step = wasm;
    }
    this.#lay = lay;
    this.#st = st;
    this.#xi = views(st).xi;
  }

  /** One pass over chunk k. */
  chunk(kind: number, f: Field, k: number): void {
    const lay = this.#lay;
    const lo = lay.start[k] as number;
    const hi = lay.start[k + 1] as number;
    const sigma = kind === EULER ? f.sigma : 0;
    if (sigma > 0) {
      const state = this.#st.noise.subarray(4 * k, 4 * k + 4);
      const rng = streamFromState(Array.from(state));
      fillNormal(rng, this.#xi.subarray(lo, hi), hi - lo);
      state.set(rng.getState());
    }
    const isI = lay.pop[k] === 1;
    const out = this.#st.ptr.sums + 16 * k;
    this.#step.chunk(kind, lo, hi, isI ? f.hIre : f.hEre, isI ? f.hIim : f.hEim, f.dt, sigma, out);
  }

  /** One pass over every chunk, in this thread. */
  pass(kind: number, f: Field): void {
    for (let k = 0; k < this.#lay.nChunks; k++) this.chunk(kind, f, k);
  }

  /**
   * This thread's part of a threaded pass (see CTRL_GEN): claims chunks until none is left, then leaves.
   * `fieldOf` reads the field of the current generation.
   */
  share(ctrl: Int32Array, fieldOf: () => [number, Field]): void {
    Atomics.add(ctrl, CTRL_ACTIVE, 1);
    let gen = Atomics.load(ctrl, CTRL_GEN);
    let [kind, f] = fieldOf();
    for (;;) {
      const k = Atomics.add(ctrl, CTRL_NEXT, 1);
      if (k >= this.#lay.nChunks) break;
      // A valid claim made after the main thread started a newer pass (GEN bumped before NEXT was reset) shows
      // as a new GEN: read that pass's field, complete since it was written before GEN. No later pass can
      // start while this thread is ACTIVE.
      const now = Atomics.load(ctrl, CTRL_GEN);
      if (now !== gen) {
        gen = now;
        [kind, f] = fieldOf();
      }
      this.chunk(kind, f, k);
    }
    Atomics.sub(ctrl, CTRL_ACTIVE, 1);
    Atomics.notify(ctrl, CTRL_ACTIVE);
  }
}

/** Order parameters Z_E, Z_I (mean of e^{iθ}) from the chunk sums; 0 for an empty population. */
export function orderParameters(sums: Float64Array, lay: Layout): [number, number, number, number] {
  let er = 0;
  let ei = 0;
  let ir = 0;
  let ii = 0;
  for (let k = 0; k < lay.nChunks; k++) {
    if (lay.pop[k] === 0) {
      er += sums[2 * k] as number;
      ei += sums[2 * k + 1] as number;
    } else {
      ir += sums[2 * k] as number;
      ii += sums[2 * k + 1] as number;
    }
  }
  const nE = lay.nE || 1;
  const nI = lay.nI || 1;
  return [er / nE, ei / nE, ir / nI, ii / nI];
}
