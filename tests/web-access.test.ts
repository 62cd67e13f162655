// Only the rig's own pages get in: the dashboard and the stripe display page refuse a request without the
// session's token, from another origin, or addressed to another host name (DNS rebinding).

import { mkdtempSync, rmSync } from "node:fs";
import { request } from "node:http";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { ScreenGeometry } from "../devices/stripe-display/screen.ts";
import { type Dashboard, serveDashboard } from "../src/dashboard/server.ts";
import { type StripePage, serveStripePage } from "../src/web/stripe-page.ts";

function get(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", reject);
    req.end();
  });
}

/** Opens a WebSocket; resolves "open", or the refusal's HTTP status. */
function upgrade(url: string, origin?: string): Promise<string> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, origin ? { origin } : {});
    ws.once("open", () => {
      ws.close();
      resolve("open");
    });
    ws.once("unexpected-response", (_req, res) => resolve(String(res.statusCode)));
    ws.once("error", (e) => resolve(`error ${e.message}`));
  });
}

describe("access to the rig's pages", () => {
  const dir = mkdtempSync(join(tmpdir(), "hokr-access-"));
  let dashboard: Dashboard;
  let stripe: StripePage;
  beforeAll(async () => {
    dashboard = await serveDashboard({ dir });
    stripe = await serveStripePage({
      screen: ScreenGeometry.parse({ viewingDistanceCm: 20, widthCm: 30, widthPx: 800 }),
    });
  });
  afterAll(async () => {
    await dashboard.close();
    await stripe.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("listens on this machine only unless told otherwise", () => {
    expect(dashboard.server.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(stripe.server.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it("refuses HTTP requests without the token, from another origin or for another host name", async () => {
    for (const server of [dashboard.server, stripe.server]) {
      const page = server === dashboard.server ? "/" : "/stripe";
      const url = server.url(page);
      expect(await get(url)).toBe(200);
      expect(await get(`${server.origin}${page}`)).toBe(403);
      expect(await get(url.replace(server.token, "0".repeat(server.token.length)))).toBe(403);
      expect(await get(url, { origin: "http://evil.example" })).toBe(403);
      expect(await get(url, { origin: server.origin })).toBe(200);
      expect(await get(url, { host: `evil.example:${server.port}` })).toBe(403);
    }
  });

  it("refuses WebSocket upgrades from another origin, without an origin, or without the token", async () => {
    const cases = [
      { server: dashboard.server, path: "/live" },
      { server: stripe.server, path: "/stripe/ws" },
    ];
    for (const { server, path } of cases) {
      const ws = server.url(path).replace("http://", "ws://");
      expect(await upgrade(ws, server.origin)).toBe("open");
      expect(await upgrade(ws, "http://evil.example")).toBe("403");
      expect(await upgrade(ws)).toBe("403");
      expect(await upgrade(`${server.origin.replace("http://", "ws://")}${path}`, server.origin)).toBe("403");
    }
  });

  it("on every interface (--host 0.0.0.0) still wants the token and this machine's own name", async () => {
    const open = await serveDashboard({ dir, host: "0.0.0.0" });
    try {
      const url = open.url.replace(`//${hostname()}:`, "//127.0.0.1:");
      expect(await get(url)).toBe(200);
      expect(await get(url.replace(/\?token=.*/, ""))).toBe(403);
      expect(await get(url, { host: `rebound.example:${open.server.port}` })).toBe(403);
    } finally {
      await open.close();
    }
  });

  it("lets one stripe page at a time pose as the display", async () => {
    const ws = stripe.server.url("/stripe/ws").replace("http://", "ws://");
    const first = new WebSocket(ws, { origin: stripe.server.origin });
    await new Promise((r) => first.once("open", r));
    const second = new WebSocket(ws, { origin: stripe.server.origin });
    const code = await new Promise<number>((r) => second.once("close", (c) => r(c)));
    expect(code).toBe(1008);
    first.close();
  });
});
