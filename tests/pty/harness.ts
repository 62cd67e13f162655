// A rig reached through the operating system: each device is a separate process (mocks/pty/device-process.ts)
// holding one end of a real pseudo-terminal pair made by socat, opened with serialport's native binding; `hokr
// run --rig` opens the other ends, exactly as it opens a lab's USB devices. Tests inject faults through each
// device's control channel, pull plugs (kill the pair), signal hokr, and then judge from the devices' own logs
// and the recorded session folder.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { describe } from "vitest";
import { monotonicMs } from "../../mocks/pty/device-clock.ts";
import { type CliResult, startCli } from "../helpers/cli.ts";

/**
 * `npm test` needs Node only: without socat the PTY tests are skipped, with a notice. CI installs socat and sets
 * CI=true, and there a missing socat fails the run instead of hiding the tests.
 */
const socat = spawnSync("socat", ["-V"]).status === 0;
if (!socat && process.env.CI === "true")
  throw new Error("socat is missing: CI must run the PTY tests (apt-get install socat)");
if (!socat) console.warn("PTY tests skipped: socat is not installed (apt-get install socat)");
/** `describe` for tests that need PTY pairs. */
export const describePty = socat ? describe : describe.skip;

export const DEVICES = ["light", "drum", "eye"] as const;
export type Device = (typeof DEVICES)[number];

/** What a device process announced (everything but samples), on the machine's monotonic clock (ms). */
export interface Note {
  t: number;
  kind: string;
  text: string;
}

/** One record of a device's own log file. */
export interface LogRecord extends Note {}

async function until<T>(
  check: () => T | undefined | false,
  what: string,
  timeoutMs: number,
  alive?: () => string | undefined,
): Promise<T> {
  const giveUp = monotonicMs() + timeoutMs;
  for (;;) {
    const v = check();
    if (v !== undefined && v !== false) return v;
    const dead = alive?.();
    if (dead) throw new Error(`gave up waiting for ${what}: ${dead}`);
    if (monotonicMs() > giveUp) throw new Error(`gave up waiting for ${what} (${timeoutMs} ms)`);
    await sleep(10);
  }
}

/** A PTY pair: the device opens `devicePath`, hokr opens `hostPath`. Killing socat is pulling the plug. */
class PtyPair {
  private socat: ChildProcess | undefined;
  constructor(
    readonly devicePath: string,
    readonly hostPath: string,
  ) {}

  async plug(): Promise<void> {
    const socat = spawn(
      "socat",
      ["-d", "-d", `pty,raw,echo=0,link=${this.devicePath}`, `pty,raw,echo=0,link=${this.hostPath}`],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    let stderr = "";
    socat.stderr?.on("data", (d) => {
      stderr += d;
    });
    this.socat = socat;
    await until(
      () => existsSync(this.devicePath) && existsSync(this.hostPath),
      `socat's PTY links ${this.hostPath}`,
      10_000,
      () => (socat.exitCode !== null ? `socat exited: ${stderr}` : undefined),
    );
  }

  /** Pulls the plug: both ends fail (the host sees an error, as with a USB unplug). */
  async unplug(): Promise<void> {
    const s = this.socat;
    this.socat = undefined;
    if (!s || s.exitCode !== null) return;
    const gone = new Promise((r) => s.once("exit", r));
    s.kill("SIGTERM");
    await gone;
  }
}

class DeviceProcess {
  readonly notes: Note[] = [];
  private readonly child: ChildProcess;
  private readonly exited: Promise<void>;
  private stderr = "";
  onNote: (n: Note) => void = () => {};

  constructor(
    readonly device: Device,
    readonly logFile: string,
    args: string[],
  ) {
    this.child = spawn(process.execPath, ["--import", "tsx", "mocks/pty/device-process.ts", ...args], {
      stdio: ["pipe", "pipe", "pipe"],
    });
    let partial = "";
    this.child.stdout?.on("data", (d: Buffer) => {
      const lines = (partial + d.toString()).split("\n");
      partial = lines.pop() ?? "";
      for (const l of lines) {
        const n = JSON.parse(l) as Note;
        this.notes.push(n);
        this.onNote(n);
      }
    });
    this.child.stderr?.on("data", (d) => {
      this.stderr += d;
    });
    this.exited = new Promise((r) => this.child.once("exit", () => r()));
  }

  private dead = () =>
    this.child.exitCode !== null ? `${this.device} process exited: ${this.stderr}` : undefined;

  send(command: string): void {
    this.child.stdin?.write(`${command}\n`);
  }

  /** The first note (from `after`, monotonic ms) satisfying `match`. */
  find(match: (n: Note) => boolean, after = Number.NEGATIVE_INFINITY): Note | undefined {
    return this.notes.find((n) => n.t >= after && match(n));
  }

  waitFor(match: (n: Note) => boolean, what: string, timeoutMs = 30_000, after?: number): Promise<Note> {
    return until(() => this.find(match, after), `${this.device}: ${what}`, timeoutMs, this.dead);
  }

  async quit(): Promise<LogRecord[]> {
    if (this.child.exitCode === null) {
      this.send("quit");
      this.child.stdin?.end();
      await Promise.race([this.exited, sleep(5000)]);
      if (this.child.exitCode === null) this.child.kill("SIGKILL");
    }
    return readFileSync(this.logFile, "utf8")
      .split("\n")
      .filter((l) => l !== "")
      .map((l) => {
        const [t = "", kind = "", ...text] = l.split("\t");
        return { t: Number(t), kind, text: text.join("\t") };
      });
  }
}

export interface PtyRigOptions {
  /** Eye-tracker frame rate, Hz. */
  eyeRateHz?: number;
  /** The animal's (fixed) gain. */
  gain?: number;
  /** Extra command-line options per device (see mocks/pty/device-process.ts). */
  deviceArgs?: Partial<Record<Device, string[]>>;
  /** Rig configuration fields over the defaults below (watchdogMs, faultPolicy, …). */
  rig?: Record<string, unknown>;
}

export interface HokrRun {
  child: ChildProcess;
  done: Promise<CliResult>;
  /** The session folder. */
  out: string;
}

/** Everything a test judges by, once the run is over. */
export interface Finished {
  logs: Record<Device, LogRecord[]>;
}

export class PtyRig {
  private readonly pairs: Record<Device, PtyPair>;
  readonly devices = {} as Record<Device, DeviceProcess>;
  readonly rigFile: string;

  private constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
    this.pairs = Object.fromEntries(
      DEVICES.map((d) => [d, new PtyPair(join(dir, `${d}.device`), join(dir, `${d}.tty`))]),
    ) as Record<Device, PtyPair>;
    this.rigFile = join(dir, "rig.json");
  }

  /** Makes the PTY pairs, starts the device processes and waits until each has its port open. */
  static async start(dir: string, options: PtyRigOptions = {}): Promise<PtyRig> {
    const rig = new PtyRig(dir);
    await Promise.all(DEVICES.map((d) => rig.pairs[d].plug()));
    const extra: Record<Device, string[]> = {
      light: ["--channels", "blue:470,amber:593"],
      drum: [],
      eye: ["--rate", String(options.eyeRateHz ?? 200), "--gain", String(options.gain ?? 0.6)],
    };
    for (const d of DEVICES) {
      const logFile = join(dir, `${d}.log`);
      rig.devices[d] = new DeviceProcess(d, logFile, [
        ...["--kind", d, "--port", rig.pairs[d].devicePath, "--log", logFile],
        ...extra[d],
        ...(options.deviceArgs?.[d] ?? []),
      ]);
    }
    // The animal follows the drum: what the drum process announces goes to the eye tracker's process.
    rig.devices.drum.onNote = (n) => {
      if (n.kind === "world") rig.devices.eye.send(`world ${n.text}`);
    };
    writeFileSync(
      rig.rigFile,
      JSON.stringify(
        {
          name: "PTY rig",
          light: [
            {
              name: "blue",
              wavelengthNm: 470,
              index: 0,
              limits: { maxPowerMw: 10, maxDutyCycle: 1, maxContinuousOnS: 10 },
            },
            { name: "amber", wavelengthNm: 593, index: 1, limits: { maxPowerMw: 15, maxDutyCycle: 0.5 } },
          ],
          devices: {
            light: { port: { path: rig.pairs.light.hostPath } },
            stimulus: { kind: "drum", port: { path: rig.pairs.drum.hostPath }, reportRateHz: 100 },
            eyeTracker: { port: { path: rig.pairs.eye.hostPath } },
          },
          watchdogMs: 1000,
          handshakeTimeoutMs: 3000,
          ...options.rig,
        },
        null,
        2,
      ),
    );
    await Promise.all(
      DEVICES.map((d) =>
        rig.devices[d].waitFor((n) => n.kind === "port" && n.text === "open", "its port open", 90_000),
      ),
    );
    return rig;
  }

  hostPath(d: Device): string {
    return this.pairs[d].hostPath;
  }

  /** Starts `hokr run PROTOCOL --rig rig.json` as a child process. */
  run(protocol: object, extraArgs: string[] = []): HokrRun {
    const file = join(this.dir, "protocol.json");
    writeFileSync(file, JSON.stringify(protocol, null, 2));
    const out = join(this.dir, "session");
    const cli = startCli([
      "run",
      file,
      "--rig",
      this.rigFile,
      "--subject-id",
      "PTY-1",
      "--out",
      out,
      ...extraArgs,
    ]);
    return { ...cli, out };
  }

  /** Pulls a device's plug: its PTY pair goes away, as a USB device unplugged. */
  unplug(d: Device): Promise<void> {
    return this.pairs[d].unplug();
  }

  /** Plugs a device back in under the same path; it powers up afresh (a new device clock). */
  async replug(d: Device): Promise<void> {
    await this.pairs[d].plug();
    this.devices[d].send("replug");
  }

  private finished: Promise<Finished> | undefined;

  /** Stops the device processes and the PTY pairs (once); returns each device's own log. */
  finish(): Promise<Finished> {
    this.finished ??= this.stop();
    return this.finished;
  }

  private async stop(): Promise<Finished> {
    const logs = Object.fromEntries(
      await Promise.all(DEVICES.map(async (d) => [d, await this.devices[d].quit()] as const)),
    ) as Record<Device, LogRecord[]>;
    for (const d of DEVICES) await this.pairs[d].unplug();
    return { logs };
  }
}
