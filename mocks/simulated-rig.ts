// An in-process simulated rig on the session clock: a drum that generates its sinusoid, a light source with
// device-timed pulse trains, and an eye tracker filming the virtual mouse. Later the same simulated devices
// sit behind the real serial codecs; here they implement the device interfaces directly.
import { NEVER, Observable, Subject, type Subscriber, type Subscription } from "rxjs";
import { LIGHT_LIMITS } from "../devices/light-source/description.ts";
import {
  type TrainSpec,
  trainPulses,
  trainRefusal,
  trainSpecFor,
} from "../devices/light-source/pulse-train.ts";
import type { LightProgram, LightSource, Rig, StimulusMotion, VisualStimulus } from "../devices/rig.ts";
import { type SessionClock, scheduleTicks } from "../src/core/clock.ts";
import {
  BatchBuilder,
  type EyeSample,
  type LightEdge,
  onMicrosecondGrid,
  onPositionGrid,
  type SampleBatch,
  type StimulusSample,
} from "../src/core/samples.ts";
import type { MouseWorld, VirtualMouse } from "./virtual-mouse.ts";

const deviceUs = (tMs: number) => Math.round(tMs * 1000);

/**
 * An in-process device (a cohort's, on the virtual clock) hands its samples on this many at a time, and whatever
 * is pending when flushed.
 */
const BATCH_SAMPLES = 256;

/**
 * What a simulated device reports, handed on two ways: each report as it is made (to a simulated controller,
 * which sends it down its line at that moment) and in batches of BATCH_SAMPLES (to an in-process rig). Only
 * the ways being watched cost anything. `flush` hands on the batch's pending reports (a stimulus stopping: its
 * stop must come after its last report; the session draining the rig at its end).
 */
class Reports<S extends { tMs: number; hostMs: number; deviceUs: number }> {
  /** each$'s subscribers; replaced, not changed, when one comes or goes (a report may be on its way). */
  private watchers: readonly Subscriber<S>[] = [];
  private readonly batches = new Subject<SampleBatch>();
  private readonly batch = new BatchBuilder(BATCH_SAMPLES);
  /**
   * Each report, lent for the call: one object rewritten for every report, handed to the subscribers
   * directly, so that a device streaming at 200 Hz makes no garbage per report (a subscriber copies what it
   * keeps). Not through a Subject: its next() makes a closure and an iterator at every call.
   */
  readonly each$ = new Observable<S>((subscriber) => {
    this.watchers = [...this.watchers, subscriber];
    return () => {
      this.watchers = this.watchers.filter((w) => w !== subscriber);
    };
  });
  readonly batches$ = this.batches.asObservable();

  constructor(
    /** The report lent to each$'s subscribers. */
    private readonly lent: S,
    /** Writes a report's position, degrees, into `lent`. */
    private readonly setDeg: (report: S, deg: number) => void,
  ) {}

  /** A report at session time `tMs` (its arrival too: the device is in this process). */
  report(tMs: number, deviceUs: number, deg: number): void {
    if (this.watchers.length > 0) {
      const r = this.lent;
      r.tMs = tMs;
      r.hostMs = tMs;
      r.deviceUs = deviceUs;
      this.setDeg(r, deg);
      for (const w of this.watchers) w.next(r);
    }
    if (!this.batches.observed) return;
    this.batch.push(tMs, deviceUs, tMs, deg);
    if (this.batch.length >= BATCH_SAMPLES) this.flush();
  }

  flush(): void {
    const b = this.batch.take();
    if (b) this.batches.next(b);
  }
}

interface Edge {
  on: boolean;
  /** µs after the train's start. */
  atUs: number;
  offAtUs: number;
}

export class SimulatedStimulus implements VisualStimulus {
  private running: { t0Ms: number; settings: StimulusMotion } | null = null;
  private ticks: Subscription | undefined;
  private readonly reports = new Reports<StimulusSample>(
    { tMs: 0, hostMs: 0, deviceUs: 0, positionDeg: 0 },
    (r, deg) => {
      r.positionDeg = deg;
    },
  );
  /** Each position report as the device makes it (what a simulated controller sends down its line), lent. */
  readonly reports$ = this.reports.each$;
  readonly samples$ = this.reports.batches$;
  private readonly stops = new Subject<number>();
  readonly stopped$ = this.stops.asObservable();

  constructor(
    private readonly clock: SessionClock,
    public reportRateHz = 100,
  ) {}

  /** Position of the pattern, degrees. */
  positionAt(tMs: number): number {
    if (!this.running) return 0;
    const { t0Ms, settings } = this.running;
    return settings.amplitudeDeg * Math.sin((2 * Math.PI * settings.frequencyHz * (tMs - t0Ms)) / 1000);
  }

  get state(): { t0Ms: number; settings: StimulusMotion } | null {
    return this.running;
  }

  start(settings: StimulusMotion): void {
    this.stop();
    const t0Ms = this.clock.now();
    this.running = { t0Ms, settings };
    this.ticks = scheduleTicks(this.clock, t0Ms, 1000 / this.reportRateHz, (_k, tMs) =>
      this.reports.report(onMicrosecondGrid(tMs), deviceUs(tMs), onPositionGrid(this.positionAt(tMs))),
    );
  }

  stop(): void {
    this.ticks?.unsubscribe();
    this.flush();
    if (this.running) this.stops.next(onMicrosecondGrid(this.clock.now()));
    this.running = null;
  }

  /** Hands on the position reports not yet passed on in a batch. */
  flush(): void {
    this.reports.flush();
  }
}

export class SimulatedLightSource implements LightSource {
  private readonly state = new Map<string, { on: boolean; powerMw: number; pattern?: Subscription }>();
  private readonly edges = new Subject<LightEdge>();
  readonly edges$ = this.edges.asObservable();

  constructor(
    private readonly clock: SessionClock,
    readonly channels: readonly { name: string; wavelengthNm: number }[],
  ) {
    for (const c of channels) this.state.set(c.name, { on: false, powerMw: 0 });
  }

  private channel(name: string) {
    const s = this.state.get(name);
    if (!s) throw new Error(`light source has no channel '${name}'`);
    return s;
  }

  isOn(name: string): boolean {
    return this.channel(name).on;
  }

  /** The mouse asks at every sample; the list changes only at edges, so it is rebuilt there. */
  private lit: readonly number[] = [];

  litWavelengthsNm(): readonly number[] {
    return this.lit;
  }

  private set(name: string, on: boolean): void {
    const s = this.channel(name);
    if (s.on === on) return;
    s.on = on;
    this.lit = this.channels.filter((c) => this.state.get(c.name)?.on).map((c) => c.wavelengthNm);
    const tMs = onMicrosecondGrid(this.clock.now());
    this.edges.next({ tMs, deviceUs: deviceUs(tMs), channel: name, on, powerMw: on ? s.powerMw : 0 });
  }

  /** Throws, before anything switches on, a power outside the light source's `PWR` range. */
  start(name: string, powerMw: number, pattern: LightProgram, atMs?: number): void {
    if (!(powerMw >= 0 && powerMw <= LIGHT_LIMITS.maxPowerMw))
      throw new RangeError(
        `light channel '${name}': ${powerMw} mW is outside 0–${LIGHT_LIMITS.maxPowerMw} mW`,
      );
    if (pattern.kind === "pulses") this.startTrain(name, powerMw, trainSpecFor(pattern), atMs);
    else {
      this.off(name);
      this.channel(name).powerMw = powerMw;
      this.set(name, true);
    }
  }

  /**
   * Switches the channel off and plays a pulse train from `atMs` (or now, if that has passed), timed on the
   * device by the pulse-train rule, one edge scheduled at a time. Throws, before anything switches on, a train
   * a light source refuses.
   */
  startTrain(name: string, powerMw: number, spec: TrainSpec, atMs = this.clock.now()): void {
    const refusal = trainRefusal(spec);
    if (refusal) throw new RangeError(`light channel '${name}': ${refusal}`);
    this.off(name);
    const s = this.channel(name);
    s.powerMw = powerMw;
    const startMs = Math.max(this.clock.now(), atMs);
    const pulses = trainPulses(spec);
    const nextOn = (): Edge | undefined => {
      const it = pulses.next();
      return it.done ? undefined : { on: true, atUs: it.value[0], offAtUs: it.value[1] };
    };
    const clock = this.clock;
    const light = this;
    s.pattern = clock.schedule<Edge | undefined>(function (edge) {
      if (edge) light.set(name, edge.on);
      const next = edge?.on ? { on: false, atUs: edge.offAtUs, offAtUs: edge.offAtUs } : nextOn();
      if (next) this.schedule(next, startMs + next.atUs / 1000 - clock.now());
    }, startMs - clock.now());
  }

  off(name: string): void {
    const s = this.channel(name);
    s.pattern?.unsubscribe();
    s.pattern = undefined;
    this.set(name, false);
  }

  allOff(): void {
    for (const c of this.channels) this.off(c.name);
  }
}

export class SimulatedEyeTracker {
  private readonly reports = new Reports<EyeSample>({ tMs: 0, hostMs: 0, deviceUs: 0, xDeg: 0 }, (r, deg) => {
    r.xDeg = deg;
  });
  private filming: Subscription | undefined;
  private watchers = 0;
  /** Each frame as the camera takes it (what a simulated tracker sends down its line), lent. */
  readonly frames$: Observable<EyeSample>;
  /** The frames in batches (an in-process rig's eye tracker). */
  readonly samples$: Observable<SampleBatch>;

  constructor(clock: SessionClock, mouse: VirtualMouse, sampleRateHz: number) {
    // The camera films from the first watcher to the last; each frame is taken once, however it is watched.
    const watched = <T>(source: Observable<T>) =>
      new Observable<T>((subscriber) => {
        const watching = source.subscribe(subscriber);
        if (this.watchers++ === 0)
          this.filming = scheduleTicks(clock, clock.now(), 1000 / sampleRateHz, (_k, tMs) =>
            this.reports.report(
              onMicrosecondGrid(tMs),
              deviceUs(tMs),
              onPositionGrid(mouse.sample(tMs / 1000)),
            ),
          );
        return () => {
          watching.unsubscribe();
          if (--this.watchers === 0) this.filming?.unsubscribe();
        };
      });
    this.frames$ = watched(this.reports.each$);
    this.samples$ = watched(this.reports.batches$);
  }

  /** Hands on the frames not yet passed on in a batch. */
  flush(): void {
    this.reports.flush();
  }
}

export interface SimulatedRig extends Rig {
  readonly stimulus: SimulatedStimulus;
  readonly light: SimulatedLightSource;
  readonly mouse: VirtualMouse;
}

/**
 * Builds the rig around a mouse. The mouse is created by `makeMouse` with a view of the rig's own devices,
 * so it sees exactly what the devices do (stimulus as started, light as switched).
 */
/** What a mouse in front of these devices sees: the stimulus as started, the light as switched. */
export const worldOf = (stimulus: SimulatedStimulus, light: SimulatedLightSource): MouseWorld => {
  // The mouse asks at every sample; what it sees changes only when the stimulus starts or stops: made then.
  let seen: SimulatedStimulus["state"] = null;
  let sees: ReturnType<MouseWorld["stimulus"]> = null;
  return {
    stimulus: () => {
      const s = stimulus.state;
      if (s !== seen) {
        seen = s;
        sees = s && {
          t0S: s.t0Ms / 1000,
          amplitudeDeg: s.settings.amplitudeDeg,
          frequencyHz: s.settings.frequencyHz,
        };
      }
      return sees;
    },
    litWavelengthsNm: () => light.litWavelengthsNm(),
  };
};

export function createSimulatedRig(
  clock: SessionClock,
  config: { name: string; light: readonly { name: string; wavelengthNm: number }[] },
  sampleRateHz: number,
  makeMouse: (world: MouseWorld) => VirtualMouse,
): SimulatedRig {
  const stimulus = new SimulatedStimulus(clock);
  const light = new SimulatedLightSource(clock, config.light);
  const mouse = makeMouse(worldOf(stimulus, light));
  const eyeTracker = new SimulatedEyeTracker(clock, mouse, sampleRateHz);
  return {
    name: config.name,
    stimulus,
    light,
    mouse,
    eyeTracker,
    faults$: NEVER,
    recovered$: NEVER,
    drain: async () => {
      eyeTracker.flush();
      stimulus.flush();
    },
    report: () => ({}),
    close: async () => {
      light.allOff();
      stimulus.stop();
    },
  };
}
