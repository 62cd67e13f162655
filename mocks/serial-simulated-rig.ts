// The simulated rig through the real stack: session → drivers → codecs → simulated serial ports → simulated
// devices (the same device models as the in-process rig) → virtual mouse.
import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import type { EyeCalibration } from "../devices/eye-tracker/codec.ts";
import type { SessionClock } from "../src/engine/clock.ts";
import { type ConnectedRig, connectRig } from "../src/rig/connect.ts";
import type { RigConfig } from "../src/rig/rig-config.ts";
import { SimulatedEyeTrackerDevice } from "./devices/eye-tracker.ts";
import { SimulatedLightController } from "./devices/light-controller.ts";
import { SimulatedStimulusController } from "./devices/stimulus-controller.ts";
import {
  plugSimulatedDevice,
  SimulatedBinding,
  simulatedBacklog,
  unplugSimulatedDevice,
} from "./serial-binding.ts";
import { SimulatedEyeTracker, SimulatedLightSource, SimulatedStimulus } from "./simulated-rig.ts";
import type { MouseWorld, VirtualMouse } from "./virtual-mouse.ts";

export interface SerialSimulatedRig extends ConnectedRig {
  readonly mouse: VirtualMouse;
  /** Device-side models, for tests: what the light really did, where the drum really was. */
  readonly devices: { light: SimulatedLightSource; stimulus: SimulatedStimulus };
  /** Port paths of the simulated devices, e.g. to unplug one in a fault test. */
  readonly paths: { light: string; stimulus: string; eyeTracker: string };
  unplug(device: "light" | "stimulus" | "eyeTracker"): void;
}

let rigCount = 0;

/** Yields until the simulated devices' bytes have all been read and processed by the host. */
export async function drainSimulatedPorts(): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    await yieldToEventLoop();
    if (simulatedBacklog() === 0) {
      await yieldToEventLoop();
      if (simulatedBacklog() === 0) return;
    }
  }
}

export async function createSerialSimulatedRig(
  clock: SessionClock,
  config: RigConfig,
  sampleRateHz: number,
  makeMouse: (world: MouseWorld) => VirtualMouse,
  options: { eyePixels?: { calibration: EyeCalibration; crPx: number } } = {},
): Promise<SerialSimulatedRig> {
  const stimulus = new SimulatedStimulus(clock);
  const light = new SimulatedLightSource(clock, config.light);
  const mouse = makeMouse({
    stimulus: () => {
      const s = stimulus.state;
      return (
        s && {
          t0S: s.t0Ms / 1000,
          amplitudeDeg: s.settings.amplitudeDeg,
          frequencyHz: s.settings.frequencyHz,
        }
      );
    },
    litWavelengthsNm: () => light.litWavelengthsNm(),
  });
  const camera = new SimulatedEyeTracker(clock, mouse, sampleRateHz);
  const n = ++rigCount;
  const paths = { light: `sim/${n}/light`, stimulus: `sim/${n}/drum`, eyeTracker: `sim/${n}/eye` };
  plugSimulatedDevice(new SimulatedLightController(clock, light), {
    path: paths.light,
    serialNumber: `HOKR-L${n}`,
    vendorId: "2341",
    productId: "0043",
  });
  plugSimulatedDevice(new SimulatedStimulusController(clock, stimulus), {
    path: paths.stimulus,
    serialNumber: `HOKR-D${n}`,
    vendorId: "2341",
    productId: "0043",
  });
  plugSimulatedDevice(new SimulatedEyeTrackerDevice(clock, camera, sampleRateHz, options.eyePixels), {
    path: paths.eyeTracker,
    serialNumber: `HOKR-E${n}`,
    vendorId: "1d6b",
    productId: "0104",
  });
  const rig = await connectRig({
    binding: SimulatedBinding,
    clock,
    config: {
      ...config,
      devices: {
        light: { port: { serialNumber: `HOKR-L${n}`, baudRate: 115200 }, backend: "line" },
        stimulus: {
          kind: "drum",
          port: { path: paths.stimulus, baudRate: 115200 },
          backend: "line",
          reportRateHz: 100,
        },
        eyeTracker: {
          port: { path: paths.eyeTracker, baudRate: 115200 },
          ...(options.eyePixels ? { calibration: options.eyePixels.calibration } : {}),
        },
      },
    },
    drain: drainSimulatedPorts,
  });
  return {
    ...rig,
    mouse,
    devices: { light, stimulus },
    paths,
    unplug: (device) => unplugSimulatedDevice(paths[device]),
    async close() {
      await rig.close();
      for (const p of Object.values(paths)) unplugSimulatedDevice(p);
    },
  };
}
