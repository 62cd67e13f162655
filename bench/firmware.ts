// Device-timed light pulses of the hokr-rig firmware, measured on the compiled image in avr8js (simulated CPU
// cycles, so the figures do not depend on this machine): pulse-edge jitter with the serial line saturated,
// latency from a TRAIN command to its first edge, and how fast the simulator runs against the wall clock.
import { FIRMWARE } from "../devices/firmware/firmware.ts";
import { FirmwareRig, pulsesOf } from "../mocks/avr/firmware-rig.ts";

const cyclesPerUs = FIRMWARE.clockHz / 1e6;
const GATE0 = FIRMWARE.lightGatePins[0];

const spread = (xs: number[]) => Math.max(...xs) - Math.min(...xs);
const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN;
};
const fmt = (x: number, digits = 2) => x.toFixed(digits);

function booted(): FirmwareRig {
  const rig = new FirmwareRig();
  rig.boot();
  rig.command("WDG 0");
  return rig;
}

/** 1000 pulses of 1 ms every 2 ms on channel 0 while channel 1, 1 kHz position reports and the edge reports
 * keep the 115200-baud line busy. Returns the jitter figures and the simulator speed during the run. */
function jitter() {
  const rig = booted();
  const edges = rig.uno.recordPins([GATE0]);
  let txBytes = 0;
  rig.uno.onTransmit(() => txBytes++);
  rig.command("RATE 1000");
  rig.command("SINE 20 2");
  rig.command("TRAIN 1 300 700 0 0 0");
  txBytes = 0;
  const c0 = rig.uno.cycles;
  const w0 = performance.now();
  rig.command("TRAIN 0 1000 2000 0 0 0");
  rig.runMs(2001);
  const wallS = (performance.now() - w0) / 1000;
  const simS = (rig.uno.cycles - c0) / FIRMWARE.clockHz;
  const pulses = pulsesOf(edges, GATE0).slice(0, 1001);
  const periods = pulses.slice(1).map((p, k) => p.startUs - (pulses[k]?.startUs ?? Number.NaN));
  return {
    pulses: pulses.length,
    periodJitterUs: spread(periods),
    widthJitterUs: spread(pulses.map((p) => p.widthUs)),
    lineUse: (txBytes * rig.uno.cyclesPerChar) / FIRMWARE.clockHz / simS,
    simSpeed: simS / wallS,
  };
}

/** TRAIN → first edge, from the command's last byte and from its first, over commands at varied phases. */
function latency(trials: number) {
  const rig = booted();
  const fromLast: number[] = [];
  const fromFirst: number[] = [];
  const command = "TRAIN 0 1000 3000 0 0 0";
  const lineBytes = `@1 ${command}\n`.length;
  const lineUs = ((lineBytes - 1) * rig.uno.cyclesPerChar) / cyclesPerUs;
  for (let i = 0; i < trials; i++) {
    rig.uno.run(1000 + ((i * 7919) % 16000)); // vary the main loop's phase
    const edges = rig.uno.recordPins([GATE0]);
    const { sentCycle } = rig.command(command);
    rig.uno.runUntilTrue(() => edges.length > 0, 16_000);
    const us = ((edges[0]?.cycle ?? Number.NaN) - sentCycle) / cyclesPerUs;
    fromLast.push(us);
    fromFirst.push(us + lineUs);
    rig.command("OFF 0");
  }
  return { fromLast, fromFirst, lineBytes };
}

/** Idle firmware (only the servo frames and the clock running): simulated seconds per wall second. */
function idleSpeed(): number {
  const rig = booted();
  const c0 = rig.uno.cycles;
  const w0 = performance.now();
  rig.runMs(1000);
  return (rig.uno.cycles - c0) / FIRMWARE.clockHz / ((performance.now() - w0) / 1000);
}

export async function bench(): Promise<void> {
  idleSpeed(); // JIT warm-up
  const j = jitter();
  const l = latency(40);
  const idle = idleSpeed();
  const row = (name: string, value: string) => process.stdout.write(`${name.padEnd(52)} ${value}\n`);
  row("firmware pulses measured (1 ms every 2 ms)", `${j.pulses}`);
  row("serial line use during the run", `${fmt(100 * j.lineUse, 0)} % of 115200 baud`);
  // Edges come from the timer's compare hardware; what remains is the simulator applying a pin change only
  // after the instruction in progress (≤ 5 cycles).
  row(
    "period jitter, max − min",
    `${fmt(j.periodJitterUs)} µs (${fmt(j.periodJitterUs / FIRMWARE.tickUs)} ticks)`,
  );
  row("width jitter, max − min", `${fmt(j.widthJitterUs)} µs`);
  row(
    "TRAIN last byte → first edge, min / median / max",
    `${fmt(Math.min(...l.fromLast), 0)} / ${fmt(quantile(l.fromLast, 0.5), 0)} / ${fmt(Math.max(...l.fromLast), 0)} µs (${FIRMWARE.trainLeadUs} µs of it the scheduled lead)`,
  );
  row(
    "TRAIN first byte → first edge, median",
    `${fmt(quantile(l.fromFirst, 0.5), 0)} µs (mostly the ${l.lineBytes}-byte command on the line)`,
  );
  row("simulator speed, saturated line", `${fmt(j.simSpeed)} simulated s per wall s`);
  row("simulator speed, idle", `${fmt(idle)} simulated s per wall s`);
}
