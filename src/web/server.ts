// The rig's own web pages (live dashboard, stripe display): one small HTTP + WebSocket server that lets in
// only those pages. It listens on 127.0.0.1 unless a host is given, and every HTTP request and WebSocket
// upgrade must carry the per-session token and come from the server's own origin — so another page open in
// the same browser, or a DNS-rebinding page (whose Host header is its own name), can neither read the session
// nor pose as the stripe display.
import { randomBytes, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { hostname, networkInterfaces } from "node:os";
import type { Duplex } from "node:stream";
import { type WebSocket, WebSocketServer } from "ws";

export interface PageResponse {
  type: string;
  body: string | Buffer;
}

export interface RigPagesOptions {
  /** Interface to listen on; default 127.0.0.1 (this machine only). */
  host?: string;
  /** TCP port; 0 = any free port. */
  port?: number;
  /** The per-session token; default: 128 random bits. */
  token?: string;
  /** GET routes by path (without the query string). */
  pages: Record<string, () => PageResponse | Promise<PageResponse>>;
  /** WebSocket routes by path. */
  sockets: Record<string, (ws: WebSocket, request: IncomingMessage) => void>;
}

export interface RigPages {
  readonly token: string;
  readonly port: number;
  /** Base URL of the server, e.g. http://127.0.0.1:8123 */
  readonly origin: string;
  /** A page's address, token included: what the user opens. */
  url(path: string): string;
  close(): Promise<void>;
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1", "[::1]"]);
const WILDCARD = new Set(["0.0.0.0", "::", "[::]"]);

/** This machine's addresses and name: what a page may call a server listening on every interface. */
function ownNames(): string[] {
  const addresses = Object.values(networkInterfaces())
    .flat()
    .flatMap((a) => (a ? [a.family === "IPv6" ? `[${a.address}]` : a.address] : []));
  return [...LOOPBACK, ...addresses, hostname()];
}

/** The names the Host header may give for a server listening on `host`. */
const namesOf = (host: string): string[] =>
  LOOPBACK.has(host)
    ? [...LOOPBACK]
    : WILDCARD.has(host)
      ? ownNames()
      : [host.includes(":") ? `[${host}]` : host];

/** Why a request may not come in, or undefined if it may. */
export function refusal(
  req: Pick<IncomingMessage, "headers" | "url">,
  o: { token: string; host: string; port: number; websocket: boolean },
): string | undefined {
  const url = new URL(req.url ?? "/", "http://x");
  const given = Buffer.from(url.searchParams.get("token") ?? "");
  const want = Buffer.from(o.token);
  if (given.length !== want.length || !timingSafeEqual(given, want)) return "missing or wrong token";
  // The Host header names the server the browser thinks it is talking to; a rebinding page's is its own.
  const hostHeader = req.headers.host ?? "";
  const names = namesOf(o.host);
  if (!names.some((n) => hostHeader === `${n}:${o.port}`)) return `unexpected Host ${hostHeader}`;
  const origin = req.headers.origin;
  // Browsers always send Origin on a WebSocket upgrade and on cross-origin requests; it must be ours.
  if (origin === undefined) return o.websocket ? "WebSocket upgrade without Origin" : undefined;
  if (origin !== `http://${hostHeader}`) return `foreign Origin ${origin}`;
  if (req.headers["sec-fetch-site"] === "cross-site") return "cross-site request";
  return undefined;
}

export async function serveRigPages(o: RigPagesOptions): Promise<RigPages> {
  const host = o.host ?? "127.0.0.1";
  const token = o.token ?? randomBytes(16).toString("hex");
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1 << 20 });
  let port = 0;
  const check = (req: IncomingMessage, websocket: boolean) => refusal(req, { token, host, port, websocket });

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const why = check(req, false);
    if (why) {
      res.writeHead(403, { "content-type": "text/plain" }).end(`refused: ${why}\n`);
      return;
    }
    const path = new URL(req.url ?? "/", "http://x").pathname;
    const page = req.method === "GET" ? o.pages[path] : undefined;
    if (!page) {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
      return;
    }
    Promise.resolve(page()).then(
      (p) =>
        res
          .writeHead(200, {
            "content-type": p.type,
            "cache-control": "no-store",
            // Our pages load only our own scripts and talk only to us.
            "content-security-policy":
              "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:",
            "x-frame-options": "DENY",
          })
          .end(p.body),
      (e: Error) => res.writeHead(500, { "content-type": "text/plain" }).end(`${e.message}\n`),
    );
  });
  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const why = check(req, true);
    const route = o.sockets[new URL(req.url ?? "/", "http://x").pathname];
    if (why || !route) {
      socket.end(`HTTP/1.1 ${why ? "403 Forbidden" : "404 Not Found"}\r\nConnection: close\r\n\r\n`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => route(ws, req));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(o.port ?? 0, host, () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  // A server on every interface is announced under this machine's name, which other machines can reach.
  const shown = WILDCARD.has(host) ? hostname() : host;
  const origin = `http://${shown.includes(":") ? `[${shown}]` : shown}:${port}`;
  return {
    token,
    port,
    origin,
    url: (path) => `${origin}${path}?token=${token}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
