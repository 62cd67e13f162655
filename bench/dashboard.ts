// The control path with a live dashboard watching vs none (target: within 10% of each other). The same short
// protocol runs on the simulated rig on the real clock, alternately plain and with `--dashboard` plus a
// headless Chromium drawing the dashboard page — the dashboard's whole cost, on the same 2 cores. Figures
// come from each session's own record:
//   sample latency = host_us − t_us of every eye sample (arrival at the host vs the device's time stamp
//                    mapped to the session clock), p99;
//   pulse lateness = each light-on edge the device reported − its scheduled time from the protocol, p99.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Protocol } from "../src/protocol/schema.ts";
import { buildTimeline, lightOnIntervals } from "../src/protocol/timeline.ts";
import { jsonlRows, tsvRows } from "../src/recording/recorded-rows.ts";
import { launchChromium } from "../tests/helpers/browser.ts";
import { SHORT_PROTOCOL } from "../tests/helpers/short-protocol.ts";

/** The tests' short protocol, trimmed to 16 s of training with fast pulses (many edges to time). */
const PROTOCOL = Protocol.parse({
  ...SHORT_PROTOCOL,
  name: "bench-dashboard",
  phases: [{ ...SHORT_PROTOCOL.phases[0], durationS: 16, cyclesPerBlock: 2 }],
  light: [{ ...SHORT_PROTOCOL.light[0], pattern: { kind: "pulses", pulseWidthMs: 20, periodMs: 50 } }],
});
const ROUNDS = 2;

const p99 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(0.99 * (xs.length - 1))] as number;

function figures(dir: string): { sampleP99Ms: number; pulseP99Ms: number; samples: number; pulses: number } {
  const latency = [...tsvRows(join(dir, "eye.tsv"), ["t_us", "host_us"])].map(
    (r) => (r.host_us - r.t_us) / 1000,
  );
  const scheduled = buildTimeline(PROTOCOL).light.flatMap((l) => [...lightOnIntervals(l)].map(([on]) => on));
  const lateness: number[] = [];
  for (const e of jsonlRows(join(dir, "events.jsonl"))) {
    if (e.type !== "light-edge" || e.on !== true) continue;
    const t = e.t_s as number;
    // The scheduled on time this edge belongs to: the nearest (pulses are 50 ms apart, lateness ≪ that).
    let s = scheduled[0] as number;
    for (const x of scheduled) if (Math.abs(x - t) < Math.abs(s - t)) s = x;
    lateness.push((t - s) * 1000);
  }
  return {
    sampleP99Ms: p99(latency),
    pulseP99Ms: p99(lateness),
    samples: latency.length,
    pulses: lateness.length,
  };
}

async function session(dir: string, watched: boolean): Promise<void> {
  const args = [
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
}

export async function bench(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), "hokr-bench-dashboard-"));
  writeFileSync(join(work, "protocol.json"), JSON.stringify(PROTOCOL));
  const runs = { none: [] as ReturnType<typeof figures>[], dashboard: [] as ReturnType<typeof figures>[] };
  try {
    for (let round = 0; round < ROUNDS; round++)
      for (const watched of round % 2 === 0 ? [false, true] : [true, false]) {
        const dir = join(work, `${round}-${watched ? "dashboard" : "none"}`);
        await session(dir, watched);
        runs[watched ? "dashboard" : "none"].push(figures(dir));
      }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const of = (k: keyof typeof runs, f: "sampleP99Ms" | "pulseP99Ms") => mean(runs[k].map((r) => r[f]));
  const line = (what: string, f: "sampleP99Ms" | "pulseP99Ms") => {
    const none = of("none", f);
    const watched = of("dashboard", f);
    const ratio = watched / none;
    return `${what.padEnd(26)} none ${none.toFixed(3).padStart(7)} ms   dashboard ${watched.toFixed(3).padStart(7)} ms   ratio ${ratio.toFixed(2)} (target within 10%: ${Math.abs(ratio - 1) <= 0.1 ? "met" : "MISSED"})`;
  };
  process.stdout.write(
    `${[
      `${ROUNDS} rounds of a ${PROTOCOL.phases[0]?.durationS} s real-clock session each way (${runs.none[0]?.samples} eye samples, ${runs.none[0]?.pulses} pulses per session); dashboard = --dashboard + headless Chromium on its page`,
      line("sample latency p99", "sampleP99Ms"),
      line("pulse lateness p99", "pulseP99Ms"),
    ].join("\n")}\n`,
  );
}
