// The stripe display page (runs in the browser the rig's screen shows full-screen): draws vertical stripes at
// the commanded position every frame and speaks `hokr-stripe` with the host over a WebSocket — command lines
// in, replies, `P` reports (one per displayed frame) and frame counts out. The device logic is
// stripe-device.ts; this file owns the canvas, the frame clock and the socket.
import { pixelsPerDegree, type ScreenGeometry, stripePeriodPx } from "./screen.ts";
import { gratingRow, StripeDevice, type StripeFrame } from "./stripe-device.ts";

interface PageConfig {
  screen: ScreenGeometry;
  /** WebSocket path, token included. */
  socket: string;
}

/** What the page did, for whoever inspects it (the browser tests). */
interface StripeLog {
  frames: { frame: number; displayMs: number; positionDeg: number }[];
  commands: string[];
  replies: string[];
  device: StripeDevice;
  pixelsPerDegree: number;
}

const config = JSON.parse(document.getElementById("config")?.textContent ?? "{}") as PageConfig;
const device = new StripeDevice(() => performance.now());
const log: StripeLog = {
  frames: [],
  commands: [],
  replies: [],
  device,
  pixelsPerDegree: pixelsPerDegree(config.screen),
};
(window as unknown as { hokrStripe: StripeLog }).hokrStripe = log;

const canvas = document.getElementById("stripes") as HTMLCanvasElement;
const context = canvas.getContext("2d", { alpha: false }) as CanvasRenderingContext2D;
const row = document.createElement("canvas");
const rowContext = row.getContext("2d") as CanvasRenderingContext2D;
let rowImage: ImageData | undefined;

function resize(): void {
  canvas.width = Math.round(window.innerWidth * window.devicePixelRatio);
  canvas.height = Math.round(window.innerHeight * window.devicePixelRatio);
  row.width = canvas.width;
  row.height = 1;
  rowImage = rowContext.createImageData(canvas.width, 1);
}
window.addEventListener("resize", resize);
resize();

function draw(f: StripeFrame): void {
  if (!rowImage) return;
  const s = config.screen;
  gratingRow(
    rowImage.data,
    canvas.width,
    stripePeriodPx(s, device.cyclesPerDeg),
    f.positionDeg * log.pixelsPerDegree,
    s.grating,
    s.contrast,
  );
  rowContext.putImageData(rowImage, 0, 0);
  context.imageSmoothingEnabled = false;
  context.drawImage(row, 0, 0, canvas.width, canvas.height);
  if (s.photodiodePx > 0) {
    context.fillStyle = f.patchOn ? "#fff" : "#000";
    context.fillRect(0, 0, s.photodiodePx, s.photodiodePx);
  }
}

let socket: WebSocket | undefined;
/** Sends whole lines (each ends in \n, as the host's line framing needs). */
const send = (...lines: string[]) => {
  if (socket?.readyState === WebSocket.OPEN && lines.length > 0) socket.send(`${lines.join("\n")}\n`);
};

// A frame's report leaves when the next frame begins, i.e. once it is on the screen: the device time in a
// line is then never later than the moment it is sent (the host's clock alignment relies on that).
let shown: StripeFrame | undefined;
let lastCountsMs = 0;
function onFrame(startMs: number): void {
  const f = device.frame(startMs);
  draw(f);
  if (shown?.moving) send(device.report(shown));
  shown = f;
  log.frames.push({ frame: f.frame, displayMs: f.displayMs, positionDeg: f.positionDeg });
  if (log.frames.length > 20_000) log.frames.splice(0, 10_000);
  if (startMs - lastCountsMs >= 1000) {
    lastCountsMs = startMs;
    send(device.frameCounts());
  }
  requestAnimationFrame(onFrame);
}
requestAnimationFrame(onFrame);

function connect(): void {
  const ws = new WebSocket(`ws://${location.host}${config.socket}`);
  socket = ws;
  ws.onmessage = (m) => {
    const replies: string[] = [];
    for (const line of String(m.data).split("\n")) {
      if (line.trim() === "") continue;
      log.commands.push(line);
      // A STOP is answered after the report of the frame on the screen, so every report it covers precedes it.
      if (/^@\d+ STOP\b/.test(line) && shown?.moving) {
        replies.push(device.report(shown));
        shown = { ...shown, moving: false };
      }
      replies.push(device.command(line));
    }
    log.replies.push(...replies);
    send(...replies);
  };
  ws.onclose = () => {
    document.body.dataset.connected = "false";
    setTimeout(connect, 1000);
  };
  ws.onopen = () => {
    document.body.dataset.connected = "true";
  };
}
connect();
