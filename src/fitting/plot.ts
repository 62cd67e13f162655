// SVG of observed gain blocks with each fitted model's curve (vega-lite compiled and rendered by vega).
import type { TopLevelSpec } from "vega-lite";
import type { LearningModel } from "../models/learning/index.ts";
import { renderSvg } from "../plot/svg.ts";
import type { LoadedAnimal } from "./inputs.ts";
import type { ModelFit } from "./model-fit.ts";

const CURVE_POINTS = 400;
const X = { field: "t_min", type: "quantitative", title: "time since training start (min)" } as const;
const Y = { field: "gain", type: "quantitative", title: "HOKR gain", scale: { zero: false } } as const;

/** One panel per animal (rows) when there are several; blocks as black dots, models as coloured lines. */
export async function plotFits(
  animals: readonly LoadedAnimal[],
  fits: readonly ModelFit[],
  models: Readonly<Record<string, LearningModel>>,
): Promise<string> {
  const rows = animals.flatMap((animal, a) => {
    const times = animal.blocks.map((b) => b.t_s);
    const lo = Math.min(...times);
    const hi = Math.max(...times);
    const grid = Float64Array.from(
      { length: CURVE_POINTS },
      (_, i) => lo + ((hi - lo) * i) / (CURVE_POINTS - 1),
    );
    const curves = fits.flatMap((fit) => {
      const g = (models[fit.name] as LearningModel).predict(
        fit.animals[a]?.values ?? [],
        animal.schedule,
        grid,
      );
      return Array.from(grid, (t, i) => ({
        animal: animal.name,
        kind: "model",
        model: fit.name,
        t_min: t / 60,
        gain: g[i],
      }));
    });
    const blocks = animal.blocks.map((b) => ({
      animal: animal.name,
      kind: "observed",
      t_min: b.t_s / 60,
      gain: b.gain,
    }));
    return [...curves, ...blocks];
  });
  const layer = [
    {
      transform: [{ filter: "datum.kind === 'model'" }],
      mark: { type: "line", strokeWidth: 1.5 },
      encoding: { x: X, y: Y, color: { field: "model", type: "nominal", title: "model" } },
    },
    {
      transform: [{ filter: "datum.kind === 'observed'" }],
      mark: { type: "point", filled: true, color: "black", size: 20 },
      encoding: { x: X, y: Y },
    },
  ];
  const spec =
    animals.length > 1
      ? {
          data: { values: rows },
          facet: { row: { field: "animal", type: "nominal", title: null } },
          spec: { width: 600, height: 160, layer },
        }
      : { data: { values: rows }, width: 600, height: 300, layer };
  return renderSvg(spec as TopLevelSpec);
}
