// A real Chromium for the browser tests: Debian's /usr/bin/chromium driven by playwright-core, with a fresh
// profile and nothing that reaches the network. Screenshots go to test-artifacts/ (kept, gitignored).
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium } from "playwright-core";
import { describe, it } from "vitest";

const CHROMIUM = "/usr/bin/chromium";
/**
 * `npm test` needs Node only: without Chromium the browser tests are skipped, with a notice. CI installs
 * Chromium and sets CI=true, and there a missing browser fails the run instead of hiding the tests.
 */
const present = existsSync(CHROMIUM);
if (!present && process.env.CI === "true")
  throw new Error(`${CHROMIUM} is missing: CI must run the browser tests (apt-get install chromium)`);
if (!present) console.warn(`browser tests skipped: ${CHROMIUM} is not installed (apt-get install chromium)`);
/** `it` for a test that drives Chromium. */
export const itInBrowser = present ? it : it.skip;
/** `describe` for tests that all drive Chromium. */
export const describeInBrowser = present ? describe : describe.skip;

export const ARTIFACTS = "test-artifacts";
/** Where HOKR_WRITE_DOCS=1 puts the README's screenshots. */
export const SCREENSHOTS = "examples/screenshots";

export async function launchChromium(viewport: { width: number; height: number }): Promise<{
  context: BrowserContext;
  close: () => Promise<void>;
}> {
  const profile = mkdtempSync(join(tmpdir(), "hokr-chromium-"));
  mkdirSync(ARTIFACTS, { recursive: true });
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport,
    deviceScaleFactor: 1,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
