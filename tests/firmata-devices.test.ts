// The Firmata light source and drum on mock-firmata (as johnny-five's own tests do), on a VirtualClock: every
// pin write is recorded with the virtual time it happened at.
import { createRequire } from "node:module";
import type five from "johnny-five";
import type { Subscription } from "rxjs";
import { beforeEach, describe, expect, it } from "vitest";
import { FirmataStimulus } from "../devices/drum/firmata-servo.ts";
import { connectBoardIo, type FirmataIo } from "../devices/firmata-board/board.ts";
import { FirmataLightSource } from "../devices/light-source/firmata-led.ts";
import { SessionClock, VirtualClock } from "../src/core/clock.ts";
import { type LightEdge, onMicrosecondGrid, onPositionGrid, type SampleBatch } from "../src/core/samples.ts";
import { StimulusSettings } from "../src/protocol/schema.ts";
import { eachSample, type Sample } from "./helpers/batches.ts";

type WriteMethod = "analogWrite" | "digitalWrite" | "servoWrite";
type MockIo = FirmataIo & Record<WriteMethod, (pin: number, value: number) => void>;
const { Firmata: MockFirmata } = createRequire(import.meta.url)("mock-firmata") as {
  Firmata: new () => MockIo;
};

interface PinWrite {
  tMs: number;
  method: WriteMethod;
  pin: number;
  value: number;
}

let clock: VirtualClock;
let io: MockIo;
let board: five.Board;
let writes: PinWrite[];
/** The time pin writes are stamped with. */
let now: () => number;

beforeEach(async () => {
  clock = new VirtualClock();
  now = () => clock.now();
  io = new MockFirmata();
  writes = [];
  for (const method of ["analogWrite", "digitalWrite", "servoWrite"] as const) {
    const original = io[method].bind(io);
    io[method] = (pin, value) => {
      writes.push({ tMs: onMicrosecondGrid(now()), method, pin, value });
      original(pin, value);
    };
  }
  const connecting = connectBoardIo(io, { clock, timeoutMs: 1000, port: "mock" });
  io.emit("connect");
  io.emit("ready");
  board = (await connecting).board;
});

/** The level of a pin over time: one entry per write that changed it. */
function levels(pin: number): { tMs: number; value: number }[] {
  const out: { tMs: number; value: number }[] = [];
  for (const w of writes.filter((w) => w.pin === pin)) {
    if (out.at(-1)?.value !== w.value) out.push({ tMs: w.tMs, value: w.value });
  }
  return out;
}

function collect<T>(source: { subscribe(f: (v: T) => void): Subscription }): T[] {
  const out: T[] = [];
  source.subscribe((v) => out.push(v));
  return out;
}

function collectSamples(source: { subscribe(f: (b: SampleBatch) => void): Subscription }): Sample[] {
  const out: Sample[] = [];
  source.subscribe(eachSample((s) => out.push(s)));
  return out;
}

const BLUE = { name: "blue", pin: 9, wavelengthNm: 470, maxPowerMw: 20 };
const AMBER = { name: "amber", pin: 10, wavelengthNm: 593, maxPowerMw: 8 };

describe("FirmataLightSource", () => {
  it("plays a pulse train as PWM writes at the pulses' virtual times, and reports every edge", () => {
    const light = new FirmataLightSource(board, clock, [BLUE]);
    const edges = collect<LightEdge>(light.edges$);
    clock.advanceTo(1000);
    light.start("blue", 5, {
      kind: "pulses",
      pulseWidthMs: 100,
      periodMs: 250,
      trainDurationS: 1,
      interTrainIntervalS: 1,
    });
    clock.advanceTo(6500);

    // Trains of 1 s every 2 s from t = 1000 ms; in each, a 100 ms pulse every 250 ms.
    const brightness = Math.round((255 * 5) / 20);
    const expected = [{ tMs: 0, value: 0 }];
    for (let train = 0; train < 3; train++)
      for (let k = 0; k < 4; k++) {
        const on = 1000 + 2000 * train + 250 * k;
        expected.push({ tMs: on, value: brightness }, { tMs: on + 100, value: 0 });
      }
    expect(levels(9)).toEqual(expected);
    expect(writes.every((w) => w.method === "analogWrite")).toBe(true);

    const deliveredMw = (brightness * 20) / 255;
    expect(edges).toEqual(
      expected.slice(1).map(({ tMs, value }) => ({
        tMs,
        deviceUs: tMs * 1000,
        channel: "blue",
        on: value > 0,
        powerMw: value > 0 ? deliveredMw : 0,
        pwmDuty: value / 255,
      })),
    );
  });

  it("after a host stall, drops the pulses it missed, switches a pulse it is inside on late, keeps the phase", () => {
    /** Virtual time in which the host can freeze: actions that fall due meanwhile run late, when it resumes. */
    class StallingClock extends SessionClock {
      private t = 0;
      now(): number {
        return this.t;
      }
      protected wake(): void {}
      freeze(ms: number): void {
        this.t += ms;
      }
      advanceTo(t: number): void {
        this.runDue(t, (due) => {
          this.t = Math.max(this.t, due);
        });
        this.t = Math.max(this.t, t);
      }
    }
    const host = new StallingClock();
    const light = new FirmataLightSource(board, host, [BLUE]);
    writes.length = 0;
    now = () => host.now();
    light.start("blue", 20, { kind: "pulses", pulseWidthMs: 20, periodMs: 100, interTrainIntervalS: 0 });
    host.advanceTo(150);
    host.freeze(280); // until 430 ms: the pulses at 200, 300 and 400 ms are over
    host.advanceTo(515);
    host.freeze(15); // the pulse at 500 ms is on; its off, due at 520, comes at 530
    host.advanceTo(595);
    host.freeze(15); // the pulse at 600 ms is switched on at 610, still off on time at 620
    host.advanceTo(850);
    // The first pulse's on is the first write: no off write delays it.
    expect(levels(9)).toEqual([
      { tMs: 0, value: 255 },
      { tMs: 20, value: 0 },
      { tMs: 100, value: 255 },
      { tMs: 120, value: 0 },
      { tMs: 500, value: 255 },
      { tMs: 530, value: 0 },
      { tMs: 610, value: 255 },
      { tMs: 620, value: 0 },
      { tMs: 700, value: 255 },
      { tMs: 720, value: 0 },
      { tMs: 800, value: 255 },
      { tMs: 820, value: 0 },
    ]);
  });

  it("maps power to brightness: round(255 · power / maxPowerMw), full power at 255", () => {
    const light = new FirmataLightSource(board, clock, [BLUE, AMBER]);
    const edges = collect<LightEdge>(light.edges$);
    const cases: [typeof BLUE, number, number][] = [
      [BLUE, 20, 255],
      [BLUE, 10, 128], // 127.5 rounds up
      [BLUE, 0.5, Math.round((255 * 0.5) / 20)],
      [AMBER, 3, Math.round((255 * 3) / 8)],
    ];
    for (const [channel, powerMw, brightness] of cases) {
      writes.length = 0;
      light.start(channel.name, powerMw, { kind: "continuous" });
      expect(writes.at(-1)).toMatchObject({ method: "analogWrite", pin: channel.pin, value: brightness });
      // The edge reports the power the 8-bit brightness delivers.
      const deliveredMw = (brightness * channel.maxPowerMw) / 255;
      expect(edges.at(-1)).toMatchObject({ on: true, channel: channel.name, powerMw: deliveredMw });
      light.off(channel.name);
    }
  });

  it("refuses power beyond the channel's PWM range before switching anything on", () => {
    const light = new FirmataLightSource(board, clock, [BLUE]);
    writes.length = 0;
    expect(() => light.start("blue", 25, { kind: "continuous" })).toThrow(
      /channel 'blue': 25 mW .*0\.0392–20 mW/,
    );
    expect(() => light.start("blue", 0.01, { kind: "continuous" })).toThrow(/channel 'blue'/);
    expect(() => light.start("uv", 1, { kind: "continuous" })).toThrow(/no channel 'uv'/);
    expect(writes).toEqual([]);
  });

  it("holds continuous light until off, then switches it off at the off time", () => {
    const light = new FirmataLightSource(board, clock, [BLUE]);
    const edges = collect<LightEdge>(light.edges$);
    clock.advanceTo(500);
    light.start("blue", 20, { kind: "continuous" });
    clock.advanceTo(10_000);
    light.off("blue");
    clock.advanceTo(20_000);
    expect(levels(9)).toEqual([
      { tMs: 0, value: 0 },
      { tMs: 500, value: 255 },
      { tMs: 10_000, value: 0 },
    ]);
    expect(edges.map((e) => [e.tMs, e.on])).toEqual([
      [500, true],
      [10_000, false],
    ]);
  });

  it("allOff in the middle of a pulse switches every channel off and ends the trains", () => {
    const light = new FirmataLightSource(board, clock, [BLUE, AMBER]);
    const edges = collect<LightEdge>(light.edges$);
    light.start("blue", 10, { kind: "pulses", pulseWidthMs: 20, periodMs: 100, interTrainIntervalS: 0 });
    light.start("amber", 4, { kind: "continuous" });
    clock.advanceTo(1010); // blue's 11th pulse is on
    expect([levels(9).at(-1)?.value, levels(10).at(-1)?.value]).toEqual([128, 128]);
    light.allOff();
    clock.advanceTo(5000);
    expect(levels(9).at(-1)).toEqual({ tMs: 1010, value: 0 });
    expect(levels(10).at(-1)).toEqual({ tMs: 1010, value: 0 });
    expect(writes.filter((w) => w.tMs > 1010)).toEqual([]);
    expect(edges.slice(-2).map((e) => [e.channel, e.on, e.tMs])).toEqual([
      ["blue", false, 1010],
      ["amber", false, 1010],
    ]);
  });

  it("allOff never throws, and a channel whose write fails does not keep the others on", () => {
    const light = new FirmataLightSource(board, clock, [BLUE, AMBER]);
    light.start("amber", 4, { kind: "continuous" });
    const write = io.analogWrite;
    io.analogWrite = (pin, value) => {
      if (pin === 9) throw new Error("port closed");
      write(pin, value);
    };
    expect(() => light.allOff()).not.toThrow();
    expect(levels(10).at(-1)?.value).toBe(0);
  });

  it("refuses a configuration with two channels on one pin", () => {
    expect(() => new FirmataLightSource(board, clock, [BLUE, { ...AMBER, pin: 9 }])).toThrow(
      /two light channels use pin 9/,
    );
  });

  it("refuses a pin without PWM, naming the pins that have it", () => {
    expect(() => new FirmataLightSource(board, clock, [{ ...BLUE, pin: 2 }])).toThrow(
      /channel 'blue': pin 2 has no PWM on this board; use one of pins 3, 5, 6, 9, 10, 11/,
    );
  });
});

describe("FirmataStimulus (drum on a servo)", () => {
  const US_PER_DEG = (2400 - 600) / 180; // johnny-five's default pulse range over 0–180°
  const angleOf = (us: number) => (us - 600) / US_PER_DEG;
  const drum = { pin: 10, centreDeg: 90, degreesPerStimulusDegree: 2, range: [40, 140] as [number, number] };
  const settings = StimulusSettings.parse({ amplitudeDeg: 10, frequencyHz: 0.5 });

  it("follows the sinusoid: centre + scale · A · sin(2π f t), one update every 20 ms at absolute times", () => {
    const stimulus = new FirmataStimulus(board, clock, drum);
    const samples = collectSamples(stimulus.samples$);
    clock.advanceTo(200);
    writes.length = 0;
    stimulus.start(settings);
    clock.advanceTo(2200);

    const expectedPosition = (tMs: number) => 10 * Math.sin(2 * Math.PI * 0.5 * ((tMs - 200) / 1000));
    const expectedAngle = (tMs: number) => 90 + 2 * expectedPosition(tMs);
    const servoWrites = writes.filter((w) => w.method === "servoWrite" && w.pin === 10);
    // t = 200 ms is the centre, where the servo already stands: johnny-five skips that write.
    expect(servoWrites.map((w) => w.tMs)).toEqual(Array.from({ length: 100 }, (_, k) => 220 + 20 * k));
    for (const w of servoWrites) {
      // johnny-five truncates to whole µs: the angle sits at most one µs (0.1°) below the target.
      expect(expectedAngle(w.tMs) - angleOf(w.value)).toBeGreaterThanOrEqual(-1e-9);
      expect(expectedAngle(w.tMs) - angleOf(w.value)).toBeLessThan(1 / US_PER_DEG);
    }
    // Known points: quarter, half and three-quarter period.
    const at = (tMs: number) => angleOf(servoWrites.find((w) => w.tMs === tMs)?.value ?? Number.NaN);
    expect([at(700), at(1200), at(1700)]).toEqual([110, 90, 70]);

    expect(samples).toEqual(
      Array.from({ length: 101 }, (_, k) => {
        const tMs = 200 + 20 * k;
        return { tMs, deviceUs: tMs * 1000, hostMs: tMs, deg: onPositionGrid(expectedPosition(tMs)) };
      }),
    );
  });

  it("turns the other way with a negative scale, at the configured update rate", () => {
    const stimulus = new FirmataStimulus(board, clock, {
      ...drum,
      degreesPerStimulusDegree: -1,
      updateRateHz: 100,
    });
    const samples = collectSamples(stimulus.samples$);
    stimulus.start(settings);
    clock.advanceTo(500);
    expect(samples.map((s) => s.tMs)).toEqual(Array.from({ length: 51 }, (_, k) => 10 * k));
    expect(angleOf(writes.filter((w) => w.method === "servoWrite").at(-1)?.value ?? Number.NaN)).toBe(80);
    expect(samples.at(-1)?.deg).toBe(10);
  });

  it("stops: no more writes or samples, the servo holds its position", () => {
    const stimulus = new FirmataStimulus(board, clock, drum);
    const samples = collectSamples(stimulus.samples$);
    stimulus.start(settings);
    clock.advanceTo(1000);
    stimulus.stop();
    const count = writes.length;
    clock.advanceTo(3000);
    expect(writes.length).toBe(count);
    expect(samples.at(-1)?.tMs).toBe(1000);
  });

  it("refuses an amplitude the servo's range cannot give, before it moves", () => {
    const stimulus = new FirmataStimulus(board, clock, drum);
    writes.length = 0;
    expect(() => stimulus.start({ ...settings, amplitudeDeg: 30 })).toThrow(
      /±30° needs servo angles 30–150°, outside its range 40–140°/,
    );
    clock.advanceTo(1000);
    expect(writes).toEqual([]);
  });

  it("refuses a pin that cannot drive a servo", () => {
    expect(() => new FirmataStimulus(board, clock, { ...drum, pin: 1 })).toThrow(
      /pin 1 cannot drive a servo/,
    );
  });
});
