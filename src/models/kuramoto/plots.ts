// SVG charts (vega-lite compiled and rendered headless by vega).
import type { TopLevelSpec } from "vega-lite";
import type { Recording } from "./simulate.ts";

export { renderSvg } from "../../plot/svg.ts";

/** At most `max` evenly spaced sample indices, so long runs stay light to render. */
function thin(n: number, max: number): number[] {
  const step = Math.max(1, Math.ceil(n / max));
  const idx: number[] = [];
  for (let i = 0; i < n; i += step) idx.push(i);
  return idx;
}

/** R_E, R_I and R against time; with `gain`, a second panel shows the inhibition gain g(t). */
export function timeSeriesSpec(rec: Recording, title: string, gain: boolean): TopLevelSpec {
  const rows: { t: number; series: string; R: number }[] = [];
  const gains: { t: number; g: number }[] = [];
  for (const i of thin(rec.t.length, 4000)) {
    const t = rec.t[i] as number;
    rows.push({ t, series: "R_E", R: rec.RE[i] as number });
    rows.push({ t, series: "R_I", R: rec.RI[i] as number });
    rows.push({ t, series: "R (all)", R: rec.R[i] as number });
    gains.push({ t, g: rec.gain[i] as number });
  }
  const rPanel = {
    width: 640,
    height: 220,
    data: { values: rows },
    mark: { type: "line" as const, strokeWidth: 1 },
    encoding: {
      x: { field: "t", type: "quantitative" as const, title: "time (s)" },
      y: { field: "R", type: "quantitative" as const, title: "order parameter R", scale: { domain: [0, 1] } },
      color: { field: "series", type: "nominal" as const, title: null },
    },
  };
  if (!gain) return { $schema: "https://vega.github.io/schema/vega-lite/v6.json", title, ...rPanel };
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title,
    vconcat: [
      rPanel,
      {
        width: 640,
        height: 90,
        data: { values: gains },
        mark: { type: "line", color: "black" },
        encoding: {
          x: { field: "t", type: "quantitative", title: "time (s)" },
          y: { field: "g", type: "quantitative", title: "inhibition gain g" },
        },
      },
    ],
  };
}

export interface HeatCell {
  x: number;
  y: number;
  state: string;
  meanR: number;
  oaState?: string | undefined;
}

/**
 * Sweep grid: cell colour = classified state, opacity = mean R; the letter is the OA prediction
 * (S sync, A async, B bistable coexistence, L limit cycle = alternating); black dots trace where OA
 * incoherence changes stability.
 */
export function heatmapSpec(
  cells: HeatCell[],
  xTitle: string,
  yTitle: string,
  boundary: { x: number; y: number }[],
  title: string,
): TopLevelSpec {
  const letter: Record<string, string> = { sync: "S", async: "A", bistable: "B", alternating: "L" };
  const values = cells.map((c) => ({ ...c, oa: c.oaState ? letter[c.oaState] : "" }));
  const xs = [...new Set(cells.map((c) => c.x))].sort((a, b) => a - b);
  const ys = [...new Set(cells.map((c) => c.y))].sort((a, b) => a - b);
  const half = (v: number[]) => (v.length > 1 ? ((v[1] as number) - (v[0] as number)) / 2 : 0.5);
  const hx = half(xs);
  const hy = half(ys);
  const rects = values.map((c) => ({ ...c, x0: c.x - hx, x1: c.x + hx, y0: c.y - hy, y1: c.y + hy }));
  const xDomain = [(xs[0] as number) - hx, (xs.at(-1) as number) + hx];
  const yDomain = [(ys[0] as number) - hy, (ys.at(-1) as number) + hy];
  const x = { type: "quantitative" as const, scale: { domain: xDomain, nice: false, zero: false } };
  const y = { type: "quantitative" as const, scale: { domain: yDomain, nice: false, zero: false } };
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: {
      text: title,
      subtitle: [
        "colour: simulated state, opacity: mean R",
        "letters: OA prediction (S sync, A async, B bistable, L alternating)",
        "dots: where OA incoherence changes stability",
      ],
    },
    width: 480,
    height: 420,
    layer: [
      {
        data: { values: rects },
        mark: { type: "rect", stroke: "white", strokeWidth: 0.5 },
        encoding: {
          x: { ...x, field: "x0", title: xTitle },
          x2: { field: "x1" },
          y: { ...y, field: "y0", title: yTitle },
          y2: { field: "y1" },
          color: {
            field: "state",
            type: "nominal",
            title: "simulated state",
            scale: { domain: ["sync", "bistable", "async"], range: ["#d62728", "#9467bd", "#1f77b4"] },
          },
          opacity: {
            field: "meanR",
            type: "quantitative",
            title: "mean R",
            scale: { domain: [0, 1], range: [0.35, 1] },
          },
        },
      },
      {
        data: { values },
        mark: { type: "text", fontSize: 9, color: "white" },
        encoding: { x: { ...x, field: "x" }, y: { ...y, field: "y" }, text: { field: "oa" } },
      },
      {
        data: { values: boundary },
        mark: { type: "point", filled: true, size: 6, color: "black" },
        encoding: { x: { ...x, field: "x" }, y: { ...y, field: "y" } },
      },
    ],
  };
}
