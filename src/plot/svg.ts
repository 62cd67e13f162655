// Charts as SVG: a vega-lite spec compiled and rendered by vega in Node. The two libraries take about a
// second to load, so they are loaded on first use, not by every `hokr` command.
import type { TopLevelSpec } from "vega-lite";

export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const [vega, vl] = await Promise.all([import("vega"), import("vega-lite")]);
  return new vega.View(vega.parse(vl.compile(spec).spec), { renderer: "none" }).toSVG();
}
