// The session report and the dashboard's reading of a session folder, on a short simulated session: the
// per-cycle gains the follower computes from the record average to the session's own blocks, and the report
// is one HTML file with everything inline that a browser opens from disk.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GainBlock } from "../src/analysis/gain-block.ts";
import { runSimulated } from "../src/app/rig-sessions.ts";
import { SIMULATED_RIG } from "../src/config/rig-config.ts";
import { SessionFollower } from "../src/dashboard/follow.ts";
import { decimate } from "../src/dashboard/live-data.ts";
import { checkProtocol } from "../src/protocol/load.ts";
import { Protocol } from "../src/protocol/schema.ts";
import { sessionReport } from "../src/report/report.ts";
import { ARTIFACTS, itInBrowser, launchChromium, SCREENSHOTS } from "./helpers/browser.ts";
import { SHORT_PROTOCOL } from "./helpers/short-protocol.ts";

describe("reading a session folder: dashboard follower and report", () => {
  const work = mkdtempSync(join(tmpdir(), "hokr-report-"));
  const dir = join(work, "session");
  let blocks: GainBlock[];
  beforeAll(async () => {
    const outcome = await runSimulated({
      loaded: checkProtocol("short.json", Protocol.parse(SHORT_PROTOCOL), SIMULATED_RIG),
      outDir: dir,
      seed: 3,
    });
    blocks = outcome.blocks;
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it("analyses every cycle from the record as the session did: block means match gain.tsv", () => {
    const f = new SessionFollower(dir);
    expect(f.poll()).toBe(true);
    expect(f.blocks.map((b) => b.gain.toFixed(6))).toEqual(blocks.map((b) => b.gain.toFixed(6)));
    expect(f.cycles).toHaveLength(40);
    for (const b of blocks) {
      const inBlock = f.cycles.filter(
        (c) =>
          c.epoch.phase === b.phase &&
          c.startMs / 1000 >= b.t_start_s - 1e-6 &&
          c.endMs / 1000 <= b.t_end_s + 1e-6,
      );
      const good = inBlock.filter((c) => c.good);
      expect(inBlock).toHaveLength(b.cycles_total);
      expect(good).toHaveLength(b.cycles_used);
      expect(good.reduce((s, c) => s + c.gain, 0) / good.length).toBeCloseTo(b.gain, 6);
    }
    expect(f.edges.length).toBeGreaterThan(50);
  });

  it("decimates a trace to bin means, leaving gaps where there is nothing", () => {
    const t = [0, 1, 2, 3, 8, 9];
    const v = [1, 3, 5, Number.NaN, 7, 9];
    expect(decimate(t, v, 0, 10, 5)).toEqual([2, 5, null, null, 8]);
  });

  itInBrowser("writes one self-contained HTML report that opens from disk", async () => {
    const html = await sessionReport(dir);
    const file = join(ARTIFACTS, "report.html");
    mkdirSync(ARTIFACTS, { recursive: true });
    writeFileSync(file, html);
    // Nothing to fetch: no scripts, stylesheets or images from elsewhere.
    expect(html).not.toMatch(/<script|<link|<img|<iframe|url\(/i);
    expect(html.match(/<svg/g)?.length).toBeGreaterThanOrEqual(5); // curve, cycles, 2 excerpts, light
    expect(html).toContain("parallel model");
    expect(html).toMatch(/Warnings<\/h2>\s*<p>none<\/p>/);
    const browser = await launchChromium({ width: 1000, height: 1100 });
    try {
      const page = await browser.context.newPage();
      const requests: string[] = [];
      page.on("request", (r) => requests.push(r.url()));
      await page.goto(`file://${join(process.cwd(), file)}`);
      const drawn = (await page.evaluate(
        `[...document.querySelectorAll("svg")].map((s) => s.getBoundingClientRect().width)`,
      )) as number[];
      expect(drawn.length).toBeGreaterThanOrEqual(5);
      for (const w of drawn) expect(w).toBeGreaterThan(300);
      expect(requests.filter((u) => !u.startsWith("file://"))).toEqual([]);
      await page.screenshot({ path: join(ARTIFACTS, "report.png") });
      if (process.env.HOKR_WRITE_DOCS) {
        mkdirSync(SCREENSHOTS, { recursive: true });
        copyFileSync(join(ARTIFACTS, "report.png"), join(SCREENSHOTS, "report.png"));
      }
    } finally {
      await browser.close();
    }
  });
});
