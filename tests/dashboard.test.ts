// The live dashboard in a real Chromium, on a `hokr run --sim --dashboard` session: the page draws live data,
// and a browser that closes, a page that cannot keep up and a dashboard process that is killed leave the
// session's record exactly as a session without a dashboard writes it.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { ARTIFACTS, itInBrowser, launchChromium, SCREENSHOTS } from "./helpers/browser.ts";
import { runCli, startCli, stderrMatch } from "./helpers/cli.ts";
import { SHORT_PROTOCOL } from "./helpers/short-protocol.ts";

const RECORD = ["eye.tsv", "stimulus.tsv", "gain.tsv", "events.jsonl"];
/** session.json without the wall-clock times, which differ between any two runs. */
const metaOf = (dir: string) => {
  const { startedAt: _s, endedAt: _e, ...rest } = JSON.parse(readFileSync(join(dir, "session.json"), "utf8"));
  return rest;
};

/** Pixels of a canvas close to a colour, counted in the page. */
const countColour = (selector: string, rgb: [number, number, number]) => `(() => {
  const c = document.querySelector(${JSON.stringify(selector)});
  const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
  let n = 0;
  for (let i = 0; i < d.length; i += 4)
    if (Math.abs(d[i] - ${rgb[0]}) < 40 && Math.abs(d[i + 1] - ${rgb[1]}) < 40 && Math.abs(d[i + 2] - ${rgb[2]}) < 40) n++;
  return n;
})()`;

describe("live dashboard", () => {
  const work = mkdtempSync(join(tmpdir(), "hokr-dashboard-"));
  const protocol = join(work, "short.json");
  // Training twice as long as the short protocol's: 15 s of wall time at --speed 8, so the page is read while
  // training lasts even when the machine is busy enough (other tests, an install) to slow its first blocks.
  // After it, only what the record comparison needs: a short rest and one test block (the page is not read then).
  const length: Record<string, object> = {
    training: { durationS: 120 },
    rest: { durationS: 4 },
    test: { cycles: 5 },
  };
  writeFileSync(
    protocol,
    JSON.stringify({
      ...SHORT_PROTOCOL,
      phases: SHORT_PROTOCOL.phases.map((p) => ({ ...p, ...length[p.name] })),
    }),
  );
  /** What a failed test leaves running: killed and closed at the end, whatever happened. */
  const cleanup: (() => unknown)[] = [];
  afterAll(async () => {
    for (const c of cleanup) await Promise.resolve(c()).catch(() => {});
    rmSync(work, { recursive: true, force: true });
  });

  itInBrowser(
    "draws a --sim session live; closing, stalling or killing it changes nothing in the record",
    async () => {
      // The browser first: it is ready when the session starts, so the page sees training however busy the machine.
      const browser = await launchChromium({ width: 1150, height: 960 });
      cleanup.push(() => browser.close());
      const watched = join(work, "watched");
      const run = startCli([
        "run",
        protocol,
        "--sim",
        "--seed",
        "2",
        "--speed",
        "8",
        "--out",
        watched,
        "--dashboard",
      ]);
      cleanup.push(() => run.child.kill("SIGKILL"));
      const [, url = "", pid] = await stderrMatch(run, /dashboard: (\S+) \(process (\d+)\)/);
      cleanup.push(() => killQuietly(Number(pid)));
      // A page that never reads: its socket is paused, so the server's sends back up.
      const stalled = new WebSocket(url.replace("http://", "ws://").replace("/?", "/live?"), {
        origin: new URL(url).origin,
      });
      await new Promise((r) => stalled.once("open", r));
      (stalled as unknown as { _socket: { pause(): void } })._socket.pause();
      stalled.send("@1 ALLOFF"); // pages cannot talk to the rig: whatever they send is ignored

      const page = await browser.context.newPage();
      await page.goto(url);
      // (page code as strings: the tests are type-checked without the DOM library)
      await page.waitForFunction(
        () => {
          const data = (globalThis as unknown as { document: { body: { dataset: Record<string, string> } } })
            .document.body.dataset;
          return Number(data.blocks ?? 0) >= 2 && Number(data.updates ?? 0) >= 4;
        },
        undefined,
        { timeout: 30_000 },
      );
      const dom = (await page.evaluate(`({
      status: document.body.dataset.status,
      updates: Number(document.body.dataset.updates),
      cycles: Number(document.body.dataset.cycles),
      phase: document.getElementById("phase").textContent,
      elapsed: document.getElementById("elapsed").textContent,
      remaining: document.getElementById("remaining").textContent,
      gain: document.getElementById("gain").textContent,
      health: document.getElementById("health").textContent,
    })`)) as Record<string, string | number>;
      const pixels = (selector: string, rgb: [number, number, number]) =>
        page.evaluate(countColour(selector, rgb)) as Promise<number>;
      const eyePixels = await pixels("#trace canvas", [214, 39, 40]);
      const stimulusPixels = await pixels("#trace canvas", [31, 119, 180]);
      const blockPixels = await pixels("#gains canvas", [44, 160, 44]);
      const lightPixels = await pixels("#timeline", [31, 119, 180]);
      await page.screenshot({ path: join(ARTIFACTS, "dashboard-live.png"), fullPage: true });
      if (process.env.HOKR_WRITE_DOCS) {
        mkdirSync(SCREENSHOTS, { recursive: true });
        copyFileSync(join(ARTIFACTS, "dashboard-live.png"), join(SCREENSHOTS, "dashboard.png"));
      }
      expect(dom.status).toBe("running");
      expect(dom.updates).toBeGreaterThan(2);
      expect(dom.cycles).toBeGreaterThanOrEqual(10);
      expect(dom.phase).toBe("training");
      expect(String(dom.elapsed)).toMatch(/^\d+:\d\d$/);
      expect(String(dom.remaining)).toMatch(/^\d+:\d\d$/);
      expect(Number(dom.gain)).toBeGreaterThan(0.2);
      expect(String(dom.health)).toMatch(/samples\/s/);
      expect(eyePixels).toBeGreaterThan(200);
      expect(stimulusPixels).toBeGreaterThan(200);
      expect(blockPixels).toBeGreaterThan(10);
      expect(lightPixels).toBeGreaterThan(50);

      // The browser goes away, then the dashboard process is killed outright; the session carries on.
      await browser.close();
      process.kill(Number(pid), "SIGKILL");
      stalled.terminate();
      const watchedRun = await run.done;
      expect(watchedRun.code).toBe(0);

      const plain = join(work, "plain");
      const plainRun = await runCli(["run", protocol, "--sim", "--seed", "2", "--out", plain, "--json"]);
      expect(plainRun.code).toBe(0);
      for (const f of RECORD)
        expect(readFileSync(join(watched, f)).equals(readFileSync(join(plain, f))), f).toBe(true);
      expect(metaOf(watched)).toEqual(metaOf(plain));
    },
  );

  it("ends with its session, even one killed outright", async () => {
    const run = startCli([
      "run",
      protocol,
      "--sim",
      "--speed",
      "8",
      "--out",
      join(work, "killed"),
      "--dashboard",
    ]);
    cleanup.push(() => run.child.kill("SIGKILL"));
    const [, , pid] = await stderrMatch(run, /dashboard: (\S+) \(process (\d+)\)/);
    cleanup.push(() => killQuietly(Number(pid)));
    // Exit, not close: the dashboard shares the run's stderr, which stays open while the dashboard lives.
    const exited = new Promise((resolve) => run.child.once("exit", resolve));
    run.child.kill("SIGKILL");
    await exited;
    let alive = true;
    for (const until = Date.now() + 15_000; alive && Date.now() < until; ) {
      await new Promise((r) => setTimeout(r, 100));
      alive = isAlive(Number(pid));
    }
    expect(alive, `dashboard process ${pid} still running after its session was killed`).toBe(false);
  });
});

/** Whether a process exists (signal 0 only checks). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** What a failed test leaves running: the dashboard process, which is not the test's child. */
function killQuietly(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // already gone
  }
}
