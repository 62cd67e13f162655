// One simulated device as its own process on the far side of a real serial port (one end of a PTY pair), opened
// with serialport's native binding: the same device models and wire protocols `--sim` uses, reached by the host
// through the operating system exactly as a lab's USB devices are.
//
//   node --import tsx mocks/pty/device-process.ts --kind light|drum|eye --port PATH --log FILE [options]
//     --channels blue:470,amber:593   light: channel names and wavelengths, in channel order
//     --rate HZ                       eye: frame rate (default 200)
//     --gain G                        eye: the animal's gain, fixed (no learning, fast phases, blinks or noise)
//     --clock-at-open-us N            the device clock reads N µs when the host first opens the port
//     --deaf-ms MS                    deaf for MS after the host opens the port (a board resetting on open)
//     --ignore VERB                   never answer VERB (repeatable; `*` = every command)
//
// Control channel (stdin, one command a line): garbage | overlong BYTES | range | wrong-device |
// wrong-channel CH | reset | glitch MS | replug | quit, and, for
// the eye tracker, `world {"sine":{t0Ms,amplitudeDeg,frequencyHz}}` / `world {"stop":true}`: where the drum
// (another process) is, so the animal can follow it (t0Ms on the machine's monotonic clock).
// Stdout: one JSON object a line for everything but samples ({t, kind, text}; t = monotonic ms). The log file
// (TSV: monotonic ms, kind, text) has everything, samples included: it is the device's own record.
import { appendFileSync, writeFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { SerialPort } from "serialport";
import { Random } from "../../src/core/random.ts";
import { SimulatedEyeTrackerDevice } from "../devices/eye-tracker.ts";
import { SimulatedLightController } from "../devices/light-controller.ts";
import type { LineDevice } from "../devices/line-device.ts";
import { SimulatedStimulusController } from "../devices/stimulus-controller.ts";
import { drawMouse, MouseParameters } from "../mouse-parameters.ts";
import { SimulatedEyeTracker, SimulatedLightSource, SimulatedStimulus } from "../simulated-rig.ts";
import { type MouseWorld, VirtualMouse } from "../virtual-mouse.ts";
import { DeviceClock, monotonicMs } from "./device-clock.ts";
import { type DeviceLog, FaultyLink } from "./faulty-link.ts";

const { values: args } = parseArgs({
  options: {
    kind: { type: "string" },
    port: { type: "string" },
    log: { type: "string" },
    channels: { type: "string", default: "blue:470,amber:593" },
    rate: { type: "string", default: "200" },
    gain: { type: "string", default: "0.6" },
    "clock-at-open-us": { type: "string" },
    "deaf-ms": { type: "string", default: "0" },
    ignore: { type: "string", multiple: true, default: [] },
  },
});
const kinds = ["light", "drum", "eye"] as const;
type Kind = (typeof kinds)[number];
function kindOf(arg: string | undefined): Kind {
  const k = kinds.find((x) => x === arg);
  if (k === undefined) throw new Error("--kind light|drum|eye");
  return k;
}
const kind: Kind = kindOf(args.kind);
const portPath = args.port ?? "";
const logFile = args.log ?? "";
if (!portPath || !logFile) throw new Error("--port and --log are required");

// ---- the device's own log ---------------------------------------------------------------------------------
let pending = "";
const flushLog = () => {
  if (pending === "") return;
  appendFileSync(logFile, pending);
  pending = "";
};
writeFileSync(logFile, "");
setInterval(flushLog, 50).unref();
const log: DeviceLog = {
  write(what, text, note = false) {
    const t = monotonicMs();
    pending += `${t.toFixed(3)}\t${what}\t${text}\n`;
    if (note) process.stdout.write(`${JSON.stringify({ t, kind: what, text })}\n`);
  },
};

// ---- the device model and its wire protocol -----------------------------------------------------------------
const clock = new DeviceClock();
const link = new FaultyLink(log, {
  deafOnOpenMs: Number(args["deaf-ms"]),
  ignore: args.ignore,
  ...(args["clock-at-open-us"] === undefined ? {} : { clockAtOpenUs: Number(args["clock-at-open-us"]) }),
});

/** Where the drum is, as another process announced it (eye tracker only). */
let drum: { t0Ms: number; amplitudeDeg: number; frequencyHz: number } | null = null;
const gain = Number(args.gain);
// An animal whose gain is exactly `gain`: no learning, no fast phases, blinks, drift or noise, no lag.
const fixed = (median: number) => ({ median, logSd: 0 });
const mouseParams = MouseParameters.parse({
  sampleRateHz: Number(args.rate),
  baselineGain: fixed(gain),
  onlineAmplitude: fixed(1e-300),
  offlineAmplitude: fixed(1e-300),
  phaseLagDeg: { mean: 0, sd: 0 },
  saccadeRatePerS: 0,
  blinkRatePerS: 0,
  noiseDeg: 0,
  driftDegPerSqrtS: 0,
});
const world: MouseWorld = {
  stimulus: () =>
    drum && {
      t0S: (drum.t0Ms - clock.originMs) / 1000,
      amplitudeDeg: drum.amplitudeDeg,
      frequencyHz: drum.frequencyHz,
    },
  litWavelengthsNm: () => [],
};
const mouse = new VirtualMouse(
  drawMouse(mouseParams, new Random(1), [], []),
  mouseParams,
  world,
  new Random(2),
);

/** Builds the device as it is at power-up; returns it and how to power it down (everything off). */
function powerUp(): { device: LineDevice; powerDown: () => void } {
  if (kind === "light") {
    const channels = (args.channels ?? "").split(",").map((c) => {
      const [name = "", nm = ""] = c.split(":");
      return { name, wavelengthNm: Number(nm) };
    });
    const light = new SimulatedLightSource(clock, channels);
    light.edges$.subscribe((e) => log.write("light", `${e.channel} ${e.on ? 1 : 0}`, true));
    return { device: new SimulatedLightController(clock, light), powerDown: () => light.allOff() };
  }
  if (kind === "drum") {
    const stimulus = new SimulatedStimulus(clock);
    stimulus.stopped$.subscribe(() => log.write("world", JSON.stringify({ stop: true }), true));
    const device = new SimulatedStimulusController(clock, stimulus);
    const receive = device.receive.bind(device);
    // Announce each start of the sinusoid, for the eye tracker's animal to follow.
    device.receive = (bytes) => {
      const before = stimulus.state;
      receive(bytes);
      const s = stimulus.state;
      if (s && s !== before)
        log.write(
          "world",
          JSON.stringify({ sine: { t0Ms: clock.toMonotonic(s.t0Ms), ...s.settings } }),
          true,
        );
    };
    return { device, powerDown: () => stimulus.stop() };
  }
  const rate = Number(args.rate);
  const device = new SimulatedEyeTrackerDevice(clock, new SimulatedEyeTracker(clock, mouse, rate), rate);
  return { device, powerDown: () => device.detach() };
}

let current = powerUp();
link.connectDevice(current.device);

/** A reset: every output off, the clock restarts, the device says so (`! <t> boot`). */
function reset(): void {
  current.powerDown();
  current.device.detach();
  current = powerUp();
  link.connectDevice(current.device);
  link.setClock(12);
  link.line("!", "boot");
}

// ---- the serial port ----------------------------------------------------------------------------------------
let port: SerialPort | undefined;
function openPort(): void {
  const p = new SerialPort({ path: portPath, baudRate: 115200, autoOpen: false });
  p.open((err) => {
    if (err) {
      log.write("port", `cannot open: ${err.message}`, true);
      return;
    }
    port = p;
    link.openPort((bytes) => p.write(bytes));
    log.write("port", "open", true);
  });
  p.on("data", (b: Buffer) => link.fromHost(b));
  p.on("close", (e?: Error | null) => {
    if (port === p) port = undefined;
    link.closePort(e?.message ?? "by the device");
  });
  p.on("error", (e: Error) => log.write("port", `error ${e.message}`, true));
}
openPort();

// ---- the control channel ------------------------------------------------------------------------------------
const wrongDevice: Record<Kind, [string, ...(string | number)[]]> = {
  light: ["P", 1.5],
  drum: ["S", 1.5],
  eye: ["P", 1.5],
};
const outOfRange: Record<Kind, [string, ...(string | number)[]]> = {
  light: ["E", 0, 5],
  drum: ["P", 500],
  eye: ["S", 500],
};

const commands: Record<string, (arg: string) => void> = {
  garbage: () => link.garbage(),
  overlong: (bytes) => link.overlong(Number(bytes)),
  range: () => link.line(...outOfRange[kind]),
  "wrong-device": () => link.line(...wrongDevice[kind]),
  "wrong-channel": (channel) => link.line("E", Number(channel), 1),
  reset,
  glitch: (ms) => link.glitch(Number(ms)),
  // Plugged back in: the device powered up again (a new clock), on a port the harness has made anew.
  replug: () => {
    port?.close();
    reset();
    openPort();
  },
  world: (json) => {
    const w = JSON.parse(json) as { sine?: NonNullable<typeof drum>; stop?: true };
    drum = w.sine ?? null;
  },
  quit: () => {
    flushLog();
    process.exit(0);
  },
};

function control(line: string): void {
  const [cmd = "", ...rest] = line.trim().split(" ");
  if (cmd === "") return;
  if (cmd !== "world") log.write("fault", line.trim(), true);
  const run = commands[cmd];
  if (run) run(rest.join(" "));
  else log.write("error", `unknown control command '${line}'`, true);
}
createInterface({ input: process.stdin }).on("line", control);
// The harness gone (stdin closed) is the end of the test: do not outlive it.
process.stdin.on("end", () => control("quit"));
process.on("SIGTERM", () => control("quit"));
process.on("exit", flushLog);
log.write("ready", `${kind} ${portPath}`, true);
