// The simulated Uno's USART as a device behind mocks/serial-binding.ts, so that the real serialport stack,
// codecs and drivers talk to the compiled firmware. The chip runs in step with the session clock: a virtual
// clock drives it as fast as the simulator goes, a real clock in real time (avr8js runs ~2–3× faster here).
// Serial timing is the wire's: a byte reaches the other side only once its stop bit has been sent (10
// bit-times at the firmware's baud rate), in both directions.
import type { SchedulerAction, Subscription } from "rxjs";
import { FIRMWARE, loadFirmwareImage } from "../../devices/firmware/firmware.ts";
import type { SessionClock } from "../../src/core/clock.ts";
import { plugSimulatedDevice, type SimulatedSerialDevice } from "../serial-binding.ts";
import { CLOCK_HZ, SimulatedUno } from "./simulated-uno.ts";

export interface AvrSerialDeviceOptions {
  /** How often the chip catches up with the session clock and hands its bytes to the host, ms. */
  stepMs?: number;
  /** Opening the port resets the board (an Uno's DTR line does), as on a rig. */
  resetOnOpen?: boolean;
  /**
   * After a reset on open, the bootloader holds the board this long before the firmware starts, ms (Optiboot
   * ~1 s; default 0). Bytes the host sends meanwhile are lost: the bootloader does not pass them on.
   */
  bootloaderMs?: number;
}

export class AvrSerialDevice implements SimulatedSerialDevice {
  private send: ((bytes: Uint8Array) => void) | undefined;
  /** Bytes the chip has started sending, each with the cycle its stop bit ends at (in order). */
  private outgoing: { byte: number; cycle: number }[] = [];
  private originMs: number;
  private readonly originCycle: number;
  private readonly ticking: Subscription;
  private readonly resetOnOpen: boolean;
  private readonly bootloaderCycles: number;
  /** Until this cycle the board is in its bootloader: host bytes are lost. */
  private deafUntil = 0;

  constructor(
    readonly uno: SimulatedUno,
    private readonly clock: SessionClock,
    options: AvrSerialDeviceOptions = {},
  ) {
    const stepMs = options.stepMs ?? 1;
    this.resetOnOpen = options.resetOnOpen ?? true;
    this.bootloaderCycles = Math.round(((options.bootloaderMs ?? 0) * CLOCK_HZ) / 1000);
    this.originMs = clock.now();
    this.originCycle = uno.cycles;
    // The chip runs on when the host moves the session's zero (the session starts after connecting).
    clock.onZeroMoved((elapsedMs) => {
      this.originMs -= elapsedMs;
    });
    // While no host has the port open, the bytes go nowhere (as on a real board).
    uno.onTransmit((byte, cycle) => {
      if (this.send) this.outgoing.push({ byte, cycle });
    });
    const step = () => this.step();
    this.ticking = clock.schedule(function (this: SchedulerAction<undefined>) {
      step();
      this.schedule(undefined, stepMs);
    }, stepMs);
  }

  /** Session time of a CPU cycle, ms (the chip runs in step with the session clock). */
  sessionMs(cycle: number): number {
    return this.originMs + ((cycle - this.originCycle) * 1000) / CLOCK_HZ;
  }

  /** The chip cycle of the session clock's present. */
  private presentCycle(): number {
    return this.originCycle + Math.round(((this.clock.now() - this.originMs) * CLOCK_HZ) / 1000);
  }

  /** Runs the chip up to the session clock's present and passes on the bytes that have fully arrived. */
  step(): void {
    this.uno.runUntil(this.presentCycle());
    const arrived = this.outgoing.findIndex((b) => b.cycle > this.uno.cycles);
    const n = arrived === -1 ? this.outgoing.length : arrived;
    if (n > 0 && this.send) {
      const bytes = Uint8Array.from(this.outgoing.splice(0, n), (b) => b.byte);
      this.send(bytes);
    }
  }

  receive(bytes: Uint8Array): void {
    this.step(); // the bytes start arriving now, not at the last step
    if (this.presentCycle() >= this.deafUntil) this.uno.write(bytes);
  }

  attach(send: (bytes: Uint8Array) => void): void {
    this.step();
    this.send = send;
    if (!this.resetOnOpen) return;
    this.uno.reset("external", this.bootloaderCycles);
    this.deafUntil = this.uno.cycles;
  }

  detach(): void {
    this.send = undefined;
    this.outgoing = [];
  }

  /** Stops running the chip (end of a test or session). */
  dispose(): void {
    this.ticking.unsubscribe();
  }
}

export interface FirmwareBoard {
  device: AvrSerialDevice;
  /** Whether light channel `channel`'s gate pin is high now. */
  lightOn(channel: number): boolean;
  /** Every change of the light gate pins so far, in session time: the light the board really emitted. */
  readonly lightEdges: readonly { tMs: number; channel: number; on: boolean }[];
  /** Drum position commanded by the last whole servo pulse, degrees (0 before the first). */
  servoDeg(): number;
}

export type PlugUnoOptions = AvrSerialDeviceOptions & { serialNumber?: string };

/** Plugs an Uno running `flash` in under `path`, with an Arduino Uno's USB identity. */
export function plugUno(
  clock: SessionClock,
  path: string,
  flash: Uint8Array,
  options: PlugUnoOptions = {},
): { uno: SimulatedUno; device: AvrSerialDevice } {
  const uno = new SimulatedUno(flash);
  const device = new AvrSerialDevice(uno, clock, options);
  plugSimulatedDevice(device, {
    path,
    serialNumber: options.serialNumber,
    vendorId: "2341",
    productId: "0043",
  });
  return { uno, device };
}

/**
 * Plugs an Uno running the committed hokr-rig firmware in under `path` (light and drum share that port), with
 * what its pins do exposed for a virtual mouse.
 */
export function plugFirmwareBoard(
  clock: SessionClock,
  path: string,
  options: PlugUnoOptions = {},
): FirmwareBoard {
  const { uno, device } = plugUno(clock, path, loadFirmwareImage(), options);
  const lightEdges: { tMs: number; channel: number; on: boolean }[] = [];
  FIRMWARE.lightGatePins.forEach((pin, channel) => {
    uno.watchPin(pin, (e) => lightEdges.push({ tMs: device.sessionMs(e.cycle), channel, on: e.high }));
  });
  let rise: number | undefined;
  let widthUs = FIRMWARE.servoCentreUs;
  uno.watchPin(FIRMWARE.servoPin, (e) => {
    if (e.high) rise = e.cycle;
    else if (rise !== undefined) widthUs = ((e.cycle - rise) * 1e6) / CLOCK_HZ;
  });
  return {
    device,
    lightEdges,
    lightOn: (channel) => {
      const pin = FIRMWARE.lightGatePins[channel];
      if (pin === undefined) throw new RangeError(`hokr-rig has no light channel ${channel}`);
      return uno.pinHigh(pin);
    },
    servoDeg: () => (widthUs - FIRMWARE.servoCentreUs) / FIRMWARE.servoUsPerDeg,
  };
}
