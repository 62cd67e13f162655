// The live dashboard's server: follows one session folder and pushes it to the pages that are open. It reads
// the record and nothing else — there is no route to the rig, and what pages send is ignored — so it can
// show a session but never command one. A page that cannot keep up skips updates instead of queueing them.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import type { WebSocket } from "ws";
import { browserBundle } from "../web/bundle.ts";
import { type RigPages, serveRigPages } from "../web/server.ts";
import { SessionFollower } from "./follow.ts";
import { type Cursor, liveMessage, newCursor, sessionMessage } from "./live-data.ts";

const ENTRY = fileURLToPath(new URL("./dashboard.browser.ts", import.meta.url));
const UPLOT_CSS = createRequire(import.meta.url).resolve("uplot/dist/uPlot.min.css");
/** A page with more than this waiting to be sent misses updates until it has caught up, bytes. */
const BACKLOG_BYTES = 1 << 18;

export interface Dashboard {
  url: string;
  server: RigPages;
  follower: SessionFollower;
  close(): Promise<void>;
}

export async function serveDashboard(o: {
  dir: string;
  host?: string;
  port?: number;
  /** How often the session folder is read and pages updated, ms (default 500; the recorder flushes every 250 ms). */
  pollMs?: number;
}): Promise<Dashboard> {
  const follower = new SessionFollower(o.dir);
  const pages = new Map<WebSocket, { cursor: Cursor; status: string | undefined }>();
  const server = await serveRigPages({
    ...(o.host ? { host: o.host } : {}),
    ...(o.port !== undefined ? { port: o.port } : {}),
    pages: {
      "/": () => ({ type: "text/html; charset=utf-8", body: page(server.token) }),
      "/dashboard.js": async () => ({ type: "text/javascript", body: await browserBundle(ENTRY) }),
      "/uPlot.min.css": () => ({ type: "text/css", body: readFileSync(UPLOT_CSS) }),
    },
    sockets: {
      "/live": (ws) => {
        pages.set(ws, { cursor: newCursor(), status: undefined });
        ws.on("close", () => pages.delete(ws));
        push();
      },
    },
  });
  const push = () => {
    for (const [ws, state] of pages) {
      if (ws.bufferedAmount > BACKLOG_BYTES) continue;
      const session = sessionMessage(follower);
      if (!session) continue;
      if (session.status !== state.status) {
        state.status = session.status;
        ws.send(JSON.stringify(session));
      }
      ws.send(JSON.stringify(liveMessage(follower, state.cursor)));
    }
  };
  const tick = () => {
    try {
      if (follower.poll()) push();
    } catch (e) {
      process.stderr.write(`dashboard: ${(e as Error).message}\n`);
    }
  };
  tick();
  const timer = setInterval(tick, o.pollMs ?? 500);
  return {
    url: server.url("/"),
    server,
    follower,
    close: async () => {
      clearInterval(timer);
      await server.close();
    },
  };
}

const page = (token: string) => `<!doctype html>
<html><head><meta charset="utf-8"><title>hokr session</title><link rel="icon" href="data:,">
<link rel="stylesheet" href="/uPlot.min.css?token=${token}">
<style>
body{font:14px system-ui,sans-serif;margin:12px;color:#222;background:#fafafa}
header{display:flex;gap:24px;align-items:baseline;flex-wrap:wrap}
h1{font-size:18px;margin:0}
.figure{background:#fff;border:1px solid #ddd;border-radius:4px;padding:6px;margin-top:10px}
.figure h2{font-size:13px;margin:0 0 4px;color:#555;font-weight:600}
.row{display:flex;gap:10px;flex-wrap:wrap}
#health td{padding:1px 10px 1px 0}
.bad{color:#b00}
#timeline{width:100%;height:70px}
</style></head>
<body data-token="${token}">
<header><h1 id="title">hokr session</h1><span id="status">connecting…</span><span>phase <b id="phase">–</b></span>
<span>elapsed <b id="elapsed">–</b></span><span>remaining <b id="remaining">–</b></span>
<span>last block gain <b id="gain">–</b></span></header>
<div class="figure"><h2>eye and stimulus, last 10 s (deg)</h2><div id="trace"></div></div>
<div class="row">
<div class="figure"><h2>gain per cycle (dots) and per block (line)</h2><div id="gains"></div></div>
<div class="figure"><h2>device health</h2><table id="health"></table></div>
</div>
<div class="figure"><h2>phases, light windows and the light edges the device reported</h2><canvas id="timeline"></canvas></div>
<script src="/dashboard.js?token=${token}"></script>
</body></html>
`;
