// The simulated rig through the real stack: session → drivers → codecs → simulated serial ports → simulated
// devices (the same device models as the in-process rig) → virtual mouse.
import { setImmediate as yieldToEventLoop } from "node:timers/promises";
import type { DeviceClock } from "../../devices/clock-sync.ts";
import type { EyeCalibration } from "../../devices/eye-tracker/calibration.ts";
import { SimulatedEyeTrackerDevice } from "../../mocks/devices/eye-tracker.ts";
import { SimulatedLightController } from "../../mocks/devices/light-controller.ts";
import { SimulatedStimulusController } from "../../mocks/devices/stimulus-controller.ts";
import {
  plugSimulatedDevice,
  SimulatedBinding,
  simulatedBacklog,
  unplugSimulatedDevice,
} from "../../mocks/serial-binding.ts";
import {
  SimulatedEyeTracker,
  SimulatedLightSource,
  SimulatedStimulus,
  worldOf,
} from "../../mocks/simulated-rig.ts";
import type { MouseWorld, VirtualMouse } from "../../mocks/virtual-mouse.ts";
import type { RigConfig } from "../config/rig-config.ts";
import type { SessionClock } from "../core/clock.ts";
import { type ConnectedRig, connectRig } from "./connect.ts";

export interface SerialSimulatedRig extends ConnectedRig {
  readonly mouse: VirtualMouse;
  /** Device-side models, for tests: what the light really did, where the drum really was. */
  readonly devices: { light: SimulatedLightSource; stimulus: SimulatedStimulus };
  /** Port paths of the simulated devices, e.g. to unplug one in a fault test. */
  readonly paths: { light: string; stimulus: string; eyeTracker: string };
  unplug(device: "light" | "stimulus" | "eyeTracker"): void;
  /**
   * Plugs the same device back in, under `path` (Linux may give it a new name); `clockUs`: its clock
   * restarted meanwhile and now reads this.
   */
  replug(device: "light" | "stimulus" | "eyeTracker", path: string, clockUs?: number): void;
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

/**
 * Connects the real drivers to simulated devices already plugged in under these paths (`serial:NUMBER`
 * finds a device by its USB serial number instead, as a rig configuration would).
 */
export function connectSimulatedPorts(
  clock: SessionClock,
  config: RigConfig,
  at: { light: string; stimulus: string; eyeTracker: string; calibration?: EyeCalibration },
  deviceClock?: (path: string) => DeviceClock,
): Promise<ConnectedRig> {
  const port = (p: string) =>
    p.startsWith("serial:")
      ? { serialNumber: p.slice("serial:".length), baudRate: 115200 }
      : { path: p, baudRate: 115200 };
  return connectRig({
    binding: SimulatedBinding,
    clock,
    config: {
      ...config,
      devices: {
        light: { port: port(at.light), backend: "line" },
        stimulus: { kind: "drum", port: port(at.stimulus), backend: "line", reportRateHz: 100 },
        eyeTracker: { port: port(at.eyeTracker), ...(at.calibration ? { calibration: at.calibration } : {}) },
      },
    },
    drain: drainSimulatedPorts,
    ...(deviceClock ? { deviceClock } : {}),
  });
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
  const mouse = makeMouse(worldOf(stimulus, light));
  const camera = new SimulatedEyeTracker(clock, mouse, sampleRateHz);
  const n = ++rigCount;
  const paths = { light: `sim/${n}/light`, stimulus: `sim/${n}/drum`, eyeTracker: `sim/${n}/eye` };
  const arduino = { vendorId: "2341", productId: "0043" };
  const plugs = {
    light: {
      device: new SimulatedLightController(clock, light),
      info: { serialNumber: `HOKR-L${n}`, ...arduino },
    },
    stimulus: {
      device: new SimulatedStimulusController(clock, stimulus),
      info: { serialNumber: `HOKR-D${n}`, ...arduino },
    },
    eyeTracker: {
      device: new SimulatedEyeTrackerDevice(clock, camera, sampleRateHz, options.eyePixels),
      info: { serialNumber: `HOKR-E${n}`, vendorId: "1d6b", productId: "0104" },
    },
  };
  for (const [k, p] of Object.entries(plugs))
    plugSimulatedDevice(p.device, { ...p.info, path: paths[k as keyof typeof paths] });
  // Light and eye tracker are found by serial number, as a rig configuration should name them.
  const rig = await connectSimulatedPorts(clock, config, {
    ...paths,
    light: `serial:HOKR-L${n}`,
    eyeTracker: `serial:HOKR-E${n}`,
    ...(options.eyePixels ? { calibration: options.eyePixels.calibration } : {}),
  });
  return {
    ...rig,
    mouse,
    devices: { light, stimulus },
    paths,
    unplug: (device) => unplugSimulatedDevice(paths[device]),
    replug: (device, path, clockUs) => {
      paths[device] = path;
      if (clockUs !== undefined) plugs[device].device.restartClock(clockUs);
      plugSimulatedDevice(plugs[device].device, { ...plugs[device].info, path });
    },
    async close() {
      await rig.close();
      for (const p of Object.values(paths)) unplugSimulatedDevice(p);
    },
  };
}
