// A whole session on the simulated rig with the stripe display page in Chromium as the stimulus device: the
// page's reports are the recorded stimulus, the virtual mouse follows what the page shows, and the session
// ends with gain blocks and the page's frame counts in session.json.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ScreenGeometry } from "../devices/stripe-display/screen.ts";
import { runSimulated } from "../src/engine/sessions.ts";
import { checkProtocol } from "../src/protocol/load.ts";
import { Protocol } from "../src/protocol/schema.ts";
import { SessionMeta } from "../src/recording/session-folder.ts";
import { tsvRows } from "../src/replay/recorded-rows.ts";
import { SIMULATED_RIG } from "../src/rig/rig-config.ts";
import { serveStripePage } from "../src/web/stripe-page.ts";
import { ARTIFACTS, launchChromium } from "./helpers/browser.ts";

const PROTOCOL = {
  name: "stripe-short",
  stimulus: { kind: "stripe", amplitudeDeg: 5, frequencyHz: 1, spatialFrequencyCpd: 0.1 },
  phases: [{ name: "training", durationS: 10, stimulus: { on: true }, cyclesPerBlock: 5 }],
  light: [],
};

describe("a session with the stripe page as the stimulus", () => {
  const dir = mkdtempSync(join(tmpdir(), "hokr-stripe-session-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("completes on the real clock with a gain per block", async () => {
    const page = await serveStripePage({
      screen: ScreenGeometry.parse({ viewingDistanceCm: 20, widthCm: 30, widthPx: 800 }),
      waitForPageMs: 20_000,
    });
    const browser = await launchChromium({ width: 800, height: 240 });
    try {
      const tab = await browser.context.newPage();
      await tab.goto(page.url);
      const out = join(dir, "session");
      const outcome = await runSimulated({
        loaded: checkProtocol("stripe-short.json", Protocol.parse(PROTOCOL), SIMULATED_RIG),
        outDir: out,
        seed: 4,
        clock: "real",
        stripePage: page.binding,
      });
      await tab.screenshot({ path: join(ARTIFACTS, "stripe-session.png") });
      expect(outcome.status, outcome.reason).toBe("complete");
      expect(outcome.blocks).toHaveLength(2);
      for (const b of outcome.blocks) {
        expect(b.gain).toBeGreaterThan(0.2);
        expect(b.gain).toBeLessThan(1.2);
        expect(b.cycles_used).toBeGreaterThanOrEqual(3);
      }
      // The recorded stimulus is what the page showed: about one report per frame, ±5°.
      const positions = [...tsvRows(join(out, "stimulus.tsv"), ["t_us", "position_deg"])];
      expect(positions.length).toBeGreaterThan(300);
      expect(Math.max(...positions.map((p) => Math.abs(p.position_deg)))).toBeGreaterThan(4.8);
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
      expect(frames?.frames).toBeGreaterThan(300);
      expect(frames?.dropped).toBeGreaterThanOrEqual(0);
    } finally {
      await browser.close();
      await page.close();
    }
  });
});
