// A whole session on the simulated rig with the stripe display page in Chromium as the stimulus device: the
// page's reports are the recorded stimulus, the virtual mouse follows what the page shows, and the session
// ends with gain blocks and the page's frame counts in session.json.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import type { GainBlock } from "../src/analysis/gain-block.ts";
import { tsvRows } from "../src/recording/recorded-rows.ts";
import { SessionMeta } from "../src/recording/session-folder.ts";
import { ARTIFACTS, describeInBrowser, launchChromium } from "./helpers/browser.ts";
import { startCli, stderrMatch } from "./helpers/cli.ts";

/**
 * Two blocks of 5 cycles in 5 s of real time: at 2 Hz, ±2.5° (the peak velocity of ±5° at 1 Hz, well within
 * what the page draws smoothly and the mouse follows).
 */
const PROTOCOL = {
  name: "stripe-short",
  stimulus: { kind: "stripe", amplitudeDeg: 2.5, frequencyHz: 2, spatialFrequencyCpd: 0.1 },
  phases: [{ name: "training", durationS: 5, stimulus: { on: true }, cyclesPerBlock: 5 }],
  light: [],
};

describeInBrowser("a session with the stripe page as the stimulus", () => {
  const dir = mkdtempSync(join(tmpdir(), "hokr-stripe-session-"));
  /** What a failed test leaves running: killed and closed at the end, whatever happened. */
  const cleanup: (() => unknown)[] = [];
  afterAll(async () => {
    for (const c of cleanup) await Promise.resolve(c()).catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  });

  it("hokr run --sim --stripe-page completes on the real clock with a gain per block", async () => {
    const protocol = join(dir, "stripe-short.json");
    writeFileSync(protocol, JSON.stringify(PROTOCOL));
    const out = join(dir, "session");
    const run = startCli(["run", protocol, "--sim", "--stripe-page", "--seed", "4", "--out", out, "--json"]);
    cleanup.push(() => run.child.kill("SIGKILL"));
    const [, url = ""] = await stderrMatch(run, /stripe display: open (\S+)/);
    const browser = await launchChromium({ width: 800, height: 240 });
    cleanup.push(() => browser.close());
    try {
      const tab = await browser.context.newPage();
      await tab.goto(url);
      const done = await run.done;
      expect(done.code, `${done.stderr}${done.stdout}`).toBe(0);
      const outcome = JSON.parse(done.stdout) as { status: string; blocks: GainBlock[] };
      await tab.screenshot({ path: join(ARTIFACTS, "stripe-session.png") });
      expect(outcome.status).toBe("complete");
      expect(outcome.blocks).toHaveLength(2);
      for (const b of outcome.blocks) {
        expect(b.gain).toBeGreaterThan(0.2);
        expect(b.gain).toBeLessThan(1.2);
        expect(b.cycles_used).toBeGreaterThanOrEqual(3);
      }
      // The recorded stimulus is what the page showed: about one report per frame (60 a second), ±2.5°.
      const positions = [...tsvRows(join(out, "stimulus.tsv"), ["t_us", "position_deg"])];
      expect(positions.length).toBeGreaterThan(240);
      expect(Math.max(...positions.map((p) => Math.abs(p.position_deg)))).toBeGreaterThan(2.4);
      const meta = SessionMeta.parse(JSON.parse(readFileSync(join(out, "session.json"), "utf8")));
      const frames = meta.devices?.stimulus?.frames;
      writeFileSync(
        join(ARTIFACTS, "stripe-session.json"),
        JSON.stringify(
          { blocks: outcome.blocks, frames, stimulusClock: meta.devices?.stimulus?.clock },
          null,
          1,
        ),
      );
      expect(frames?.frames).toBeGreaterThan(240);
      expect(frames?.dropped).toBeGreaterThanOrEqual(0);
    } finally {
      await browser.close();
    }
  });
});
