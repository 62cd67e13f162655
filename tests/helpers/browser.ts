// A real Chromium for the browser tests: Debian's /usr/bin/chromium driven by playwright-core, with a fresh
// profile and nothing that reaches the network. Screenshots go to test-artifacts/ (kept, gitignored).
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium } from "playwright-core";

export const ARTIFACTS = "test-artifacts";
const CHROMIUM = "/usr/bin/chromium";

export async function launchChromium(viewport: { width: number; height: number }): Promise<{
  context: BrowserContext;
  close: () => Promise<void>;
}> {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `no browser at ${CHROMIUM}: the browser tests need Debian's chromium (apt-get install chromium)`,
    );
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
