// Simulated `hokr-light` controller: the device model (SimulatedLightSource: pulses timed on the device)
// behind the real wire protocol, with the host-silence watchdog of the contract in README.md, "Wire protocols".
import type { Subscription } from "rxjs";
import { lightCommands, lightEvents } from "../../devices/light-source/codec.ts";
import type { SessionClock } from "../../src/core/clock.ts";
import type { SimulatedLightSource } from "../simulated-rig.ts";
import { LineDevice, Refusal } from "./line-device.ts";

export class SimulatedLightController extends LineDevice {
  private watchdogMs = 2000;
  private watchdog: Subscription | undefined;
  private readonly power: number[];

  constructor(
    clock: SessionClock,
    private readonly light: SimulatedLightSource,
    private readonly maxPowerMw = 100,
  ) {
    super(clock);
    this.power = light.channels.map(() => 0);
    light.edges$.subscribe((e) =>
      this.emit(
        lightEvents.encode({
          tag: "E",
          deviceUs: this.deviceUs(),
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
        if (c.powerMw > this.maxPowerMw) throw new Refusal(2, `power above ${this.maxPowerMw} mW`);
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
      case "TRAIN":
        if (c.widthUs >= c.periodUs) throw new Refusal(2, "width must be shorter than period");
        this.light.start(this.channelName(c.channel), this.power[c.channel] ?? 0, {
          kind: "pulses",
          pulseWidthMs: c.widthUs / 1000,
          periodMs: c.periodUs / 1000,
          ...(c.trainUs > 0 ? { trainDurationS: c.trainUs / 1e6 } : {}),
          interTrainIntervalS: c.gapUs / 1e6,
        });
        return [];
      case "WDG":
        this.watchdogMs = c.ms;
        this.armWatchdog();
        return [];
      case "PING":
        return [];
    }
  }
}
