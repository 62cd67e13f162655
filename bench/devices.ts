// Device layer: eye-tracker decode throughput (target ≥ 2,000,000 lines/s on one core) and the latency from
// a sample's arrival on a (simulated) serial port to its emission into the gain pipeline (target p99 < 2 ms).
import { performance } from "node:perf_hooks";
import { setImmediate as tick } from "node:timers/promises";
import { EYE_EVENTS, eyeEvents } from "../devices/eye-tracker/codec.ts";
import { SerialEyeTracker } from "../devices/eye-tracker/driver.ts";
import { LinePort, openSerialStream } from "../devices/line-port.ts";
import { plugSimulatedDevice, resetSimulatedPorts, SimulatedBinding } from "../mocks/serial-binding.ts";
import { RealClock } from "../src/core/clock.ts";

const quantile = (xs: number[], q: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))] ?? Number.NaN;

function decodeThroughput(): void {
  const lines = Array.from(
    { length: 200_000 },
    (_, i) => `S ${(4_000_000_000 + i * 5000) % 2 ** 32} ${(5 * Math.sin(i / 50)).toFixed(4)}`,
  );
  const rate = (f: (l: string) => unknown) => {
    let best = 0;
    for (let r = 0; r < 5; r++) {
      const t0 = performance.now();
      for (const l of lines) f(l);
      best = Math.max(best, lines.length / ((performance.now() - t0) / 1000));
    }
    return best;
  };
  // Reference: splitting and converting with no validation at all, the floor of any text decoder.
  const naive = rate((l) => l.split(" ").map(Number));
  const ours = rate((l) => eyeEvents.decode(l));
  process.stdout.write(
    `eye-tracker decode: ${(ours / 1e6).toFixed(2)} M lines/s (target ≥ 2.00: ${ours >= 2e6 ? "met" : "MISSED"}); ` +
      `unvalidated split+Number: ${(naive / 1e6).toFixed(2)} M lines/s; ratio ${(ours / naive).toFixed(2)}\n`,
  );
}

async function arrivalLatency(): Promise<void> {
  const clock = new RealClock();
  let send: ((b: Uint8Array) => void) | undefined;
  plugSimulatedDevice(
    {
      attach: (s) => {
        send = s;
      },
      detach: () => {
        send = undefined;
      },
      receive: (bytes) => {
        for (const m of Buffer.from(bytes)
          .toString()
          .matchAll(/@(\d+) (HELLO|START)/g))
          send?.(Buffer.from(`@${m[1]} OK 0${m[2] === "HELLO" ? " hokr-eye 1 200 deg" : ""}\n`));
      },
    },
    { path: "bench/eye" },
  );
  const port = new LinePort(
    "bench/eye",
    await openSerialStream(SimulatedBinding, "bench/eye", 115200),
    clock,
    EYE_EVENTS,
  );
  const tracker = new SerialEyeTracker(port, undefined);
  await tracker.connect(1000, 60_000);
  const sentAt = new Map<number, number>();
  const latency: number[] = [];
  tracker.samples$.subscribe((b) => {
    for (const deviceUs of b.deviceUs) {
      const t = sentAt.get(deviceUs);
      if (t !== undefined) latency.push(performance.now() - t);
    }
  });
  // Reference: one bare event-loop hop (setImmediate) in the same process at the same moments.
  const hop: number[] = [];
  for (let i = 0; i < 2000; i++) {
    const deviceUs = i * 5000;
    const line = eyeEvents.encode({
      tag: "S",
      deviceUs,
      xDeg: Math.sin(i / 30),
      yDeg: undefined,
      pupilPx: undefined,
    });
    sentAt.set(deviceUs, performance.now());
    send?.(Buffer.from(`${line}\n`));
    const h = performance.now();
    await tick();
    hop.push(performance.now() - h);
    if (i % 10 === 0) await new Promise((r) => setTimeout(r, 1));
  }
  await tick();
  await port.close();
  clock.stop();
  resetSimulatedPorts();
  const p50 = quantile(latency, 0.5);
  const p99 = quantile(latency, 0.99);
  process.stdout.write(
    `port arrival → pipeline: p50 ${(p50 * 1000).toFixed(0)} µs, p99 ${(p99 * 1000).toFixed(0)} µs, max ${(Math.max(...latency) * 1000).toFixed(0)} µs over ${latency.length} samples ` +
      `(target p99 < 2 ms: ${p99 < 2 ? "met" : "MISSED"}); bare event-loop hop p50 ${(quantile(hop, 0.5) * 1000).toFixed(0)} µs, ` +
      `p99 ${(quantile(hop, 0.99) * 1000).toFixed(0)} µs; p99 ratio ${(p99 / quantile(hop, 0.99)).toFixed(1)}×\n`,
  );
}

export async function bench(): Promise<void> {
  decodeThroughput();
  await arrivalLatency();
}
