// The digit writers the recorder and the simulated devices stream through (src/core/digits.ts) spell every
// number exactly as String() and toFixed(4) do.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { IntegerColumn, MAX_NUMBER_BYTES, writeFixed4, writeInteger } from "../src/core/digits.ts";

const text = (write: (b: Uint8Array, at: number, x: number) => number, x: number): string => {
  const b = new Uint8Array(3 + MAX_NUMBER_BYTES);
  const end = write(b, 3, x);
  expect(end - 3).toBeLessThanOrEqual(MAX_NUMBER_BYTES);
  return Buffer.from(b.subarray(3, end)).toString("latin1");
};

describe("digit writers", () => {
  it("writeInteger is String() for whole numbers, around every power of ten and 32-bit boundary", () => {
    const edges = [0, -0, 2 ** 31, 2 ** 32, Number.MAX_SAFE_INTEGER, 2 ** 53, 1e21].flatMap((e) => [
      e - 1,
      e,
      e + 1,
      -e,
    ]);
    for (let k = 0; k <= 16; k++) edges.push(10 ** k - 1, 10 ** k, -(10 ** k));
    for (const n of edges) expect(text(writeInteger, n), String(n)).toBe(String(n));
    fc.assert(
      fc.property(fc.oneof(fc.maxSafeInteger(), fc.integer({ min: 0, max: 2 ** 32 - 1 })), (n) => {
        expect(text(writeInteger, n)).toBe(String(n));
      }),
      { numRuns: 20000 },
    );
  });

  it("writeFixed4 is toFixed(4), on the 0.0001 grid, near rounding ties and far from them", () => {
    for (const x of [0, -0, 0.00005, -0.00005, 0.00004999, 99999.99995, 1e5, 1e-7, -1e-7, 0.1 + 0.2, 1e20])
      expect(text(writeFixed4, x), String(x)).toBe(x.toFixed(4));
    fc.assert(
      fc.property(
        fc.oneof(
          fc.integer({ min: -2e9, max: 2e9 }).map((n) => n / 1e4),
          fc.integer({ min: -2e9, max: 2e9 }).map((n) => (n + 0.5) / 1e4),
          fc.double({ min: -1e20, max: 1e20, noNaN: true }),
        ),
        (x) => {
          expect(text(writeFixed4, x)).toBe(x.toFixed(4));
        },
      ),
      { numRuns: 20000 },
    );
  });

  it("IntegerColumn is String() for every value of a column, whatever came before it", () => {
    // Times a step apart (the leading digits kept), jumps, and the values it hands to writeInteger.
    const step = fc.tuple(fc.integer({ min: 0, max: 2 ** 32 }), fc.integer({ min: -3000, max: 30_000 }));
    const value = fc.oneof(
      fc.maxSafeInteger(),
      fc.integer({ min: -20_000, max: 20_000 }),
      fc.constantFrom(9999, 10_000, 10_001, 99_999_999, 1e8, 2 ** 53 - 1, 2 ** 53, 1e21, -0, 0.5, 12_345.5),
    );
    fc.assert(
      fc.property(fc.array(fc.oneof(step, value), { maxLength: 60 }), (parts) => {
        const column = new IntegerColumn();
        const values = parts.flatMap((p) =>
          Array.isArray(p) ? Array.from({ length: 5 }, (_, k) => p[0] + k * p[1]) : [p],
        );
        for (const v of values)
          expect(
            text((b, at, x) => column.write(b, at, x), v),
            String(v),
          ).toBe(String(v));
      }),
      { numRuns: 3000 },
    );
  });
});
