// The stripe display page in a real Chromium, driven by the unchanged stripe driver through the WebSocket
// port: the stripes' period measured in a screenshot, the drawn phase against the logged position, and the
// per-frame reports against the commanded sinusoid.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { PNG } from "pngjs";
import { firstValueFrom } from "rxjs";
import { afterAll, beforeAll, expect, it } from "vitest";
import { STIMULUS_EVENTS } from "../devices/drum/codec.ts";
import { LinePort, openSerialStream } from "../devices/line-port.ts";
import { SerialStripeDisplay } from "../devices/stripe-display/driver.ts";
import { STRIPE_PAGE_PATH } from "../devices/stripe-display/page-binding.ts";
import { pixelsPerDegree, ScreenGeometry, stripePeriodPx } from "../devices/stripe-display/screen.ts";
import { RealClock } from "../src/core/clock.ts";
import { type StripePage, serveStripePage } from "../src/web/stripe-page.ts";
import { eachSample, type Sample } from "./helpers/batches.ts";
import { ARTIFACTS, describeInBrowser, launchChromium } from "./helpers/browser.ts";

const SCREEN = ScreenGeometry.parse({
  viewingDistanceCm: 20,
  widthCm: 30,
  widthPx: 800,
  grating: "square",
  photodiodePx: 40,
});
const CPD = 0.12;
const AMP = 8;
const FREQ = 0.5;

/** Column positions (x + 0.5) where a row of grey levels steps from dark to light, linearly interpolated. */
function risingEdges(row: number[]): number[] {
  const edges: number[] = [];
  for (let x = 1; x < row.length; x++) {
    const a = (row[x - 1] as number) - 127.5;
    const b = (row[x] as number) - 127.5;
    if (a < 0 && b >= 0) edges.push(x - 1 + 0.5 + a / (a - b));
  }
  return edges;
}

describeInBrowser("stripe display page in Chromium", () => {
  let page: StripePage;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let tab: import("playwright-core").Page;
  const clock = new RealClock(() => {});
  let port: LinePort<typeof STIMULUS_EVENTS>;
  let stripe: SerialStripeDisplay;
  const reports: Sample[] = [];

  beforeAll(async () => {
    page = await serveStripePage({ screen: SCREEN });
    browser = await launchChromium({ width: 800, height: 240 });
    tab = await browser.context.newPage();
    await tab.goto(page.url);
    await page.binding.waitForPage(20_000);
    port = new LinePort(
      STRIPE_PAGE_PATH,
      await openSerialStream(page.binding, STRIPE_PAGE_PATH, 115200),
      clock,
      STIMULUS_EVENTS,
    );
    stripe = new SerialStripeDisplay(port);
    stripe.samples$.subscribe(eachSample((s) => reports.push(s)));
    await stripe.connect(100, 3000);
  });

  afterAll(async () => {
    await port?.close();
    clock.stop();
    await browser?.close();
    await page?.close();
  });

  it("moves the stripes along the commanded sinusoid, one report per frame, and holds them on STOP", async () => {
    stripe.start({
      amplitudeDeg: AMP,
      frequencyHz: FREQ,
      spatialFrequencyCpd: CPD,
    });
    await new Promise((r) => setTimeout(r, 2500));
    const stopped = firstValueFrom(stripe.stopped$);
    stripe.stop();
    await stopped;
    const log = await tab.evaluate(() => {
      const s = (
        globalThis as unknown as {
          hokrStripe: {
            commands: string[];
            replies: string[];
            device: { dropped: number; frames: number; frameIntervalMs: number };
          };
        }
      ).hokrStripe;
      return {
        commands: s.commands,
        replies: s.replies,
        dropped: s.device.dropped,
        frames: s.device.frames,
        intervalMs: s.device.frameIntervalMs,
      };
    });
    // The sinusoid starts at the SINE reply's device time (README: position 0 at t).
    const sine = log.commands.find((c) => / SINE /.test(c)) as string;
    const id = sine.split(" ")[0] as string;
    const t0Us = Number((log.replies.find((r) => r.startsWith(`${id} OK`)) as string).split(" ")[2]);
    expect(reports.length).toBeGreaterThan(40);
    const frameMotionDeg = 2 * Math.PI * FREQ * AMP * (log.intervalMs / 1000);
    const errors = reports.map((r) => {
      const t = (r.deviceUs - t0Us) / 1e6;
      return Math.abs(r.deg - AMP * Math.sin(2 * Math.PI * FREQ * t));
    });
    const maxError = Math.max(...errors);
    // Successive reports are successive frames: one frame interval apart, or a whole number of them.
    const steps = reports.slice(1).map((r, i) => (r.deviceUs - (reports[i] as Sample).deviceUs) / 1000);
    const offGrid = steps.map((d) => Math.abs(d / log.intervalMs - Math.round(d / log.intervalMs)));
    writeFileSync(
      join(ARTIFACTS, "stripe-frame-log.json"),
      JSON.stringify(
        {
          maxErrorDeg: maxError,
          frameMotionDeg,
          frames: log.frames,
          dropped: log.dropped,
          intervalMs: log.intervalMs,
          reports: reports.length,
        },
        null,
        1,
      ),
    );
    expect(maxError).toBeLessThan(frameMotionDeg);
    expect(Math.min(...steps)).toBeGreaterThan(0.5 * log.intervalMs);
    expect(Math.max(...offGrid)).toBeLessThan(0.25);
    // The page's own frame count says how many frames it missed; the reports' gaps agree with it.
    const missed = steps.reduce((n, d) => n + Math.round(d / log.intervalMs) - 1, 0);
    expect(missed).toBeLessThanOrEqual(log.dropped + 1);

    // Stopped: the pattern holds still at the last frame's position. Measure the stripes in a screenshot.
    const shot = await tab.screenshot({ path: join(ARTIFACTS, "stripe-page.png") });
    const held = await tab.evaluate(() => {
      const f = (globalThis as unknown as { hokrStripe: { frames: { positionDeg: number }[] } }).hokrStripe
        .frames;
      return f[f.length - 1]?.positionDeg as number;
    });
    const image = PNG.sync.read(shot);
    const y = 120;
    // The page is grey (R = G = B): the red channel of one row, below the photodiode patch.
    const row = Array.from(
      { length: image.width },
      (_, x) => image.data[4 * (y * image.width + x)] as number,
    );
    const edges = risingEdges(row);
    const n = edges.length;
    expect(n).toBeGreaterThanOrEqual(5);
    // Period: least-squares slope of edge position against edge number.
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const idx = edges.map((_, i) => i);
    const mi = mean(idx);
    const me = mean(edges);
    const period =
      idx.reduce((s, i) => s + (i - mi) * ((edges[i] as number) - me), 0) /
      idx.reduce((s, i) => s + (i - mi) ** 2, 0);
    const want = stripePeriodPx(SCREEN, CPD);
    // Phase: a dark→light step lies where the pattern, shifted by the held position, has cos(2πu) rising
    // through 0, i.e. u = k − 1/4, u = (x − centre − shift) / period.
    const shift = held * pixelsPerDegree(SCREEN);
    const phaseErrors = edges.map((e) => {
      const u = (e - SCREEN.widthPx / 2 - shift) / want + 0.25;
      return Math.abs(u - Math.round(u)) * want;
    });
    writeFileSync(
      join(ARTIFACTS, "stripe-grating.json"),
      JSON.stringify(
        {
          measuredPeriodPx: period,
          configuredPeriodPx: want,
          edges,
          heldDeg: held,
          phaseErrorsPx: phaseErrors,
        },
        null,
        1,
      ),
    );
    expect(Math.abs(period - want)).toBeLessThan(1);
    expect(Math.max(...phaseErrors)).toBeLessThan(1);
  });
});
