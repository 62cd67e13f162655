// Light pulse lateness on the Firmata path, measured at the pins of the real StandardFirmata image
// (avrgirl-arduino's build) on the emulated Uno: FirmataLightSource → johnny-five Led → firmata-io → the
// serialport stack → 57600 baud with true serial timing → the firmware's analogWrite → the pin (port/timer
// output). Lateness = the pin's first rise − the scheduled on time. The drum servo runs its sinusoid on the
// same board meanwhile (its writes share the line), as in a session.
//
// The host side runs on a virtual clock, so this is the board's share of the lateness (serial line,
// firmware loop, PWM phase) without the host's timer lateness; the emulator runs in this process, which
// would starve a real clock. Reference, same run: one 3-byte message's time on the line (30 bits at 57600
// baud = 0.521 ms), the least any write can take.

import { FirmataStimulus } from "../devices/drum/firmata-servo.ts";
import { connectFirmataBoard } from "../devices/firmata-board/board.ts";
import {
  FIRMATA_BAUD,
  FIRMATA_BOOT_MS,
  UNO_PWM_HZ,
  UNO_PWM_TIMER,
} from "../devices/firmata-board/standard-firmata.ts";
import { FirmataLightSource } from "../devices/light-source/firmata-led.ts";
import { openSerialStream } from "../devices/line-port.ts";
import { plugStandardFirmata } from "../mocks/avr/standard-firmata.ts";
import { resetSimulatedPorts, SimulatedBinding } from "../mocks/serial-binding.ts";
import { VirtualClock } from "../src/core/clock.ts";
import { advanceInSteps } from "../tests/helpers/virtual-time.ts";

const PULSES = 150;
const WIDTH_MS = 5;
const PERIOD_MS = 20;
const SERVO_PIN = 9;
const CHANNELS = [
  { name: "timer0", pin: 5, wavelengthNm: 470, maxPowerMw: 10 },
  { name: "timer2", pin: 3, wavelengthNm: 593, maxPowerMw: 10 },
];
const LINE_MS = (3 * 10 * 1000) / FIRMATA_BAUD;

function summary(ms: number[]): { p50: number; p99: number; max: number } {
  const s = [...ms].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)] as number;
  return { p50: q(0.5), p99: q(0.99), max: s[s.length - 1] as number };
}

export async function bench(): Promise<void> {
  const clock = new VirtualClock();
  const path = "bench/uno";
  const uno = plugStandardFirmata(clock, path, {
    resetOnOpen: false,
    stepMs: 0.25,
    watch: CHANNELS.map((c) => c.pin),
  });
  clock.advanceTo(FIRMATA_BOOT_MS);
  const stream = await openSerialStream(SimulatedBinding, path, FIRMATA_BAUD);
  const connecting = connectFirmataBoard(stream, { clock, timeoutMs: 1000, port: path });
  await advanceInSteps(clock, clock.now() + 1000, 1);
  const link = await connecting;
  const light = new FirmataLightSource(link.board, clock, CHANNELS);
  const drum = new FirmataStimulus(link.board, clock, { pin: SERVO_PIN, range: [45, 135] });
  drum.start({ amplitudeDeg: 10, frequencyHz: 0.5 });
  await advanceInSteps(clock, clock.now() + 50);

  const rows: string[] = [];
  const wall0 = performance.now();
  let simulatedMs = 0;
  for (const c of CHANNELS)
    for (const [label, powerMw] of [
      ["full power", c.maxPowerMw],
      ["partial (duty 50%)", c.maxPowerMw / 2],
    ] as const) {
      const t0 = clock.now();
      light.start(c.name, powerMw, {
        kind: "pulses",
        pulseWidthMs: WIDTH_MS,
        periodMs: PERIOD_MS,
        interTrainIntervalS: 0,
      });
      await advanceInSteps(clock, t0 + PULSES * PERIOD_MS - (PERIOD_MS - WIDTH_MS) / 2);
      light.off(c.name);
      await advanceInSteps(clock, clock.now() + PERIOD_MS);
      simulatedMs += clock.now() - t0;
      const rises = uno.levels(c.pin).filter((l) => l.high && l.tMs >= t0);
      const late: number[] = [];
      for (let k = 0; k < PULSES; k++) {
        const at = t0 + k * PERIOD_MS;
        const rise = rises.find((r) => r.tMs >= at && r.tMs < at + PERIOD_MS);
        if (rise) late.push(rise.tMs - at);
      }
      const s = summary(late);
      const timer = UNO_PWM_TIMER[c.pin] as 0 | 1 | 2;
      rows.push(
        `${`pin ${c.pin} (Timer${timer}, ${UNO_PWM_HZ[timer].toFixed(0)} Hz) ${label}`.padEnd(40)}` +
          `${s.p50.toFixed(3).padStart(8)}${s.p99.toFixed(3).padStart(8)}${s.max.toFixed(3).padStart(8)}` +
          `${`${late.length}/${PULSES}`.padStart(10)}${(s.p99 / LINE_MS).toFixed(1).padStart(8)}×`,
      );
    }
  const wallMs = performance.now() - wall0;
  drum.stop();
  await link.close();
  uno.device.dispose();
  resetSimulatedPorts();
  console.log(
    [
      `light pulse lateness at the pins of the real StandardFirmata 2.4 image (emulated Uno, 57600 baud, drum ` +
        `servo on pin ${SERVO_PIN} running): first rise − scheduled on, ${PULSES} pulses of ${WIDTH_MS} ms every ` +
        `${PERIOD_MS} ms per row; host on a virtual clock (board's share only)`,
      `${"".padEnd(40)}  p50 ms  p99 ms  max ms    pulses  p99 / line time (${LINE_MS.toFixed(3)} ms)`,
      ...rows,
      `emulator speed: ${(simulatedMs / wallMs).toFixed(2)}× real time (${(wallMs / 1000).toFixed(1)} s wall)`,
    ].join("\n"),
  );
}
