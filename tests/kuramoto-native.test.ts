// The native step kernel (native/step.c, built by `npm ci`) against the WebAssembly kernel (wasm/step.ts) it
// is the twin of: every pass kind, from the same state, leaves the same bits in every array and chunk sum —
// with and without noise, δ small and huge (reduced or not, the reduction skipped per pair), chunks whose
// length is not a multiple of 8 or even of 2. CI builds the addon, so there this test runs; a machine without
// a C compiler runs the WebAssembly kernel and skips it.
import { existsSync } from "node:fs";
import { describe, expect, test } from "vitest";
import {
  allocate,
  EULER,
  INIT,
  Kernel,
  kernelCode,
  layout,
  RK1,
  RK2,
  RK3,
  RK4,
  views,
} from "../src/models/kuramoto/kernel.ts";
import { runStreams } from "../src/models/kuramoto/rng.ts";

const native = kernelCode("native");
const built = native.kind === "native" && existsSync(native.path);

/** A run's state over `lay` with phases, frequencies (some far in the tails) and noise streams from `seed`. */
function state(lay: ReturnType<typeof layout>, rk4: boolean, seed: number) {
  const st = allocate(lay, rk4, !rk4);
  const v = views(st);
  runStreams(seed, rk4 ? 0 : lay.nChunks).chunks.forEach((g, k) => {
    st.noise.set(g.getState(), 4 * k);
  });
  let x = seed;
  const uniform = () => {
    x = (x * 16807) % 2147483647;
    return x / 2147483647;
  };
  for (let i = 0; i < v.C.length; i++) {
    const theta = (uniform() - 0.5) * 40;
    v.C[i] = Math.cos(theta);
    v.S[i] = Math.sin(theta);
    const u = uniform();
    // Lorentzian frequencies, every 97th up to 5e6 rad/s (δ far beyond π/4 even at small dt), some exact zeros
    v.omega[i] = i % 97 === 0 ? (u - 0.5) * 1e7 : i % 89 === 0 ? 0 : Math.tan(Math.PI * (u - 0.5));
  }
  return st;
}

const bits = (st: ReturnType<typeof allocate>) => Buffer.from(st.memory.buffer);

describe.runIf(built || process.env.CI)("the native kernel gives the WebAssembly kernel's bits", () => {
  const lay = layout(9001, 4099);
  const fields = [0.001, 0.01, 0.3, 7].map((dt) => ({
    hEre: 0.3,
    hEim: -1.7,
    hIre: 2.1,
    hIim: 0.4,
    dt,
    sigma: 0,
  }));

  test("Euler–Maruyama, with and without noise", () => {
    for (const sigma of [0, 0.05]) {
      const a = state(lay, false, 11);
      const b = state(lay, false, 11);
      const wasm = new Kernel(a, lay, kernelCode("webassembly"));
      const nat = new Kernel(b, lay, native);
      wasm.pass(INIT, fields[0] as (typeof fields)[0]);
      nat.pass(INIT, fields[0] as (typeof fields)[0]);
      for (const f of fields)
        for (let step = 0; step < 3; step++) {
          wasm.pass(EULER, { ...f, sigma });
          nat.pass(EULER, { ...f, sigma });
          expect(bits(b).equals(bits(a)), `σ ${sigma}, dt ${f.dt}, step ${step}`).toBe(true);
        }
      expect(views(a).C[1]).not.toBe(views(state(lay, false, 11)).C[1]);
    }
  });

  test("the four stages of RK4", () => {
    const a = state(lay, true, 5);
    const b = state(lay, true, 5);
    const wasm = new Kernel(a, lay, kernelCode("webassembly"));
    const nat = new Kernel(b, lay, native);
    for (const f of fields) {
      for (const kind of [INIT, RK1, RK2, RK3, RK4]) {
        wasm.pass(kind, f);
        nat.pass(kind, f);
        expect(bits(b).equals(bits(a)), `kind ${kind}, dt ${f.dt}`).toBe(true);
      }
    }
  });

  test("a chunk of one oscillator, and of three", () => {
    for (const n of [1, 3]) {
      const one = layout(n, 0);
      const a = state(one, false, 3);
      const b = state(one, false, 3);
      const f = { hEre: 0.2, hEim: 0.1, hIre: 0, hIim: 0, dt: 2, sigma: 0.5 };
      for (const [st, code] of [
        [a, kernelCode("webassembly")],
        [b, native],
      ] as const) {
        const k = new Kernel(st, one, code);
        k.pass(INIT, f);
        k.pass(EULER, f);
      }
      expect(bits(b).equals(bits(a)), `${n} oscillators`).toBe(true);
    }
  });
});
