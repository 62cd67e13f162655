// The hokr-rig firmware on a simulated Uno, with the host side of its serial line as text: send commands,
// collect reply and event lines stamped with the CPU cycle at which their last byte arrived.
import { loadFirmwareImage } from "../../devices/firmware/firmware.ts";
import { CLOCK_HZ, type PinEdge, SimulatedUno } from "./simulated-uno.ts";

export interface ReceivedLine {
  text: string;
  /** Cycle at which the line's '\n' finished arriving at the host. */
  cycle: number;
}

export interface Exchange {
  reply: string;
  /** Cycle at which the command's last byte ('\n') reached the UART. */
  sentCycle: number;
  replyCycle: number;
}

const cyclesPerUs = CLOCK_HZ / 1e6;
const cyclesPerMs = CLOCK_HZ / 1e3;
let image: Uint8Array | undefined;
const committedImage = (): Uint8Array => {
  image ??= loadFirmwareImage();
  return image;
};

export class FirmwareRig {
  readonly uno: SimulatedUno;
  readonly lines: ReceivedLine[] = [];
  private partial = "";
  private nextId = 1;
  /** Cycle at which each newline from the host reached the UART, in order. */
  private readonly newlineCycles: number[] = [];
  private newlinesSent = 0;

  constructor(flash: Uint8Array = committedImage()) {
    this.uno = new SimulatedUno(flash);
    this.uno.onTransmit((byte, cycle) => {
      if (byte === 0x0a) {
        this.lines.push({ text: this.partial, cycle });
        this.partial = "";
      } else if (byte !== 0x0d) {
        this.partial += String.fromCharCode(byte);
      }
    });
    this.uno.onReceive((byte, cycle) => {
      if (byte === 0x0a) this.newlineCycles.push(cycle);
    });
    this.uno.onReset(() => {
      // Bytes in flight are lost with the chip's UART.
      this.partial = "";
      this.newlinesSent = this.newlineCycles.length;
    });
  }

  /** Runs until the firmware's next `!` boot line (after power-on or a reset) and returns it. */
  boot(maxMs = 100): ReceivedLine {
    const from = this.lines.length;
    const line = () => this.lines.slice(from).find((l) => l.text.startsWith("! "));
    if (!this.uno.runUntilTrue(() => line() !== undefined, maxMs * cyclesPerMs))
      throw new Error(`no boot message within ${maxMs} ms of simulated time`);
    return line() as ReceivedLine;
  }

  /** Sends `@<id> <command>` and runs until its reply arrives; throws after `maxMs` of simulated time. */
  command(command: string, maxMs = 50): Exchange {
    const id = this.nextId;
    this.nextId = (this.nextId % 65535) + 1;
    const text = `@${id} ${command}\n`;
    const newline = this.newlinesSent;
    this.send(text);
    const prefix = `@${id} `;
    const from = this.lines.length;
    const found = () => this.lines.slice(from).find((l) => l.text.startsWith(prefix));
    if (!this.uno.runUntilTrue(() => found() !== undefined, maxMs * cyclesPerMs, 800))
      throw new Error(`no reply to '${command}' within ${maxMs} ms of simulated time`);
    const line = found() as ReceivedLine;
    return { reply: line.text, sentCycle: this.newlineCycles[newline] ?? Number.NaN, replyCycle: line.cycle };
  }

  /** Raw bytes to the firmware (commands go through `command`). */
  send(text: string): void {
    this.newlinesSent += text.split("\n").length - 1;
    this.uno.write(text);
  }

  /** Lines received after index `from` that start with `prefix`. */
  linesFrom(from: number, prefix: string): ReceivedLine[] {
    return this.lines.slice(from).filter((l) => l.text.startsWith(prefix));
  }

  runMs(ms: number): void {
    this.uno.run(Math.round(ms * cyclesPerMs));
  }
}

export interface Pulse {
  /** Rising edge, µs of simulated time. */
  startUs: number;
  widthUs: number;
}

/** The complete high pulses of `pin` among recorded edges. */
export function pulsesOf(edges: readonly PinEdge[], pin: number): Pulse[] {
  const pulses: Pulse[] = [];
  let rise: number | undefined;
  for (const e of edges) {
    if (e.pin !== pin) continue;
    if (e.high) rise = e.cycle;
    else if (rise !== undefined) {
      pulses.push({ startUs: rise / cyclesPerUs, widthUs: (e.cycle - rise) / cyclesPerUs });
      rise = undefined;
    }
  }
  return pulses;
}
