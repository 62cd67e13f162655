// Cohort throughput of `hokr simulate`: full virtual mice (75-min sessions) per second with in-process
// devices on one worker and on every core (the parallel speed-up), and through the serial drivers and wire
// protocols; peak memory of the whole process (workers included). The speed-up is a ratio: its reference (one
// worker) and subject (every core) are measured in alternated rounds (bench/interleaved.ts).
import { simulateCohort } from "../src/cohort/cohort.ts";
import { defaultWorkers } from "../src/core/ts-worker.ts";
import { peakRssMB } from "./child.ts";
import { interleaved, median, spread } from "./interleaved.ts";

interface Rate {
  /** animals per wall-clock second, the cohort report included */
  perS: number;
  /** animals per wall-clock second until the last animal finished (the worker pool alone, no report) */
  poolPerS: number;
  /** CPU seconds of the whole process per wall second: how many cores the run really got */
  cores: number;
}

async function rate(n: number, workers: number, throughSerial: boolean): Promise<Rate> {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  let lastDone = t0;
  await simulateCohort({
    groups: ["control"],
    n,
    seed: 1,
    protocolDir: "protocols",
    throughSerial,
    workers,
    onDone: () => {
      lastDone = performance.now();
    },
  });
  const wallS = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return {
    perS: n / wallS,
    poolPerS: (1000 * n) / (lastDone - t0),
    cores: (cpu.user + cpu.system) / 1e6 / wallS,
  };
}

const verdict = (ok: boolean) => (ok ? "met" : "MISSED");

/** Rounds of the 1-worker and all-core cohorts, alternated. */
const ROUNDS = 3;

export async function bench(): Promise<void> {
  const cores = defaultWorkers();
  const n = 4 * cores;
  // Every measured cohort runs on warm workers (kept between the cohorts of a process): a small cohort first
  // starts them, so the 1-worker reference and the N-worker run start alike.
  await rate(cores, cores, false);
  const rounds = await interleaved(
    ROUNDS,
    () => rate(n, 1, false),
    () => rate(n, cores, false),
  );
  /** The round with the median of `key` (its own figures, not a mix of rounds). */
  const medianBy = (runs: Rate[], key: (r: Rate) => number) =>
    [...runs].sort((a, b) => key(a) - key(b))[(runs.length - 1) >> 1] as Rate;
  const one = medianBy(rounds.reference, (r) => r.perS);
  const all = medianBy(rounds.subject, (r) => r.perS);
  const speedUps = rounds.subject.map((r, i) => r.poolPerS / (rounds.reference[i] as Rate).poolPerS);
  const cohortSpeedUps = rounds.subject.map((r, i) => r.perS / (rounds.reference[i] as Rate).perS);
  const serial = await rate(n, cores, true);
  const line = (name: string, r: Rate) =>
    `${name.padEnd(48)} ${r.perS.toFixed(2).padStart(6)} animals/s  ${(r.perS * 60).toFixed(0).padStart(5)} animals/min  ${r.cores.toFixed(2)} cores busy`;
  process.stdout.write(
    `${[
      `cohort of ${n} control animals (75-min sessions, report and model fits included; workers started beforehand); ` +
        `${ROUNDS} alternated rounds of 1 worker and ${cores}, the round with the median rate of each:`,
      line("in-process devices, 1 worker (reference)", one),
      line(`in-process devices, ${cores} workers`, all),
      line(`through serial drivers, ${cores} workers`, serial),
      "",
      `in process: ${(all.perS * 60).toFixed(0)} animals/min on ${cores} workers (target ≥ 300/min: ${verdict(all.perS * 60 >= 300)})`,
      `through serial: ${(serial.perS * 60).toFixed(0)} animals/min (target ≥ 100/min: ${verdict(serial.perS * 60 >= 100)}); ` +
        `${(serial.perS / all.perS).toFixed(2)}× the in-process throughput`,
      `parallel speed-up over 1 worker: ${spread(speedUps, 2)}× on ${cores} workers for the animals, median (range) ` +
        `over the rounds (target ≥ 1.7× on 2: ${verdict(median(speedUps) >= 1.7)}), ${spread(cohortSpeedUps, 2)}× for the whole ` +
        "cohort with its report (fitted on one core after the last animal); bounded by the cores busy: other processes on the machine take their share",
      `peak memory of this bench process so far (workers included): ${peakRssMB().toFixed(0)} MB`,
    ].join("\n")}\n`,
  );
}
