// Simulated `hokr-light` controller: the device model (SimulatedLightSource: pulses timed on the device by the
// pulse-train rule) behind the real wire protocol, with the limits of its description and the host-silence
// watchdog of the contract in README.md, "Wire protocols".
import type { Subscription } from "rxjs";
import { lightCommands, lightEvents } from "../../devices/light-source/codec.ts";
import { LIGHT_LIMITS } from "../../devices/light-source/description.ts";
import { trainRefusal } from "../../devices/light-source/pulse-train.ts";
import type { SessionClock } from "../../src/core/clock.ts";
import type { SimulatedLightSource } from "../simulated-rig.ts";
import { LineDevice, Refusal } from "./line-device.ts";

export class SimulatedLightController extends LineDevice {
  private watchdogMs: number = LIGHT_LIMITS.watchdogDefaultMs;
  private watchdog: Subscription | undefined;
  private readonly power: number[];

  constructor(
    clock: SessionClock,
    private readonly light: SimulatedLightSource,
  ) {
    super(clock);
    this.power = light.channels.map(() => 0);
    light.edges$.subscribe((e) =>
      this.emit(
        lightEvents.encode({
          tag: "E",
          deviceUs: this.deviceUsAt(e.tMs),
          channel: this.channelIndex(e.channel),
          on: e.on,
        }),
      ),
    );
    this.armWatchdog();
  }

  private channelIndex(name: string): number {
    return this.light.channels.findIndex((c) => c.name === name);
  }

  private channelName(index: number): string {
    const c = this.light.channels[index];
    if (!c) throw new Refusal(2, `no channel ${index}`);
    return c.name;
  }

  private armWatchdog(): void {
    this.watchdog?.unsubscribe();
    if (this.watchdogMs <= 0) return;
    this.watchdog = this.clock.schedule(() => {
      this.light.allOff();
      this.emit(lightEvents.encode({ tag: "W", deviceUs: this.deviceUs() }));
    }, this.watchdogMs);
  }

  /** Unplugged: the host is gone, so the watchdog will switch the light off. Nothing else to do. */
  protected override onDetach(): void {}

  protected command(verb: string, args: string[], line: string): (string | number)[] {
    this.armWatchdog();
    const c = lightCommands.decode(verb, args, line);
    if (!c) throw new Refusal(1, `unknown verb ${verb}`);
    switch (c.tag) {
      case "HELLO":
        return ["hokr-light", 1, this.light.channels.length];
      case "PWR":
        // The codec has already refused power outside the description's range (ERR 2).
        this.channelName(c.channel);
        this.power[c.channel] = c.powerMw;
        return [];
      case "ON":
        this.light.start(this.channelName(c.channel), this.power[c.channel] ?? 0, { kind: "continuous" });
        return [];
      case "OFF":
        this.light.off(this.channelName(c.channel));
        return [];
      case "ALLOFF":
        this.light.allOff();
        return [];
      case "TRAIN": {
        const refusal = trainRefusal(c);
        if (refusal) throw new Refusal(2, refusal);
        // A start time counts as ahead of the device clock if less than 2³¹ µs ahead (as on the firmware).
        const aheadUs = c.startUs === undefined ? 0 : (c.startUs - this.deviceUs()) | 0;
        const now = this.clock.now();
        this.light.startTrain(
          this.channelName(c.channel),
          this.power[c.channel] ?? 0,
          c,
          now + Math.max(0, aheadUs) / 1000,
        );
        return [];
      }
      case "WDG":
        this.watchdogMs = c.ms;
        this.armWatchdog();
        return [];
      case "PING":
        return [];
    }
  }
}
