// The simulated Uno's USART as a device behind mocks/serial-binding.ts, so that the real serialport stack,
// codecs and drivers talk to the compiled firmware. The chip runs in step with the session clock: a virtual
// clock drives it as fast as the simulator goes, a real clock in real time (avr8js runs ~2–3× faster here).
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
}

export class AvrSerialDevice implements SimulatedSerialDevice {
  private send: ((bytes: Uint8Array) => void) | undefined;
  private outgoing: number[] = [];
  private readonly originMs: number;
  private readonly originCycle: number;
  private readonly ticking: Subscription;
  private readonly resetOnOpen: boolean;

  constructor(
    readonly uno: SimulatedUno,
    private readonly clock: SessionClock,
    options: AvrSerialDeviceOptions = {},
  ) {
    const stepMs = options.stepMs ?? 1;
    this.resetOnOpen = options.resetOnOpen ?? true;
    this.originMs = clock.now();
    this.originCycle = uno.cycles;
    // While no host has the port open, the bytes go nowhere (as on a real board).
    uno.onTransmit((byte) => {
      if (this.send) this.outgoing.push(byte);
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

  /** Runs the chip up to the session clock's present and passes on what it transmitted. */
  step(): void {
    const target = this.originCycle + Math.round(((this.clock.now() - this.originMs) * CLOCK_HZ) / 1000);
    this.uno.runUntil(target);
    if (this.outgoing.length > 0 && this.send) {
      const bytes = Uint8Array.from(this.outgoing);
      this.outgoing = [];
      this.send(bytes);
    }
  }

  receive(bytes: Uint8Array): void {
    this.step(); // the bytes start arriving now, not at the last step
    this.uno.write(bytes);
  }

  attach(send: (bytes: Uint8Array) => void): void {
    this.step();
    this.send = send;
    if (this.resetOnOpen) this.uno.reset("external");
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

/**
 * Plugs an Uno running the committed hokr-rig firmware in under `path` (light and drum share that port), with
 * what its pins do exposed for a virtual mouse.
 */
export function plugFirmwareBoard(
  clock: SessionClock,
  path: string,
  options: AvrSerialDeviceOptions & { serialNumber?: string } = {},
): FirmwareBoard {
  const uno = new SimulatedUno(loadFirmwareImage());
  const device = new AvrSerialDevice(uno, clock, options);
  plugSimulatedDevice(device, {
    path,
    serialNumber: options.serialNumber,
    vendorId: "2341",
    productId: "0043",
  });
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
