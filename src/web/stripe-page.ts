// Hosts the stripe display page for a session: the page (full-screen on the rig's screen) connects back over
// a WebSocket, and the binding it returns lets the rig open the page as the stimulus device's port.
import { fileURLToPath } from "node:url";
import { STRIPE_PAGE_PATH, StripePageBinding } from "../../devices/stripe-display/page-binding.ts";
import { ScreenGeometry } from "../../devices/stripe-display/screen.ts";
import type { RigConfig } from "../config/rig-config.ts";
import type { RigPages } from "./server.ts";

const ENTRY = fileURLToPath(new URL("../../devices/stripe-display/stripe.browser.ts", import.meta.url));

export interface StripePage {
  binding: StripePageBinding;
  /** What to open on the rig's screen (token included). */
  url: string;
  server: RigPages;
  close(): Promise<void>;
}

export async function serveStripePage(o: {
  screen: ScreenGeometry;
  host?: string;
  port?: number;
}): Promise<StripePage> {
  // The web server (ws) and the page bundler (esbuild) load only for a run that shows the page: ~0.1 s of
  // every other `hokr run`'s start.
  const [{ serveRigPages }, { browserBundle, jsonForHtml }] = await Promise.all([
    import("./server.ts"),
    import("./bundle.ts"),
  ]);
  let binding: StripePageBinding | undefined;
  const server = await serveRigPages({
    ...(o.host ? { host: o.host } : {}),
    ...(o.port !== undefined ? { port: o.port } : {}),
    pages: {
      "/stripe": () => ({
        type: "text/html; charset=utf-8",
        body: `<!doctype html><html><head><meta charset="utf-8"><title>hokr stripe display</title><link rel="icon" href="data:,">
<style>html,body{margin:0;height:100%;overflow:hidden;background:#808080;cursor:none}canvas{display:block;width:100vw;height:100vh}</style>
<script type="application/json" id="config">${jsonForHtml({ screen: o.screen, socket: `/stripe/ws?token=${server.token}` })}</script>
</head><body><canvas id="stripes"></canvas><script src="/stripe.js?token=${server.token}"></script></body></html>`,
      }),
      "/stripe.js": async () => ({ type: "text/javascript", body: await browserBundle(ENTRY) }),
    },
    sockets: {
      "/stripe/ws": (ws) => {
        const page = binding?.connectPage({ send: (t) => ws.send(t), close: () => ws.close() });
        if (!page) {
          ws.close(1008, "another stripe page is already connected");
          return;
        }
        ws.on("message", (data) => page.message((data as Buffer).toString("latin1")));
        ws.on("close", () => page.closed());
      },
    },
  });
  const url = server.url("/stripe");
  binding = new StripePageBinding(url);
  return { binding, url, server, close: () => server.close() };
}

/** The screen `--sim --stripe-page` lays the stripes out for when no rig configuration names one. */
export const DEFAULT_SCREEN = ScreenGeometry.parse({ viewingDistanceCm: 20, widthCm: 53, widthPx: 1920 });

/**
 * The stripe page a run needs: when the rig's stimulus is on port "browser:stripe", or the simulated rig was
 * asked for the page. Undefined otherwise.
 */
export async function stripePageForRun(
  rig: RigConfig,
  o: { stripePage?: boolean; host?: string },
): Promise<StripePage | undefined> {
  const stimulus = rig.devices?.stimulus;
  if (!o.stripePage && stimulus?.port.path !== STRIPE_PAGE_PATH) return undefined;
  return serveStripePage({
    screen: stimulus?.screen ?? DEFAULT_SCREEN,
    ...(o.host ? { host: o.host } : {}),
  });
}
