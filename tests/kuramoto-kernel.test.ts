// The WebAssembly step kernel's cos δ and sin δ (its own range reduction and polynomials, wasm/step.ts)
// against V8's Math.cos and Math.sin, which reduce exactly and round to within 1 ulp.
import { describe, expect, test } from "vitest";
import { allocate, EULER, INIT, Kernel, kernelCode, layout, views } from "../src/models/kuramoto/kernel.ts";
import { runStreams } from "../src/models/kuramoto/rng.ts";

/** Turns δ (rad) of oscillators starting at θ = 0, uncoupled: one Euler step with dt = 1 s and ω_i = δ_i. */
function turn(deltas: readonly number[]): { C: Float64Array; S: Float64Array } {
  const lay = layout(deltas.length, 0);
  const state = allocate(lay, false, false);
  const v = views(state);
  v.C.fill(1);
  v.S.fill(0);
  v.omega.set(deltas);
  // the WebAssembly kernel, which defines the step (the native one gives its bits: kuramoto-native.test.ts)
  const kernel = new Kernel(state, lay, kernelCode("webassembly"));
  const field = { hEre: 0, hEim: 0, hIre: 0, hIim: 0, dt: 1, sigma: 0 };
  kernel.pass(INIT, field);
  kernel.pass(EULER, field);
  return { C: v.C, S: v.S };
}

describe("cos δ and sin δ of the step kernel", () => {
  // a dense grid over ±20 rad, log-uniform magnitudes from 1e-8 to 1e6 rad, and the quadrant boundaries
  // kπ/4 (|k| ≤ 4000) with their neighbours one ulp either side
  const deltas: number[] = [];
  for (let i = -200_000; i <= 200_000; i++) deltas.push(i * 1e-4);
  let x = 1;
  const uniform = () => {
    x = (x * 16807) % 2147483647;
    return x / 2147483647;
  };
  for (let i = 0; i < 400_000; i++) deltas.push((uniform() < 0.5 ? -1 : 1) * 10 ** (-8 + 14 * uniform()));
  for (let k = -4000; k <= 4000; k++) {
    const v = (k * Math.PI) / 4;
    for (const e of [-1, 0, 1]) deltas.push(v + e * Math.abs(v) * 2 ** -52);
  }

  test("within 2^-52 (≈ 2.2e-16) of Math.cos, Math.sin for |δ| ≤ 1e6 rad, after the renormalisation", () => {
    const { C, S } = turn(deltas);
    let worst = 0;
    deltas.forEach((d, i) => {
      worst = Math.max(
        worst,
        Math.abs((C[i] as number) - Math.cos(d)),
        Math.abs((S[i] as number) - Math.sin(d)),
      );
    });
    expect(worst).toBeLessThanOrEqual(2 ** -52);
    // the comparison can fail: it sees the last bits
    expect(worst).toBeGreaterThan(0);
  });

  test("one oscillator gives the same bits in a SIMD pair as alone at a chunk's odd end", () => {
    const atOddEnd = turn(deltas.slice(0, 4097)); // chunks [0, 4096) and [4096, 4097)
    const inPair = turn(deltas.slice(4096, 4098));
    expect(atOddEnd.C[4096]).toBe(inPair.C[0]);
    expect(atOddEnd.S[4096]).toBe(inPair.S[0]);
  });
});

describe("chunks are independent", () => {
  // What makes threaded runs bit-identical: a pass gives the same bits whichever order (or thread) its chunks
  // are updated in, noise included.
  test("Euler–Maruyama passes over the chunks in reverse order give the same state and chunk sums", () => {
    const lay = layout(9001, 4099);
    const run = (order: number[]) => {
      const state = allocate(lay, false, true);
      const v = views(state);
      runStreams(3, lay.nChunks).chunks.forEach((g, k) => {
        state.noise.set(g.getState(), 4 * k);
      });
      for (let i = 0; i < v.C.length; i++) {
        v.C[i] = Math.cos(i);
        v.S[i] = Math.sin(i);
        v.omega[i] = 0.01 * (i % 200) - 1;
      }
      const kernel = new Kernel(state, lay);
      const field = { hEre: 0.3, hEim: -0.2, hIre: 0.1, hIim: 0.4, dt: 0.05, sigma: 0.3 };
      kernel.pass(INIT, field);
      for (let step = 0; step < 5; step++) for (const k of order) kernel.chunk(EULER, field, k);
      return v;
    };
    const forward = Array.from({ length: lay.nChunks }, (_, k) => k);
    const a = run(forward);
    const b = run(forward.toReversed());
    const bits = (x: Float64Array) => Buffer.from(x.buffer, x.byteOffset, x.byteLength);
    for (const key of ["C", "S", "sums"] as const) expect(bits(b[key]).equals(bits(a[key])), key).toBe(true);
    expect(a.C[0]).not.toBe(Math.cos(0));
  });
});
