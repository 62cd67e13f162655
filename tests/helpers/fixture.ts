// Committed numpy/scipy references (tests/fixtures/NAME.json, written by tests/fixtures/NAME.py; see
// tests/fixtures/oracle.py). Tests read them; no test starts Python. `npm run oracles` checks they are current.
import { readFileSync } from "node:fs";

/** The reference written by tests/fixtures/`name`.py. */
export function loadFixture<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../fixtures/${name}.json`, import.meta.url), "utf8")) as T;
}

/** JSON has no NaN: the scripts write missing values (blinks, undefined results) as null. */
export const withNaN = (values: readonly (number | null)[]): number[] =>
  values.map((v) => (v === null ? Number.NaN : v));
