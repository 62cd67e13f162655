// vega-statistics ships no typings; this is the one function hokr uses.
declare module "vega-statistics" {
  /** Inverse CDF of the normal distribution. */
  export function quantileNormal(p: number, mean?: number, stdev?: number): number;
}
