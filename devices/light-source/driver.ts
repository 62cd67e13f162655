// Host driver for a `hokr-light` (or `hokr-rig`) light controller over a LinePort: patterns are handed to
// the device, which times every pulse; edges come back with device timestamps. A heartbeat keeps the
// device's watchdog from switching the light off while the host is alive.
import { merge, type Observable, Subject, type Subscription } from "rxjs";
import type { SessionClock } from "../../src/core/clock.ts";
import type { LightEdge } from "../../src/core/samples.ts";
import { RIG_CONTROLLER } from "../firmware/description.ts";
import { checkHello, isBootMessage, type LinePort, type Received } from "../line-port.ts";
import type { DeviceFault, LightProgram, LightSource } from "../rig.ts";
import { UINT32 } from "../wire.ts";
import { type LIGHT_EVENTS, type LightCommand, lightCommands, lightEvents } from "./codec.ts";
import { LIGHT_LIMITS, LIGHT_SOURCE } from "./description.ts";
import { trainSpecFor } from "./pulse-train.ts";

export interface LightChannelConfig {
  name: string;
  wavelengthNm: number;
  /** Channel number on the controller. */
  index: number;
}

type LightPort = LinePort<typeof LIGHT_EVENTS>;

/**
 * The controller's TRAIN arguments for a protocol pattern (continuous light is `ON`), starting at device time
 * `startUs` (32-bit, wrapping), or at once.
 */
export const trainCommand = (
  channel: number,
  p: LightProgram & { kind: "pulses" },
  startUs?: number,
): LightCommand => ({
  tag: "TRAIN",
  channel,
  ...trainSpecFor(p),
  startUs,
});

/** Why a light edge happened, when the device did not report the edge itself. */
export type EdgeCause = "watchdog" | "reset";

export class SerialLightSource implements LightSource {
  private readonly power = new Map<string, number>();
  private readonly faults = new Subject<DeviceFault>();
  private readonly edges = new Subject<
    LightEdge & { hostMs: number; cause?: EdgeCause; clock?: Received<unknown>["clock"] }
  >();
  private heartbeat: Subscription | undefined;
  /** Channels the controller has (from HELLO; the protocol's largest until then). */
  private channelCount: number = LIGHT_LIMITS.maxChannels;
  /** Channels the controller last reported on. */
  private readonly lit = new Set<number>();
  /**
   * Every transition the controller reported: its edges (`E`), and every lit channel going off when its
   * watchdog fired (`W`) or it restarted (`! … boot`). Never what the host commanded.
   */
  readonly edges$: Observable<LightEdge>;
  readonly faults$ = this.faults.asObservable();
  /** What the controller answered to HELLO (kind, protocol version, channels), once connected. */
  identity: string[] | undefined;

  constructor(
    private readonly port: LightPort,
    private readonly clock: SessionClock,
    readonly channels: readonly LightChannelConfig[],
  ) {
    const byIndex = new Map(channels.map((c) => [c.index, c.name]));
    const nameOf = (index: number) => byIndex.get(index) ?? `#${index}`;
    this.edges$ = this.edges.asObservable();
    port.events$.subscribe(({ event, tMs, hostMs, clock }) => {
      // An edge whose stamp the clock alignment rejected is kept where it arrived, and says so.
      const placedBy = clock ? { clock } : {};
      if (event.tag === "E") {
        if (event.channel >= this.channelCount) {
          port.reject(
            lightEvents.encode(event),
            `channel ${event.channel} does not exist on this ${this.channelCount}-channel controller`,
          );
          return;
        }
        if (event.on) this.lit.add(event.channel);
        else this.lit.delete(event.channel);
        const channel = nameOf(event.channel);
        this.edges.next({
          tMs,
          hostMs,
          deviceUs: event.deviceUs,
          channel,
          on: event.on,
          powerMw: event.on ? (this.power.get(channel) ?? 0) : 0,
          ...placedBy,
        });
      } else if (event.tag === "W" || (event.tag === "!" && isBootMessage(String(event.text)))) {
        const cause: EdgeCause = event.tag === "W" ? "watchdog" : "reset";
        for (const index of [...this.lit].sort((a, b) => a - b))
          this.edges.next({
            tMs,
            hostMs,
            deviceUs: event.deviceUs,
            channel: nameOf(index),
            on: false,
            powerMw: 0,
            cause,
            ...placedBy,
          });
        this.lit.clear();
      }
    });
  }

  /** Handshake, then arms the device watchdog and starts the heartbeat (a PING every quarter period). */
  async connect(watchdogMs: number, timeoutMs: number): Promise<void> {
    const hello = await this.port.handshake(
      "HELLO",
      (id) => lightCommands.encode(id, { tag: "HELLO" }),
      timeoutMs,
    );
    this.identity = hello.values;
    const { description, fields } = checkHello(this.port.path, hello.values, [LIGHT_SOURCE, RIG_CONTROLLER]);
    this.port.identify(description);
    const n = Number(fields.channels);
    this.channelCount = n;
    const missing = this.channels.filter((c) => !(c.index < n));
    if (missing.length > 0)
      throw new Error(
        `${this.port.path}: the controller has ${n} channels; channel '${missing[0]?.name}' needs index ${missing[0]?.index}`,
      );
    await this.send({ tag: "ALLOFF" });
    await this.send({ tag: "WDG", ms: watchdogMs });
    await this.port.settleClock();
    const clock = this.clock;
    const self = this;
    this.heartbeat = clock.schedule(function () {
      self.fireAndForget({ tag: "PING" });
      this.schedule(undefined, watchdogMs / 4);
    }, watchdogMs / 4);
  }

  private send(c: LightCommand): Promise<unknown> {
    return this.port.request(c.tag, (id) => lightCommands.encode(id, c));
  }

  private fireAndForget(c: LightCommand): void {
    this.send(c).catch((e: Error) => this.faults.next({ device: "light source", message: e.message }));
  }

  private index(name: string): number {
    const c = this.channels.find((x) => x.name === name);
    if (!c) throw new Error(`light source has no channel '${name}'`);
    return c.index;
  }

  start(channel: string, powerMw: number, pattern: LightProgram, atMs?: number): void {
    const ch = this.index(channel);
    this.power.set(channel, powerMw);
    this.fireAndForget({ tag: "PWR", channel: ch, powerMw });
    this.fireAndForget(
      pattern.kind === "continuous"
        ? { tag: "ON", channel: ch }
        : trainCommand(ch, pattern, atMs === undefined ? undefined : this.deviceUs(atMs)),
    );
  }

  /** The controller's clock (32-bit µs) at session time `tMs`, by the port's clock alignment. */
  private deviceUs(tMs: number): number | undefined {
    const us = Math.round(this.port.sync.toDeviceMs(tMs) * 1000);
    return Number.isFinite(us) ? ((us % UINT32) + UINT32) % UINT32 : undefined;
  }

  off(channel: string): void {
    this.fireAndForget({ tag: "OFF", channel: this.index(channel) });
  }

  allOff(): void {
    if (this.port.closed) return; // the controller's own watchdog switches it off
    this.send({ tag: "ALLOFF" }).catch(() => {});
  }

  /**
   * Resolves once the controller has reported every channel off (its off edges are in `edges$`), or its port
   * is gone: what a session's ending waits for before it stops recording, so the record ends as the light did.
   */
  dark(): Promise<void> {
    return new Promise((resolve) => {
      const settled = () => this.lit.size === 0 || this.port.closed;
      if (settled()) return resolve();
      const watch = merge(this.edges, this.port.closed$).subscribe(() => {
        if (!settled()) return;
        watch.unsubscribe();
        resolve();
      });
    });
  }

  async close(): Promise<void> {
    this.heartbeat?.unsubscribe();
    if (!this.port.closed) await this.send({ tag: "ALLOFF" }).catch(() => {});
  }
}
