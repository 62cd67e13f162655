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
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Protocol } from "../src/protocol/schema.ts";
import { buildTimeline, lightOnIntervals } from "../src/protocol/timeline.ts";
import { jsonlRows, tsvRows } from "../src/recording/recorded-rows.ts";
import { launchChromium } from "../tests/helpers/browser.ts";
import { SHORT_PROTOCOL } from "../tests/helpers/short-protocol.ts";

const TRAINING_S = 20;
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
const ROUNDS = 4;

const p99 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(0.99 * (xs.length - 1))] as number;

interface Figures {
  sampleMs: number[];
  windowStartMs: number[];
  pulseMs: number[];
  /** Window starts and pulses the record lacks. */
  missing: number;
}
type Metric = Exclude<keyof Figures, "missing">;

function figures(dir: string): Figures {
  const sampleMs = [...tsvRows(join(dir, "eye.tsv"), ["t_us", "host_us"])].map(
    (r) => (r.host_us - r.t_us) / 1000,
  );
  const windows = buildTimeline(PROTOCOL).light.map((l) => ({
    startMs: l.startS * 1000,
    onsMs: [...lightOnIntervals(l)].map(([on]) => on * 1000),
  }));
  const scheduled = windows.flatMap((w) => w.onsMs);
  const pulseMs: number[] = [];
  const windowStartMs: number[] = [];
  for (const e of jsonlRows(join(dir, "events.jsonl"))) {
    if (e.type !== "light-edge" || e.on !== true) continue;
    const t = (e.t_s as number) * 1000;
    // The scheduled on time this edge belongs to: the nearest (pulses are 50 ms apart, lateness ≪ that).
    let s = scheduled[0] as number;
    for (const x of scheduled) if (Math.abs(x - t) < Math.abs(s - t)) s = x;
    pulseMs.push(t - s);
  }
  // Each window's first on edge (windows are 1 s apart, the edges within ms of their schedule).
  const ons = [...jsonlRows(join(dir, "events.jsonl"))]
    .filter((e) => e.type === "light-edge" && e.on === true)
    .map((e) => (e.t_s as number) * 1000);
  for (const w of windows) {
    const first = ons.find((t) => t > w.startMs - 250);
    if (first !== undefined && first < w.startMs + 250) windowStartMs.push(first - w.startMs);
  }
  // A window whose train started late loses the pulses its end cuts off: counted, not hidden.
  const missing = WINDOWS - windowStartMs.length + Math.max(0, scheduled.length - pulseMs.length);
  return { sampleMs, windowStartMs, pulseMs, missing };
}

/** Makes a Node process write its own CPU time (user + system, µs) to stderr as it exits. */
const REPORT_CPU =
  'data:text/javascript,process.on("exit",()=>{const u=process.cpuUsage();process.stderr.write("session-cpu-us "+(u.user+u.system)+"\\n")})';

/** Runs one session; returns the session process's own CPU time, ms (the dashboard's processes not included). */
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
  const child = spawn(process.execPath, args, { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  let browser: Awaited<ReturnType<typeof launchChromium>> | undefined;
  child.stderr.on("data", async (d) => {
    stderr += d;
    const m = /dashboard: (\S+)/.exec(stderr);
    if (m && !browser) {
      browser = await launchChromium({ width: 1150, height: 960 });
      await (await browser.context.newPage()).goto(m[1] as string);
    }
  });
  const code = await new Promise<number | null>((r) => child.once("close", r));
  await browser?.close();
  if (code !== 0) throw new Error(`session failed (${code}): ${stderr}`);
  const cpu = /session-cpu-us (\d+)/.exec(stderr);
  if (!cpu) throw new Error(`the session did not report its CPU time: ${stderr}`);
  return Number(cpu[1]) / 1000;
}

export async function bench(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), "hokr-bench-dashboard-"));
  writeFileSync(join(work, "protocol.json"), JSON.stringify(PROTOCOL));
  const runs = { none: [] as Figures[], dashboard: [] as Figures[] };
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
  const pooled = (k: keyof typeof runs, m: Metric) => p99(runs[k].flatMap((r) => r[m]));
  const spread = (k: keyof typeof runs, m: Metric) => {
    const each = runs[k].map((r) => p99(r[m])).sort((a, b) => a - b);
    const median = ((each[(each.length - 1) >> 1] as number) + (each[each.length >> 1] as number)) / 2;
    return `${(each[0] as number).toFixed(3)}–${(each.at(-1) as number).toFixed(3)}, median ${median.toFixed(3)}`;
  };
  const meanCpu = (k: keyof typeof cpuMs) => cpuMs[k].reduce((a, b) => a + b, 0) / cpuMs[k].length;
  const line = (what: string, m: Metric) => {
    const none = pooled("none", m);
    const watched = pooled("dashboard", m);
    const ratio = watched / none;
    return (
      `${what.padEnd(22)} none ${none.toFixed(3).padStart(7)} ms (sessions ${spread("none", m)})   ` +
      `dashboard ${watched.toFixed(3).padStart(7)} ms (sessions ${spread("dashboard", m)})   ` +
      `ratio ${ratio.toFixed(2)} (target within 10%: ${Math.abs(ratio - 1) <= 0.1 ? "met" : "MISSED"})`
    );
  };
  const n = runs.none[0];
  process.stdout.write(
    `${[
      `${ROUNDS} interleaved rounds of a ${TRAINING_S} s real-clock session each way (per session ${n?.sampleMs.length} eye samples, ${n?.windowStartMs.length} light windows, ${n?.pulseMs.length} pulses); dashboard = --dashboard + headless Chromium on its page; p99 pooled over sessions`,
      line("sample latency p99", "sampleMs"),
      line("window start p99", "windowStartMs"),
      line("pulse lateness p99", "pulseMs"),
      // CPU time hardly depends on how busy the machine is: it shows whether the dashboard adds work to the
      // session process itself, apart from competing with it for the cores.
      `session process CPU time   none ${meanCpu("none").toFixed(0)} ms   dashboard ${meanCpu("dashboard").toFixed(0)} ms   ratio ${(meanCpu("dashboard") / meanCpu("none")).toFixed(2)} (means over sessions)`,
      `missing window starts + pulses: none ${runs.none.reduce((a, r) => a + r.missing, 0)}, dashboard ${runs.dashboard.reduce((a, r) => a + r.missing, 0)}`,
    ].join("\n")}\n`,
  );
}
