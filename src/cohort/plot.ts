// The study's figure: mean gain per group through training, rest and test, with 95% CI bands (t-based,
// across animals), the rest shaded. vega-lite compiled and rendered to SVG by vega.
import type { TopLevelSpec } from "vega-lite";
import { renderSvg } from "../plot/svg.ts";
import type { GroupReport } from "./report.ts";

/** Horizontal spacing of groups' test points, min. */
const DODGE_MIN = 0.5;

export interface RestSpan {
  /** s since training start */
  readonly startS: number;
  readonly endS: number;
}

export async function plotCohort(
  groups: readonly GroupReport[],
  rest: RestSpan | undefined,
): Promise<string> {
  const rows = groups.flatMap((g, i) =>
    g.curve.map((p) => {
      // A phase of one block (the test) shows as a point with an error bar, dodged so groups do not overlap.
      const single = g.curve.filter((q) => q.phase === p.phase).length === 1;
      const dodgeMin = single ? (i - (groups.length - 1) / 2) * DODGE_MIN : 0;
      return {
        group: g.group,
        phase: p.phase,
        single,
        t_min: p.t_s / 60 + dodgeMin,
        gain: p.gain.mean,
        lo: p.gain.ci95[0],
        hi: p.gain.ci95[1],
      };
    }),
  );
  const x = { field: "t_min", type: "quantitative", title: "time since training start (min)" } as const;
  const color = {
    field: "group",
    type: "nominal",
    title: "group",
    sort: groups.map((g) => g.group),
  } as const;
  const y = {
    field: "gain",
    type: "quantitative",
    title: "HOKR gain (mean, 95% CI)",
    scale: { zero: false },
  };
  const layer: unknown[] = [
    ...(rest
      ? [
          {
            data: { values: [{ a: rest.startS / 60, b: rest.endS / 60, label: "rest (dark)" }] },
            layer: [
              {
                mark: { type: "rect", color: "#f3f3f3" },
                encoding: { x: { field: "a", type: "quantitative" }, x2: { field: "b" } },
              },
              {
                mark: { type: "text", baseline: "top", color: "#777777" },
                encoding: {
                  x: { datum: (rest.startS + rest.endS) / 120, type: "quantitative" },
                  y: { value: 4 },
                  text: { field: "label" },
                },
              },
            ],
          },
        ]
      : []),
    {
      // Bands and lines within each phase only: nothing was measured during the rest.
      mark: { type: "area", opacity: 0.18 },
      encoding: {
        x,
        y: { field: "lo", type: "quantitative" },
        y2: { field: "hi" },
        color,
        detail: { field: "phase" },
      },
    },
    { mark: { type: "line", strokeWidth: 1.5 }, encoding: { x, y, color, detail: { field: "phase" } } },
    { mark: { type: "point", filled: true, size: 18 }, encoding: { x, y, color } },
    {
      transform: [{ filter: "datum.single" }],
      mark: { type: "rule" },
      encoding: { x, y: { field: "lo", type: "quantitative" }, y2: { field: "hi" }, color },
    },
  ];
  const spec = {
    title: "HOKR gain by group: training, rest, test (mean across animals; bands and bars: 95% CI)",
    width: 640,
    height: 360,
    data: { values: rows },
    layer,
    config: { legend: { symbolOpacity: 1 } },
  };
  return renderSvg(spec as TopLevelSpec);
}
