// `--sim --firmware`: the simulated rig with light and drum on simulated silicon — the compiled hokr-rig
// firmware on an emulated ATmega328P behind a simulated port — and the virtual mouse as before. The mouse
// sees the light the board's gate pins actually emit, and the sinusoid the firmware accepted (read from the
// SINE/STOP commands it received; the drum's servo pulses themselves are tested in tests/firmware-drum).

import { type FirmwareBoard, plugFirmwareBoard } from "../../mocks/avr/serial-device.ts";
import { SimulatedEyeTrackerDevice } from "../../mocks/devices/eye-tracker.ts";
import { plugSimulatedDevice, unplugSimulatedDevice } from "../../mocks/serial-binding.ts";
import { SimulatedEyeTracker } from "../../mocks/simulated-rig.ts";
import type { MouseWorld, VirtualMouse } from "../../mocks/virtual-mouse.ts";
import type { RigConfig } from "../config/rig-config.ts";
import type { SessionClock } from "../core/clock.ts";
import type { ConnectedRig } from "./connect.ts";
import { connectSimulatedPorts } from "./serial-simulated-rig.ts";

export interface FirmwareSimulatedRig extends ConnectedRig {
  readonly mouse: VirtualMouse;
  readonly board: FirmwareBoard;
}

let count = 0;

export async function createFirmwareSimulatedRig(
  clock: SessionClock,
  config: RigConfig,
  sampleRateHz: number,
  makeMouse: (world: MouseWorld) => VirtualMouse,
): Promise<FirmwareSimulatedRig> {
  const n = ++count;
  const paths = { board: `sim-fw/${n}/uno`, eyeTracker: `sim-fw/${n}/eye` };
  const board = plugFirmwareBoard(clock, paths.board, { serialNumber: `HOKR-FW${n}`, stepMs: 0.25 });
  // Follow the drum commands the board receives.
  let sine: { t0S: number; amplitudeDeg: number; frequencyHz: number } | null = null;
  let partial = "";
  const receive = board.device.receive.bind(board.device);
  board.device.receive = (bytes) => {
    receive(bytes);
    const lines = (partial + Buffer.from(bytes).toString("latin1")).split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) {
      const f = line.trim().split(" ");
      if (f[1] === "SINE")
        sine = { t0S: clock.now() / 1000, amplitudeDeg: Number(f[2]), frequencyHz: Number(f[3]) };
      else if (f[1] === "STOP") sine = null;
    }
  };
  const mouse = makeMouse({
    stimulus: () => sine,
    litWavelengthsNm: () =>
      config.light.filter((c, i) => board.lightOn(c.index ?? i)).map((c) => c.wavelengthNm),
  });
  const camera = new SimulatedEyeTracker(clock, mouse, sampleRateHz);
  plugSimulatedDevice(new SimulatedEyeTrackerDevice(clock, camera, sampleRateHz), { path: paths.eyeTracker });
  const rig = await connectSimulatedPorts(clock, config, {
    light: paths.board,
    stimulus: paths.board,
    eyeTracker: paths.eyeTracker,
  });
  return {
    ...rig,
    mouse,
    board,
    async close() {
      await rig.close();
      for (const p of Object.values(paths)) unplugSimulatedDevice(p);
    },
  };
}
