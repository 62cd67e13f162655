// `hokr report SESSION_DIR`: one self-contained HTML file describing a session — learning curve with the
// fitted model, gain per cycle, eye vs stimulus excerpts per phase, light schedule and the edges the device
// reported, protocol and rig, warnings. Charts are inline SVG (vega-lite rendered in Node), so the file opens
// without a server or a network.
import { join } from "node:path";
import type { TopLevelSpec } from "vega-lite";
import { SessionFollower } from "../dashboard/follow.ts";
import { loadAnimals } from "../fitting/inputs.ts";
import { FitError, fitModel } from "../fitting/model-fit.ts";
import { plotFits } from "../fitting/plot.ts";
import { LEARNING_MODELS } from "../models/learning/index.ts";
import { renderSvg } from "../plot/svg.ts";
import { tsvRows } from "../recording/recorded-rows.ts";
import { SESSION_FILES } from "../recording/session-folder.ts";

/** Length of each phase's eye/stimulus excerpt, s (taken from the middle of the phase). */
const EXCERPT_S = 10;
/** The model drawn over the learning curve (the study's best by AICc: README, "Gain, learning curves"). */
const MODEL = "parallel" as const;

const escapeHtml = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string,
  );
const num = (x: number | null | undefined, d = 3) =>
  x === null || x === undefined || Number.isNaN(x) ? "–" : x.toFixed(d);

/** Samples of one recorded trace inside each window, in one pass over the file. */
function excerpts(dir: string, file: string, column: string, windows: readonly [number, number][]) {
  const out = windows.map(() => [] as { t_s: number; deg: number }[]);
  for (const r of tsvRows(join(dir, file), ["t_us", column])) {
    const tMs = (r.t_us as number) / 1000;
    const v = r[column] as number;
    if (Number.isNaN(v)) continue;
    windows.forEach(([from, to], i) => {
      if (tMs >= from && tMs <= to) out[i]?.push({ t_s: tMs / 1000, deg: v });
    });
  }
  return out;
}

export async function sessionReport(dir: string): Promise<string> {
  const f = new SessionFollower(dir);
  if (!f.poll() || !f.meta || !f.timeline)
    throw new Error(`${dir}: no session.json; is this a session folder?`);
  f.finishAnalysis();
  const meta = f.meta;
  const timeline = f.timeline;
  const warnings: string[] = [];
  if (meta.status !== "complete")
    warnings.push(`session ${meta.status}: ${meta.end?.reason ?? "no end recorded"}`);
  for (const b of f.blocks)
    if (b.quality !== "ok") warnings.push(`block ${b.block} (${b.phase}): ${b.quality}`);
  for (const x of f.faults) warnings.push(`fault at ${x.t_s.toFixed(1)} s: ${x.device}: ${x.message}`);
  for (const [device, d] of Object.entries(meta.devices ?? {})) {
    if (d.rejectedLines > 0) warnings.push(`${device}: ${d.rejectedLines} malformed lines rejected`);
    if (d.frames && d.frames.dropped > 0)
      warnings.push(`${device}: ${d.frames.dropped} of ${d.frames.frames} frames dropped`);
  }

  // Learning curve with the fitted model.
  let curve: string;
  try {
    // A session folder holds one animal; its session.json gives the training and rest windows.
    const animals = loadAnimals(dir, { weights: "none" });
    const fit = fitModel(LEARNING_MODELS[MODEL], animals);
    if (!fit.converged) warnings.push(`${MODEL} model fit did not converge`);
    const p = Object.entries(fit.params)
      .map(([k, v]) => `${k} = ${v.value.toPrecision(3)}`)
      .join(", ");
    curve = `${await plotFits(animals, [fit], LEARNING_MODELS)}<p class="note">${MODEL} model: ${escapeHtml(p)}; AICc ${fit.aicc.toFixed(1)}</p>`;
  } catch (e) {
    if (!(e instanceof FitError || e instanceof Error)) throw e;
    warnings.push(`learning curve not fitted: ${e.message}`);
    curve = `<p class="note">not fitted: ${escapeHtml(e.message)}</p>`;
  }

  const cycles = f.cycles.map((c) => ({
    t_min: (c.startMs + c.endMs) / 2000 / 60,
    gain: Number.isFinite(c.gain) ? c.gain : null,
    good: c.good ? "good" : "rejected",
    phase: c.epoch.phase,
  }));
  const cycleSvg = await renderSvg({
    width: 640,
    height: 220,
    data: { values: cycles },
    mark: { type: "point", filled: true, size: 18 },
    encoding: {
      x: { field: "t_min", type: "quantitative", title: "session time (min)" },
      y: { field: "gain", type: "quantitative", title: "gain per cycle", scale: { zero: false } },
      color: { field: "phase", type: "nominal" },
      shape: { field: "good", type: "nominal", title: "cycle" },
    },
  } as TopLevelSpec);

  const moving = timeline.phases.filter((p) => p.stimulus);
  const windows = moving.map((p): [number, number] => {
    const from = Math.max(p.startS, (p.startS + p.endS) / 2 - EXCERPT_S / 2) * 1000;
    return [from, Math.min(p.endS * 1000, from + EXCERPT_S * 1000)];
  });
  const eye = excerpts(dir, SESSION_FILES.eye, "x_deg", windows);
  const stimulus = excerpts(dir, SESSION_FILES.stimulus, "position_deg", windows);
  const excerptSvgs: string[] = [];
  for (const [i, p] of moving.entries()) {
    const [from, to] = windows[i] as [number, number];
    excerptSvgs.push(
      await renderSvg({
        width: 640,
        height: 160,
        title: `${p.name}: ${(from / 1000).toFixed(0)}–${(to / 1000).toFixed(0)} s`,
        data: {
          values: [
            ...(eye[i] ?? []).map((r) => ({ ...r, trace: "eye" })),
            ...(stimulus[i] ?? []).map((r) => ({ ...r, trace: "stimulus" })),
          ],
        },
        mark: { type: "line", strokeWidth: 1.2 },
        encoding: {
          x: { field: "t_s", type: "quantitative", title: "session time (s)", scale: { zero: false } },
          y: { field: "deg", type: "quantitative", title: "position (deg)" },
          color: { field: "trace", type: "nominal", scale: { range: ["#d62728", "#1f77b4"] } },
        },
      } as TopLevelSpec),
    );
  }

  const lightRows = [
    ...timeline.phases.map((p) => ({
      row: `phase ${p.name}`,
      label: p.name,
      start: p.startS / 60,
      end: p.endS / 60,
    })),
    ...timeline.light.map((l) => ({
      row: `${l.channel} window`,
      label: l.pattern.kind,
      start: l.startS / 60,
      end: l.endS / 60,
    })),
  ];
  const onIntervals: { row: string; start: number; end: number }[] = [];
  const open = new Map<string, number>();
  for (const e of f.edges) {
    if (e.on) open.set(e.channel, open.get(e.channel) ?? e.t_s);
    else if (open.has(e.channel)) {
      onIntervals.push({
        row: `${e.channel} light`,
        start: (open.get(e.channel) as number) / 60,
        end: e.t_s / 60,
      });
      open.delete(e.channel);
    }
  }
  const lightSvg = await renderSvg({
    width: 640,
    data: { values: [...lightRows, ...onIntervals] },
    mark: { type: "bar", height: 14 },
    encoding: {
      y: { field: "row", type: "nominal", title: null },
      x: { field: "start", type: "quantitative", title: "session time (min)" },
      x2: { field: "end" },
      color: { field: "row", type: "nominal", legend: null },
      tooltip: [{ field: "label" }],
    },
  } as TopLevelSpec);

  const s = meta.summary;
  const blocksTable = f.blocks
    .map(
      (b) =>
        `<tr><td>${b.block}</td><td>${escapeHtml(b.phase)}</td><td>${b.t_s.toFixed(0)}</td><td>${num(b.gain)}</td><td>${num(b.phase_lag_deg, 1)}</td><td>${b.cycles_used}/${b.cycles_total}</td><td>${escapeHtml(b.quality)}</td></tr>`,
    )
    .join("");
  const devices = Object.entries(meta.devices ?? {})
    .map(
      ([k, d]) =>
        `<tr><td>${escapeHtml(k)}</td><td>${escapeHtml(d.port)}</td><td>${d.rejectedLines}</td><td>${num(d.clock?.residualMs)}</td><td>${num(d.clock?.driftPpm, 1)}</td><td>${d.frames ? `${d.frames.dropped} / ${d.frames.frames}` : "–"}</td></tr>`,
    )
    .join("");
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>hokr report: ${escapeHtml(meta.protocol.name)} · ${escapeHtml(meta.subject.id)}</title>
<style>
body{font:14px system-ui,sans-serif;max-width:960px;margin:20px auto;color:#222}
h1{font-size:22px} h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ddd}
table{border-collapse:collapse} td,th{padding:2px 10px;text-align:left;border-bottom:1px solid #eee}
.warn{color:#a40} .note{color:#555;font-size:13px} pre{background:#f6f6f6;padding:8px;overflow:auto;font-size:12px}
</style></head><body>
<h1>${escapeHtml(meta.protocol.name)} · ${escapeHtml(meta.subject.id)}</h1>
<table>
<tr><th>status</th><td>${escapeHtml(meta.status)}${meta.end ? ` (${escapeHtml(meta.end.reason)}, ${meta.end.sessionS.toFixed(0)} s)` : ""}</td></tr>
<tr><th>started</th><td>${escapeHtml(meta.startedAt)}${meta.endedAt ? ` · ended ${escapeHtml(meta.endedAt)}` : ""} · ${escapeHtml(meta.clock)} clock</td></tr>
<tr><th>subject</th><td>${escapeHtml(meta.subject.id)}${meta.subject.simulated ? ` (virtual mouse, seed ${meta.subject.seed})` : ""}${meta.subject.flags.length ? ` · ${escapeHtml(meta.subject.flags.join(", "))}` : ""}</td></tr>
<tr><th>online learning</th><td>${num(s?.onlineLearning)} (training ${num(s?.firstTrainingGain)} → ${num(s?.lastTrainingGain)})</td></tr>
<tr><th>offline learning</th><td>${num(s?.offlineLearning)} (end of training ${num(s?.lastTrainingGain)} → test ${num(s?.testGain)})</td></tr>
<tr><th>software</th><td>${escapeHtml(`${meta.software.name} ${meta.software.version}, node ${meta.software.node}`)}</td></tr>
</table>
<h2>Warnings</h2>
${warnings.length === 0 ? "<p>none</p>" : `<ul class="warn">${warnings.map((w) => `<li>${escapeHtml(w)}</li>`).join("")}</ul>`}
<h2>Learning curve</h2>
${curve}
<table><tr><th>block</th><th>phase</th><th>t_s</th><th>gain</th><th>lag°</th><th>cycles</th><th>quality</th></tr>${blocksTable}</table>
<h2>Gain per cycle</h2>
${cycleSvg}
<h2>Eye and stimulus, ${EXCERPT_S} s from the middle of each phase</h2>
${excerptSvgs.join("\n")}
<h2>Light schedule and the light the device reported</h2>
${lightSvg}
<h2>Devices</h2>
<table><tr><th>device</th><th>port</th><th>rejected lines</th><th>clock residual (ms)</th><th>drift (ppm)</th><th>dropped frames</th></tr>${devices}</table>
<h2>Protocol</h2>
<p class="note">${escapeHtml(meta.protocolFile)} · sha256 ${escapeHtml(meta.protocolHash)}</p>
<details><summary>protocol as run</summary><pre>${escapeHtml(JSON.stringify(meta.protocol, null, 2))}</pre></details>
<h2>Rig</h2>
<details><summary>${escapeHtml(meta.rig.name)}</summary><pre>${escapeHtml(JSON.stringify(meta.rig, null, 2))}</pre></details>
</body></html>
`;
}
