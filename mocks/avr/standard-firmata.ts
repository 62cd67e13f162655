// The real StandardFirmata image (avrgirl-arduino's build, StandardFirmata 2.4) on the simulated Uno, behind
// a simulated serial port: firmata-io and johnny-five talk to the firmware a lab flashes, at 57600 baud with
// true serial timing, and what the board does is read at its pins (a servo's pulses, an LED's PWM).
import { readFileSync } from "node:fs";
import { STANDARD_FIRMATA_HEX } from "../../devices/firmata-board/standard-firmata.ts";
import { parseIntelHex } from "../../devices/firmware/intel-hex.ts";
import type { SessionClock } from "../../src/core/clock.ts";
import { pulsesOf } from "./firmware-rig.ts";
import { type AvrSerialDevice, type PlugUnoOptions, plugUno } from "./serial-device.ts";
import { CLOCK_HZ, type PinEdge, type SimulatedUno } from "./simulated-uno.ts";

let image: Uint8Array | undefined;
export const standardFirmataImage = (): Uint8Array => {
  image ??= parseIntelHex(readFileSync(STANDARD_FIRMATA_HEX, "utf8"), STANDARD_FIRMATA_HEX);
  return image;
};

/** A level change at a pin, in session time. */
export interface PinLevel {
  tMs: number;
  high: boolean;
}

/** A high stretch of a pin, session ms. */
export interface HighPulse {
  startMs: number;
  widthMs: number;
}

export interface StandardFirmataBoard {
  readonly uno: SimulatedUno;
  readonly device: AvrSerialDevice;
  /** Every level change of `pin` since `watch(pin)` was called, session ms. */
  levels(pin: number): PinLevel[];
  /** Starts recording `pin`'s level changes (before the host drives it). */
  watch(pin: number): void;
  /** The complete high pulses of a watched pin (servo pulses; PWM cycles; a full-power light pulse). */
  pulses(pin: number): HighPulse[];
}

/**
 * Plugs an Uno running StandardFirmata in under `path`. By default opening the port resets it (an Uno's DTR
 * does), so the host meets the firmware's real boot; `watch` pins are recorded from the start.
 */
export function plugStandardFirmata(
  clock: SessionClock,
  path: string,
  options: PlugUnoOptions & { watch?: readonly number[] } = {},
): StandardFirmataBoard {
  const { uno, device } = plugUno(clock, path, standardFirmataImage(), options);
  const recorded = new Map<number, PinEdge[]>();
  const watch = (pin: number) => {
    if (recorded.has(pin)) return;
    const edges: PinEdge[] = [];
    recorded.set(pin, edges);
    uno.watchPin(pin, (e) => edges.push(e));
  };
  for (const pin of options.watch ?? []) watch(pin);
  const edgesOf = (pin: number) => {
    const e = recorded.get(pin);
    if (!e) throw new Error(`pin ${pin} is not watched: pass it in \`watch\``);
    return e;
  };
  return {
    uno,
    device,
    watch,
    levels: (pin) => edgesOf(pin).map((e) => ({ tMs: device.sessionMs(e.cycle), high: e.high })),
    pulses: (pin) =>
      pulsesOf(edgesOf(pin), pin).map((p) => ({
        startMs: device.sessionMs((p.startUs * CLOCK_HZ) / 1e6),
        widthMs: p.widthUs / 1000,
      })),
  };
}
