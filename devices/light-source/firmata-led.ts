// Light channels on a StandardFirmata board: each channel an LED driver on a PWM pin, power set as PWM
// brightness. StandardFirmata cannot time pulses, so pulse trains are host-timed: every edge is an action at
// its absolute deadline on the session clock (on the rig, the RealClock's wait to the deadline), written to the
// board at once. If the host stalls (GC, a busy machine) past a whole pulse, that pulse is dropped rather than
// played late; the edges on `edges$` are the ones that happened.
//
// Power: the LED driver's input gets PWM, analogWrite value round(255 · powerMw / maxPowerMw), so power comes
// in steps of maxPowerMw / 255 and a partial-power pulse is a burst of the pin's PWM carrier at that duty
// (UNO_PWM_HZ: ~490 Hz on pins 3, 11; ~976 Hz on 5, 6), its edges falling on the carrier's cycles. Each edge
// records the duty commanded (`pwmDuty`). Full power (255) holds the pin high.
//
// Timestamps: Firmata reports no device clock. An edge's `tMs` is the session clock read right after the
// command was handed to the port, and its `deviceUs` is that same host time in µs (host-stamped). The
// USB/serial latency from there to the pin (~1 ms with a low-latency USB setting, up to ~16 ms without) is
// not seen by the host.
import five from "johnny-five";
import { Subject, type Subscription } from "rxjs";
import { z } from "zod";
import type { SessionClock } from "../../src/core/clock.ts";
import { type LightEdge, onMicrosecondGrid } from "../../src/core/samples.ts";
import type { FirmataIo } from "../firmata-board/board.ts";
import { PWM_FULL_SCALE } from "../firmata-board/standard-firmata.ts";
import type { LightProgram, LightSource } from "../rig.ts";
import { trainPulses, trainRefusal, trainSpecFor } from "./pulse-train.ts";

/** An edge this close to now is due: absorbs the rounding of start + µs / 1000. */
const DUE_SLACK_MS = 1e-6;

export const FirmataLedChannel = z.strictObject({
  /** Channel name protocols refer to, e.g. "blue". */
  name: z.string().min(1),
  /** Board pin driving the LED driver's modulation input; must support PWM (Uno: 3, 5, 6, 9, 10, 11). */
  pin: z.number().int().nonnegative(),
  /** LED centre wavelength, nm. */
  wavelengthNm: z.number().min(350).max(800),
  /** Power at the fibre tip at full brightness (PWM 255), mW: measure it with a power meter. */
  maxPowerMw: z.number().positive(),
});
export type FirmataLedChannel = z.infer<typeof FirmataLedChannel>;

export const FirmataLightConfig = z
  .array(FirmataLedChannel)
  .min(1)
  .check((ctx) => {
    for (const key of ["name", "pin"] as const) {
      const seen = new Set<string | number>();
      ctx.value.forEach((c, i) => {
        if (seen.has(c[key]))
          ctx.issues.push({
            code: "custom",
            input: c[key],
            path: [i, key],
            message: `two light channels use ${key} ${c[key]}`,
          });
        seen.add(c[key]);
      });
    }
  });

/** PWM brightness 0–255 for a power: round(255 · powerMw / maxPowerMw). */
export const brightnessFor = (powerMw: number, maxPowerMw: number): number =>
  Math.round((PWM_FULL_SCALE * powerMw) / maxPowerMw);

interface Channel {
  config: FirmataLedChannel;
  led: five.Led;
  on: boolean;
  /** Power the current pattern emits when on, as the brightness delivers it, mW. */
  powerMw: number;
  /** PWM value (0–255) the current pattern switches on with; the pin's value while on. */
  brightness: number;
  pattern?: Subscription;
}

interface PendingEdge {
  on: boolean;
  atMs: number;
  offAtMs: number;
}

export class FirmataLightSource implements LightSource {
  readonly channels: readonly { name: string; wavelengthNm: number }[];
  private readonly state = new Map<string, Channel>();
  private readonly edges = new Subject<LightEdge>();
  readonly edges$ = this.edges.asObservable();

  /** `board` must be ready. Every channel is written off at once: the board may have been left lit. */
  constructor(
    board: five.Board,
    private readonly clock: SessionClock,
    config: readonly FirmataLedChannel[],
  ) {
    const channels = FirmataLightConfig.parse(config);
    const io = board.io as FirmataIo;
    const pwmPins = io.pins.flatMap((p, pin) =>
      p.supportedModes.includes(io.MODES.PWM as number) ? [pin] : [],
    );
    for (const c of channels) {
      if (!pwmPins.includes(c.pin))
        throw new Error(
          `light channel '${c.name}': pin ${c.pin} has no PWM on this board; use one of pins ${pwmPins.join(", ")}`,
        );
      const led = new five.Led({ pin: c.pin, board });
      led.off();
      this.state.set(c.name, { config: c, led, on: false, powerMw: 0, brightness: 0 });
    }
    this.channels = channels.map(({ name, wavelengthNm }) => ({ name, wavelengthNm }));
  }

  private channel(name: string): Channel {
    const c = this.state.get(name);
    if (!c)
      throw new Error(
        `the Firmata light source has no channel '${name}' (it has ${[...this.state.keys()].join(", ")})`,
      );
    return c;
  }

  /** Writes the pin, then reports the edge if the level changed. */
  private write(c: Channel, on: boolean): void {
    if (on) c.led.brightness(c.brightness);
    else c.led.off();
    if (c.on === on) return;
    c.on = on;
    const tMs = onMicrosecondGrid(this.clock.now());
    this.edges.next({
      tMs,
      deviceUs: Math.round(tMs * 1000),
      channel: c.config.name,
      on,
      powerMw: on ? c.powerMw : 0,
      pwmDuty: on ? c.brightness / PWM_FULL_SCALE : 0,
    });
  }

  /**
   * Starts the pattern now (a pulse train at `atMs` if that is ahead), pulses by the pulse-train rule every light source follows. Throws, before anything
   * switches on, if the power is above the channel's `maxPowerMw` or below its resolution (maxPowerMw / 510,
   * which would round to brightness 0), or if a light source would refuse the train.
   */
  start(name: string, powerMw: number, pattern: LightProgram, atMs?: number): void {
    // The train is anchored to the call (the engine's deadline), or to `atMs` when it is still ahead.
    const startMs = Math.max(this.clock.now(), pattern.kind === "pulses" ? (atMs ?? 0) : 0);
    const c = this.channel(name);
    const { maxPowerMw } = c.config;
    const brightness = brightnessFor(powerMw, maxPowerMw);
    if (!(powerMw <= maxPowerMw) || brightness < 1)
      throw new RangeError(
        `light channel '${name}': ${powerMw} mW is outside what its PWM can set ` +
          `(${(maxPowerMw / (2 * PWM_FULL_SCALE)).toPrecision(3)}–${maxPowerMw} mW)`,
      );
    const spec = pattern.kind === "pulses" ? trainSpecFor(pattern) : undefined;
    const refusal = spec && trainRefusal(spec);
    if (refusal) throw new RangeError(`light channel '${name}': ${refusal}`);
    c.pattern?.unsubscribe();
    c.pattern = undefined;
    // The first pulse's on write follows at once: an off write before it would only delay (shorten) it. A
    // light on at another level goes off first, so that its new level gets an edge of its own.
    if (c.on && c.brightness !== brightness) this.write(c, false);
    c.brightness = brightness;
    // Report the power the 8-bit brightness actually gives.
    c.powerMw = (brightness * maxPowerMw) / PWM_FULL_SCALE;

    const pulses: Iterator<[number, number]> = spec
      ? trainPulses(spec)
      : [[0, Number.POSITIVE_INFINITY] as [number, number]].values();
    const nextOn = (): PendingEdge | undefined => {
      const it = pulses.next();
      return it.done
        ? undefined
        : { on: true, atMs: startMs + it.value[0] / 1000, offAtMs: startMs + it.value[1] / 1000 };
    };
    const clock = this.clock;
    /** Writes every edge that is due, and returns the next one to wait for. */
    const advance = (edge: PendingEdge | undefined): PendingEdge | undefined => {
      let e = edge;
      for (;;) {
        // A pulse that ended while the host was stalled is dropped, not played late in a burst; one it is in
        // the middle of is switched on late and off on time, so the train keeps its phase.
        while (e?.on && e.offAtMs <= clock.now()) e = nextOn();
        if (!e || e.atMs > clock.now() + DUE_SLACK_MS) return e;
        this.write(c, e.on);
        e = e.on ? { on: false, atMs: e.offAtMs, offAtMs: e.offAtMs } : nextOn();
      }
    };
    // The first pulse is due now: it switches on in this call, not a timer's turn later.
    const pending = advance(nextOn());
    // A continuous pattern's off edge is at infinity: it ends only with off().
    if (!pending || !Number.isFinite(pending.atMs)) return;
    c.pattern = clock.schedule<PendingEdge>(
      function (edge) {
        const next = advance(edge);
        if (next && Number.isFinite(next.atMs)) this.schedule(next, next.atMs - clock.now());
      },
      pending.atMs - clock.now(),
      pending,
    );
  }

  /** Cancels the channel's pattern and writes its pin off (even if it is believed off). */
  off(name: string): void {
    const c = this.channel(name);
    c.pattern?.unsubscribe();
    c.pattern = undefined;
    this.write(c, false);
  }

  /** Every channel off; a channel whose write fails does not keep the others on. Never throws. */
  allOff(): void {
    for (const c of this.state.values()) {
      try {
        this.off(c.config.name);
      } catch {
        // Nothing more can be done for this channel from here; the rig's fault handling sees the dead link.
      }
    }
  }
}
