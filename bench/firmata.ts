// Host-timed light pulse lateness on the Firmata path: FirmataLightSource on the RealClock → johnny-five Led →
// firmata-io → a stream to a fake StandardFirmata board, which stamps each PWM write as it arrives. Lateness =
// arrival − scheduled edge time. Reference, same run, same Led/firmata-io path: the same pulses fired by plain
// setTimeout at each absolute deadline (no spin). The two alternate in rounds so that both see the same load
// on this shared machine. Target: p99 < 1 ms. USB latency to a real board is not included.
import { availableParallelism, loadavg } from "node:os";
import five from "johnny-five";
import { connectFirmataBoard } from "../devices/firmata-board/board.ts";
import { FirmataLightSource } from "../devices/light-source/firmata-led.ts";
import { RealClock } from "../src/core/clock.ts";
import { fakeStandardFirmata } from "../tests/fakes/fake-standard-firmata.ts";

const ROUNDS = 4;
const PULSES_PER_ROUND = 250;
/** Unmeasured first pulses of each round (JIT, first writes). */
const WARMUP_PULSES = 10;
const WIDTH_MS = 5;
const PERIOD_MS = 10;
const EDGES = 2 * (WARMUP_PULSES + PULSES_PER_ROUND);
const TRAIN_MS = (WARMUP_PULSES + PULSES_PER_ROUND) * PERIOD_MS;
const HOKR_PIN = 9;
const REFERENCE_PIN = 10;
const LEAD_MS = 20;

type PinWrite = { tMs: number; value: number };

/** Scheduled time of edge e (even: on, odd: off) of a train starting at t0, ms. */
const scheduledAt = (t0: number, e: number) => t0 + Math.floor(e / 2) * PERIOD_MS + (e % 2) * WIDTH_MS;

/**
 * Lateness of hokr's edges, ms, from the pin's level changes. The light source drops a pulse the host stalled
 * through rather than playing it late, so an on edge always falls inside its own pulse (that identifies it)
 * and an off edge belongs to the on before it.
 */
function hokrLateness(writes: PinWrite[], t0: number): { late: number[]; dropped: number } {
  const changes = writes.filter((w, i) => i === 0 || w.value !== writes[i - 1]?.value);
  const late: number[] = [];
  let pulse = -1;
  let pulses = 0;
  for (const w of changes.slice(changes.findIndex((w) => w.value > 0))) {
    if (w.value > 0) {
      pulse = Math.floor((w.tMs - t0) / PERIOD_MS);
      pulses++;
    }
    const scheduled = t0 + pulse * PERIOD_MS + (w.value > 0 ? 0 : WIDTH_MS);
    if (pulse >= WARMUP_PULSES) late.push(w.tMs - scheduled);
  }
  return { late, dropped: WARMUP_PULSES + PULSES_PER_ROUND - pulses };
}

function summary(ms: number[]): { p50: number; p99: number; max: number } {
  const s = [...ms].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)] as number;
  return { p50: q(0.5), p99: q(0.99), max: s[s.length - 1] as number };
}

export async function bench(): Promise<void> {
  const clock = new RealClock();
  const writes = new Map<number, PinWrite[]>();
  const stream = fakeStandardFirmata({
    bootMs: 0,
    onAnalogWrite: (pin, value) => writes.get(pin)?.push({ tMs: clock.now(), value }),
  });
  const link = await connectFirmataBoard(stream, { timeoutMs: 2000, port: "fake StandardFirmata" });
  const light = new FirmataLightSource(link.board, clock, [
    { name: "blue", pin: HOKR_PIN, wavelengthNm: 470, maxPowerMw: 20 },
  ]);
  const led = new five.Led({ pin: REFERENCE_PIN, board: link.board });

  /** hokr: the light source times the train on the RealClock, started at a clock deadline as the engine does. */
  const hokrRound = () =>
    new Promise<number>((resolve) =>
      clock.schedule(() => {
        const t0 = clock.now();
        light.start("blue", 20, {
          kind: "pulses",
          pulseWidthMs: WIDTH_MS,
          periodMs: PERIOD_MS,
          interTrainIntervalS: 0,
        });
        // Off in the dark gap after the last pulse.
        clock.schedule(
          () => {
            light.off("blue");
            resolve(t0);
          },
          TRAIN_MS - (PERIOD_MS - WIDTH_MS) / 2,
        );
      }, LEAD_MS),
    );

  /** Reference: setTimeout to each absolute deadline; it plays every edge, however late. */
  const referenceRound = () =>
    new Promise<number[]>((resolve) => {
      const t0 = clock.now() + LEAD_MS;
      const late: number[] = [];
      let e = 0;
      const fire = () => {
        if (e % 2 === 0) led.brightness(255);
        else led.off();
        const arrival = writes.get(REFERENCE_PIN)?.at(-1)?.tMs ?? Number.NaN;
        if (e >= 2 * WARMUP_PULSES) late.push(arrival - scheduledAt(t0, e));
        if (++e === EDGES) return resolve(late);
        setTimeout(fire, scheduledAt(t0, e) - clock.now());
      };
      setTimeout(fire, t0 - clock.now());
    });

  const measured = { hokr: [] as number[], reference: [] as number[] };
  let dropped = 0;
  for (let round = 0; round < ROUNDS; round++) {
    writes.set(HOKR_PIN, []);
    const t0 = await hokrRound();
    const hokr = hokrLateness(writes.get(HOKR_PIN) ?? [], t0);
    measured.hokr.push(...hokr.late);
    dropped += hokr.dropped;
    writes.set(REFERENCE_PIN, []);
    measured.reference.push(...(await referenceRound()));
  }
  clock.stop();
  await link.close();

  const hokr = summary(measured.hokr);
  const reference = summary(measured.reference);
  const row = (name: string, s: typeof hokr) =>
    `${name.padEnd(30)}${s.p50.toFixed(3).padStart(8)}${s.p99.toFixed(3).padStart(8)}${s.max.toFixed(3).padStart(8)}`;
  console.log(
    [
      `light pulse lateness, Firmata path (arrival at the board's stream − schedule): ${ROUNDS * PULSES_PER_ROUND} ` +
        `pulses (${2 * ROUNDS * PULSES_PER_ROUND} edges) of ${WIDTH_MS} ms every ${PERIOD_MS} ms per method; ` +
        `load average ${loadavg()[0]?.toFixed(2)} on ${availableParallelism()} CPUs`,
      `${"".padEnd(30)}  p50 ms  p99 ms  max ms`,
      row("hokr (RealClock deadlines)", hokr),
      row("setTimeout to each deadline", reference),
      `hokr pulses dropped after host stalls: ${dropped}`,
      `p99 ratio setTimeout/hokr: ${(reference.p99 / hokr.p99).toFixed(1)}×; ` +
        `target p99 < 1 ms: ${hokr.p99 < 1 ? "met" : "NOT met"}`,
    ].join("\n"),
  );
}
