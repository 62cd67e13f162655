// The wire between a simulated device and its serial port, where a test injects the faults a rig meets: lines
// a device should never send (garbage, overlong, out of range, another device's, a channel it lacks), a device
// clock that glitches, wraps or restarts, a device deaf for a while after the port opens (a board resetting),
// one that stops answering a command. Everything that crosses it is
// written to the device's own log, stamped on the machine's monotonic clock.
import { UINT32 } from "../../devices/wire.ts";
import type { LineDevice } from "../devices/line-device.ts";
import { monotonicMs } from "./device-clock.ts";

/** The device process's own record: every line in and out, every state change, every fault injected. */
export interface DeviceLog {
  /** One record; `note` ones are also announced to the controlling process (not samples: too many). */
  write(kind: string, text: string, note?: boolean): void;
}

/** Field index of `<t_us>` in a line: `@id OK t …` or `X t …`; undefined for lines without one (ERR). */
function stampField(fields: readonly string[]): number | undefined {
  if (fields[0]?.startsWith("@")) return fields[1] === "OK" ? 2 : undefined;
  return fields.length > 1 ? 1 : undefined;
}

const SAMPLE_TAGS = new Set(["S", "R", "P"]);

export class FaultyLink {
  private device: LineDevice | undefined;
  private write: ((bytes: Buffer) => void) | undefined;
  /** Added to every timestamp the device sends, µs (mod 2³²): a clock set or restarted. */
  private offsetUs = 0;
  /** A one-line timestamp glitch waiting for the next event line, µs. */
  private glitchUs: number | undefined;
  private deafUntil = Number.NEGATIVE_INFINITY;
  /** ms of deafness armed to start at the first byte from the host (a board that resets when opened). */
  private deafOnOpenMs: number;
  private heardHost = false;
  private readonly ignored = new Set<string>();
  private partial = "";

  /** Where the clock is set when the host first opens the port, µs (e.g. just before the 32-bit wrap). */
  private clockAtOpenUs: number | undefined;

  constructor(
    private readonly log: DeviceLog,
    options: { deafOnOpenMs?: number; ignore?: readonly string[]; clockAtOpenUs?: number } = {},
  ) {
    this.deafOnOpenMs = options.deafOnOpenMs ?? 0;
    this.clockAtOpenUs = options.clockAtOpenUs;
    for (const verb of options.ignore ?? []) this.ignored.add(verb);
  }

  /** The device's clock as it reads on the wire now, µs. */
  deviceUs(): number {
    const raw = this.device?.deviceUs() ?? 0;
    return (((raw + this.offsetUs) % UINT32) + UINT32) % UINT32;
  }

  /** Puts a (new, e.g. just booted) device on the wire. */
  connectDevice(device: LineDevice): void {
    this.device?.detach();
    this.device = device;
    if (this.write && this.heardHost) device.attach((bytes) => this.fromDevice(bytes));
  }

  /** The port is open: bytes can flow. The device is attached once the host is heard (see fromHost). */
  openPort(write: (bytes: Buffer) => void): void {
    this.write = write;
    this.heardHost = false;
    this.partial = "";
  }

  /**
   * The port went away (unplugged): the device, still powered, runs on (a light controller's watchdog still
   * fires); what it sends from now on is logged as `unsent`.
   */
  closePort(reason: string): void {
    this.write = undefined;
    this.log.write("port", `closed ${reason}`, true);
  }

  /** Sets the wire clock to read `us` now. */
  setClock(us: number): void {
    this.offsetUs += us - this.deviceUs();
  }

  private send(text: string, kind: string): void {
    if (text === "") return;
    const as = this.write ? kind : "unsent";
    for (const line of text.split("\n").slice(0, -1))
      this.log.write(as, line, as === "fault-tx" || !SAMPLE_TAGS.has(line.slice(0, 1)));
    this.write?.(Buffer.from(text, "latin1"));
  }

  private fromDevice(bytes: Uint8Array): void {
    const lines = Buffer.from(bytes).toString("latin1").split("\n");
    lines.pop();
    const out = lines.map((line) => {
      const f = line.split(" ");
      const i = stampField(f);
      if (i === undefined) return line;
      let add = this.offsetUs;
      if (this.glitchUs !== undefined && !line.startsWith("@")) {
        add += this.glitchUs;
        this.glitchUs = undefined;
      }
      f[i] = String((((Number(f[i]) + add) % UINT32) + UINT32) % UINT32);
      return f.join(" ");
    });
    this.send(out.map((l) => `${l}\n`).join(""), "tx");
  }

  fromHost(bytes: Buffer): void {
    const now = monotonicMs();
    if (!this.heardHost) {
      // The host has opened the port: a device that resets on open is deaf for a while from now.
      this.heardHost = true;
      this.deafUntil = Math.max(this.deafUntil, now + this.deafOnOpenMs);
      this.deafOnOpenMs = 0;
      if (this.clockAtOpenUs !== undefined) this.setClock(this.clockAtOpenUs);
      this.clockAtOpenUs = undefined;
      if (this.write && this.device) this.device.attach((b) => this.fromDevice(b));
    }
    const lines = (this.partial + bytes.toString("latin1")).split("\n");
    this.partial = lines.pop() ?? "";
    for (const line of lines) {
      const verb = line.split(" ")[1] ?? "";
      if (now < this.deafUntil || this.ignored.has(verb) || this.ignored.has("*")) {
        this.log.write("rx-ignored", line, true);
        continue;
      }
      this.log.write("rx", line, true);
      this.device?.receive(Buffer.from(`${line}\n`, "latin1"));
    }
  }

  // ---- faults a test injects --------------------------------------------------------------------------

  /** A line that is not protocol at all. */
  garbage(): void {
    this.send("\u0007#garbage~~ 12 %%\n", "fault-tx");
  }

  /** `bytes` of junk with no newline: the next real line ends up behind it. */
  overlong(bytes: number): void {
    this.send(`${"x".repeat(bytes)}`, "fault-tx");
    // send() logs whole lines only; this one has no end.
    this.log.write("fault-tx", `x × ${bytes} (no newline)`, true);
  }

  /** Any protocol line, stamped with the device clock: `line` is given `<t_us>` as its second field. */
  line(tag: string, ...rest: (string | number)[]): void {
    this.send(`${[tag, this.deviceUs(), ...rest].join(" ")}\n`, "fault-tx");
  }

  /** The next event line carries a timestamp `ms` off; the clock itself is unchanged. */
  glitch(ms: number): void {
    this.glitchUs = Math.round(ms * 1000);
  }
}
