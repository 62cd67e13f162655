// The live dashboard page: draws what the server pushes (live-data.ts) with uPlot, and the timeline on a
// canvas. It only listens: nothing it could send would reach the rig.
import uPlot from "uplot";
import type { LiveMessage, SessionMessage } from "./messages.ts";

const token = document.body.dataset.token ?? "";
const $ = (id: string) => document.getElementById(id) as HTMLElement;
const mmss = (s: number) => {
  const t = Math.max(0, Math.round(s));
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const sec = String(t % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${sec}` : `${m}:${sec}`;
};
const fixed = (x: number | null | undefined, d = 3) =>
  x === null || x === undefined || Number.isNaN(x) ? "–" : x.toFixed(d);

const width = () => Math.min(1100, window.innerWidth - 40);
const trace = new uPlot(
  {
    width: width(),
    height: 260,
    scales: { x: { time: false } },
    axes: [{ label: "session time (s)" }, { label: "deg" }],
    series: [
      {},
      { label: "eye", stroke: "#d62728", width: 1.5 },
      { label: "stimulus", stroke: "#1f77b4", width: 1.5 },
    ],
  },
  [[], [], []],
  $("trace"),
);
const gains = new uPlot(
  {
    width: Math.min(700, width()),
    height: 220,
    scales: { x: { time: false } },
    axes: [{ label: "session time (min)" }, { label: "gain" }],
    series: [
      {},
      { label: "cycle", stroke: "#999", width: 0, points: { show: true, size: 4, fill: "#999" } },
      { label: "block", stroke: "#2ca02c", width: 2, spanGaps: true, points: { show: true, size: 6 } },
    ],
  },
  [[], [], []],
  $("gains"),
);

let session: SessionMessage | undefined;
const cycles: LiveMessage["cycles"] = [];
const blocks: LiveMessage["blocks"] = [];
const edges: LiveMessage["edges"] = [];
const faults: LiveMessage["faults"] = [];
let nowS = 0;
let updates = 0;

function drawGains(): void {
  const points = [
    ...cycles.map((c) => ({ t: c.t_s / 60, cycle: c.good ? c.gain : null, block: null as number | null })),
    ...blocks.map((b) => ({
      t: b.t_s / 60,
      cycle: null as number | null,
      block: Number.isFinite(b.gain) ? b.gain : null,
    })),
  ].sort((a, b) => a.t - b.t);
  gains.setData([points.map((p) => p.t), points.map((p) => p.cycle), points.map((p) => p.block)]);
}

const CHANNEL_COLOURS = ["#1f77b4", "#ff7f0e", "#9467bd", "#8c564b"];
function drawTimeline(): void {
  const canvas = $("timeline") as HTMLCanvasElement;
  const w = canvas.clientWidth;
  const h = canvas.clientHeight;
  // Resizing reallocates the canvas: only when its size changed; otherwise it is cleared and redrawn.
  if (canvas.width !== w || canvas.height !== h) {
    canvas.width = w;
    canvas.height = h;
  }
  const c = canvas.getContext("2d") as CanvasRenderingContext2D;
  c.clearRect(0, 0, w, h);
  const s = session;
  if (!s) return;
  const x = (t: number) => (t / s.durationS) * w;
  c.font = "11px system-ui";
  s.phases.forEach((p, i) => {
    c.fillStyle = p.stimulusOn ? (i % 2 ? "#dbe9f6" : "#c6dbef") : "#eee";
    c.fillRect(x(p.startS), 0, x(p.endS) - x(p.startS), 22);
    c.fillStyle = "#333";
    c.fillText(p.name, x(p.startS) + 3, 15);
  });
  const channels = [...new Set([...s.lightWindows.map((l) => l.channel), ...edges.map((e) => e.channel)])];
  channels.forEach((ch, k) => {
    const y = 28 + k * 20;
    const colour = CHANNEL_COLOURS[k % CHANNEL_COLOURS.length] as string;
    c.strokeStyle = colour;
    for (const l of s.lightWindows.filter((l) => l.channel === ch))
      c.strokeRect(x(l.startS), y, x(l.endS) - x(l.startS), 14);
    // Light the device reported: from each on edge to the next off edge of the channel.
    c.fillStyle = colour;
    let on: number | undefined;
    for (const e of edges.filter((e) => e.channel === ch)) {
      if (e.on) on ??= e.t_s;
      else if (on !== undefined) {
        c.fillRect(x(on), y + 3, Math.max(1, x(e.t_s) - x(on)), 8);
        on = undefined;
      }
    }
    if (on !== undefined) c.fillRect(x(on), y + 3, Math.max(1, x(nowS) - x(on)), 8);
    c.fillText(ch, 2, y + 11);
  });
  c.fillStyle = "#d62728";
  c.fillRect(x(nowS) - 1, 0, 2, h);
}

function drawHealth(m: LiveMessage): void {
  const rows: [string, string, boolean?][] = [
    [
      "eye tracker",
      `${m.tracker.samplesPerS.toFixed(0)} samples/s, pupil lost ${(100 * m.tracker.lostFraction).toFixed(1)}%`,
      m.tracker.lostFraction > 0.2,
    ],
    [
      "faults",
      faults.length === 0 ? "none" : `${faults.length}: ${faults.at(-1)?.device} ${faults.at(-1)?.message}`,
      faults.length > 0,
    ],
    ["watchdog trips", String(m.watchdogTrips), m.watchdogTrips > 0],
  ];
  for (const [device, d] of Object.entries(session?.devices ?? {}))
    rows.push([
      device,
      `rejected lines ${d.rejectedLines}, clock-fit residual ${fixed(d.residualMs, 3)} ms`,
      d.rejectedLines > 0,
    ]);
  if (Object.keys(session?.devices ?? {}).length === 0)
    rows.push(["devices", "rejected lines and clock fit: in session.json when the session ends"]);
  const table = $("health");
  table.replaceChildren(
    ...rows.map(([k, v, bad]) => {
      const tr = document.createElement("tr");
      const a = document.createElement("td");
      a.textContent = k;
      const b = document.createElement("td");
      b.textContent = v;
      if (bad) b.className = "bad";
      tr.append(a, b);
      return tr;
    }),
  );
}

function onSession(m: SessionMessage): void {
  session = m;
  $("title").textContent = `${m.protocol} · ${m.subject}`;
  $("status").textContent = `${m.status} (${m.clock} clock)`;
  document.body.dataset.status = m.status;
}

function onLive(m: LiveMessage): void {
  nowS = m.elapsedS;
  cycles.push(...m.cycles);
  blocks.push(...m.blocks);
  edges.push(...m.edges);
  faults.push(...m.faults);
  $("phase").textContent = m.phase || (session?.status === "running" ? "–" : "ended");
  $("elapsed").textContent = mmss(m.elapsedS);
  $("remaining").textContent = mmss(m.remainingS);
  $("gain").textContent = fixed(blocks.at(-1)?.gain);
  trace.setData([m.trace.t, m.trace.eye, m.trace.stimulus]);
  if (m.cycles.length > 0 || m.blocks.length > 0) drawGains();
  drawTimeline();
  drawHealth(m);
  document.body.dataset.updates = String(++updates);
  document.body.dataset.cycles = String(cycles.length);
  document.body.dataset.blocks = String(blocks.length);
}

function connect(): void {
  const ws = new WebSocket(`ws://${location.host}/live?token=${token}`);
  ws.onmessage = (e) => {
    const m = JSON.parse(String(e.data)) as SessionMessage | LiveMessage;
    if (m.kind === "session") onSession(m);
    else onLive(m);
  };
  ws.onopen = () => {
    // A new connection starts from the beginning of the session.
    for (const list of [cycles, blocks, edges, faults]) list.length = 0;
  };
  ws.onclose = () => {
    $("status").textContent = "dashboard server gone (the session is unaffected)";
    setTimeout(connect, 2000);
  };
}
connect();
