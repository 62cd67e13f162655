// The control path with a live dashboard watching vs none (target: within 10% of each other). The same short
// protocol runs on the simulated rig on the real clock, alternately plain and with `--dashboard` plus a
// headless Chromium drawing the dashboard page — the dashboard's whole cost, on the same 2 cores. Rounds
// alternate the order (none/dashboard, dashboard/none, …) so a machine that gets busier or quieter affects
// both alike. Figures come from each session's own record, pooled over the rounds:
//   sample latency  = host_us − t_us of every eye sample (arrival at the host vs the device's time stamp
//                     mapped to the session clock), p99;
//   window start    = first light-on edge of each light window − the window's scheduled start, p99 (the
//                     engine commands each window ahead, so this is how well the start lands on time);
//   pulse lateness  = every light-on edge − its scheduled time by the pulse-train rule, p99 (the simulated
//                     controller times each pulse on the session clock: its timers' lateness on a busy host).
// The spread is the range of the per-session p99s, to tell a real difference from the shared machine's noise.
// The target is judged with the dashboard connected: from OPENING_S into the session, once its page has loaded
// and drawn. The opening seconds, while Chromium loads the page (a burst on both cores), are shown apart.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Protocol } from "../src/protocol/schema.ts";
import { buildTimeline, lightOnIntervals } from "../src/protocol/timeline.ts";
import { jsonlRows, tsvRows } from "../src/recording/recorded-rows.ts";
import { launchChromium } from "../tests/helpers/browser.ts";
import { SHORT_PROTOCOL } from "../tests/helpers/short-protocol.ts";
import { median } from "./interleaved.ts";

const TRAINING_S = 40;
/** Seconds at the start of each session in which the dashboard page loads: reported apart from the rest. */
const OPENING_S = 5;
/** A light window of 0.49 s (10 pulses of 20 ms every 50 ms) at each second of training after the first. */
const WINDOWS = TRAINING_S - 1;
const PROTOCOL = Protocol.parse({
  ...SHORT_PROTOCOL,
  name: "bench-dashboard",
  phases: [{ ...SHORT_PROTOCOL.phases[0], durationS: TRAINING_S, cyclesPerBlock: 2 }],
  light: Array.from({ length: WINDOWS }, (_, k) => ({
    ...SHORT_PROTOCOL.light[0],
    // Closes 20 ms after its last pulse ends: no pulse is due at the moment it closes.
    window: { phase: "training", startOffsetS: 1 + k, endOffsetS: 1.49 + k - TRAINING_S },
    pattern: { kind: "pulses", pulseWidthMs: 20, periodMs: 50 },
  })),
});
const ROUNDS = 8;

const p99 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(0.99 * (xs.length - 1))] as number;

interface Figures {
  sampleMs: number[];
  windowStartMs: number[];
  pulseMs: number[];
  /** Window starts and pulses the record lacks. */
  missing: number;
}
type Metric = Exclude<keyof Figures, "missing">;
/** A session's figures in the opening seconds (the page loading) and with the dashboard connected. */
type Stretches = { opening: Figures; connected: Figures };

function figures(dir: string): Stretches {
  const openingMs = OPENING_S * 1000;
  const split = (): Stretches => ({
    opening: { sampleMs: [], windowStartMs: [], pulseMs: [], missing: 0 },
    connected: { sampleMs: [], windowStartMs: [], pulseMs: [], missing: 0 },
  });
  const out = split();
  const at = (tMs: number) => (tMs < openingMs ? out.opening : out.connected);
  for (const r of tsvRows(join(dir, "eye.tsv"), ["t_us", "host_us"]))
    at(r.t_us / 1000).sampleMs.push((r.host_us - r.t_us) / 1000);
  const windows = buildTimeline(PROTOCOL).light.map((l) => ({
    startMs: l.startS * 1000,
    onsMs: [...lightOnIntervals(l)].map(([on]) => on * 1000),
  }));
  const scheduled = windows.flatMap((w) => w.onsMs);
  const ons = [...jsonlRows(join(dir, "events.jsonl"))]
    .filter((e) => e.type === "light-edge" && e.on === true)
    .map((e) => (e.t_s as number) * 1000);
  // Each on edge belongs to the nearest scheduled onset (pulses are 50 ms apart, lateness ≪ that).
  const matched = new Set<number>();
  for (const t of ons) {
    let s = scheduled[0] as number;
    for (const x of scheduled) if (Math.abs(x - t) < Math.abs(s - t)) s = x;
    matched.add(s);
    at(s).pulseMs.push(t - s);
  }
  // Each window's first on edge (windows are 1 s apart, the edges within ms of their schedule). A window whose
  // train started late loses the pulses its end cuts off: counted, not hidden.
  for (const w of windows) {
    const first = ons.find((t) => t > w.startMs - 250);
    if (first !== undefined && first < w.startMs + 250) at(w.startMs).windowStartMs.push(first - w.startMs);
    else at(w.startMs).missing++;
  }
  for (const s of scheduled) if (!matched.has(s)) at(s).missing++;
  return out;
}

/** Makes a Node process write its own CPU time (user + system, µs) to stderr as it exits. */
const REPORT_CPU =
  'data:text/javascript,process.on("exit",()=>{const u=process.cpuUsage();process.stderr.write("session-cpu-us "+(u.user+u.system)+"\\n")})';

/** The CPU priority each session said it got (src/cli/priority.ts). */
const priorities = new Set<string>();

/**
 * Runs one session; returns the session process's own CPU time, ms (the dashboard's processes not included).
 * Chromium is open from before the session starts in both arms, as a lab's browser is: the dashboard arm has
 * it show the page, the other leaves it blank, so what differs is the dashboard's own work, not a browser
 * starting up mid-session.
 */
async function session(dir: string, watched: boolean): Promise<number> {
  const args = [
    "--import",
    REPORT_CPU,
    "src/cli/hokr.js",
    "run",
    join(dir, "..", "protocol.json"),
    "--sim",
    "--realtime",
    "--out",
    dir,
    "--json",
  ];
  if (watched) args.push("--dashboard");
  const browser = await launchChromium({ width: 1150, height: 960 });
  const page = await browser.context.newPage();
  const child = spawn(process.execPath, args, { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  let shown = false;
  child.stderr.on("data", (d) => {
    stderr += d;
    const m = /dashboard: (\S+)/.exec(stderr);
    if (m && !shown) {
      shown = true;
      void page.goto(m[1] as string);
    }
  });
  const code = await new Promise<number | null>((r) => child.once("close", r));
  await browser.close();
  if (code !== 0) throw new Error(`session failed (${code}): ${stderr}`);
  const priority = /^running (?:ahead|at normal)[^\n]*/m.exec(stderr);
  if (priority) priorities.add(priority[0]);
  const cpu = /session-cpu-us (\d+)/.exec(stderr);
  if (!cpu) throw new Error(`the session did not report its CPU time: ${stderr}`);
  return Number(cpu[1]) / 1000;
}

export async function bench(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), "hokr-bench-dashboard-"));
  writeFileSync(join(work, "protocol.json"), JSON.stringify(PROTOCOL));
  const runs = { none: [] as Stretches[], dashboard: [] as Stretches[] };
  const cpuMs = { none: [] as number[], dashboard: [] as number[] };
  try {
    for (let round = 0; round < ROUNDS; round++)
      for (const watched of round % 2 === 0 ? [false, true] : [true, false]) {
        const dir = join(work, `${round}-${watched ? "dashboard" : "none"}`);
        const kind = watched ? "dashboard" : "none";
        cpuMs[kind].push(await session(dir, watched));
        runs[kind].push(figures(dir));
      }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  type Kind = keyof typeof runs;
  type Stretch = keyof Stretches;
  const pooled = (k: Kind, st: Stretch, m: Metric) => p99(runs[k].flatMap((r) => r[st][m]));
  const spread = (k: Kind, st: Stretch, m: Metric) => {
    const each = runs[k].map((r) => p99(r[st][m])).sort((a, b) => a - b);
    return `${(each[0] as number).toFixed(3)}–${(each.at(-1) as number).toFixed(3)}, median ${median(each).toFixed(3)}`;
  };
  const meanCpu = (k: keyof typeof cpuMs) => cpuMs[k].reduce((a, b) => a + b, 0) / cpuMs[k].length;
  const line = (what: string, st: Stretch, m: Metric) => {
    const none = pooled("none", st, m);
    const watched = pooled("dashboard", st, m);
    const ratio = watched / none;
    const verdict =
      st === "connected"
        ? `target within 10%: ${Math.abs(ratio - 1) <= 0.1 ? "met" : "MISSED"}`
        : "no target";
    return (
      `${what.padEnd(22)} none ${none.toFixed(3).padStart(7)} ms (sessions ${spread("none", st, m)})   ` +
      `dashboard ${watched.toFixed(3).padStart(7)} ms (sessions ${spread("dashboard", st, m)})   ` +
      `ratio ${ratio.toFixed(2)} (${verdict})`
    );
  };
  const missing = (k: Kind, st: Stretch) => runs[k].reduce((a, r) => a + r[st].missing, 0);
  const count = (st: Stretch) => {
    const f = runs.none[0]?.[st];
    return `${f?.sampleMs.length} eye samples, ${f?.windowStartMs.length} light windows, ${f?.pulseMs.length} pulses`;
  };
  const stretch = (st: Stretch, title: string) => [
    title,
    line("  sample latency p99", st, "sampleMs"),
    line("  window start p99", st, "windowStartMs"),
    line("  pulse lateness p99", st, "pulseMs"),
    `  missing window starts + pulses: none ${missing("none", st)}, dashboard ${missing("dashboard", st)}`,
  ];
  process.stdout.write(
    `${[
      `${ROUNDS} interleaved rounds of a ${TRAINING_S} s real-clock session each way; dashboard = --dashboard + headless Chromium on its page (Chromium open from before the session in both arms); p99 pooled over sessions`,
      `sessions said: ${[...priorities].join("; ") || "nothing of their CPU priority"}`,
      ...stretch(
        "connected",
        `dashboard connected, ${OPENING_S}–${TRAINING_S} s (per session ${count("connected")}):`,
      ),
      ...stretch(
        "opening",
        `opening, 0–${OPENING_S} s, while the page loads (per session ${count("opening")}):`,
      ),
      // CPU time hardly depends on how busy the machine is: it shows whether the dashboard adds work to the
      // session process itself, apart from competing with it for the cores.
      `session process CPU time   none ${meanCpu("none").toFixed(0)} ms   dashboard ${meanCpu("dashboard").toFixed(0)} ms   ratio ${(meanCpu("dashboard") / meanCpu("none")).toFixed(2)} (means over sessions)`,
    ].join("\n")}\n`,
  );
}
