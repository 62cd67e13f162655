// The simulated rig with a real stripe display: light source and eye tracker are simulated devices on
// simulated ports; the stimulus is the stripe page in a browser, driven by the unchanged stripe driver over
// its WebSocket port. The virtual mouse watches the sinusoid the page reports it is showing.

import type { StimulusMotion, VisualStimulus } from "../../devices/rig.ts";
import {
  STRIPE_PAGE_PATH,
  type StripePageBinding,
  withStripePage,
} from "../../devices/stripe-display/page-binding.ts";
import { SimulatedEyeTrackerDevice } from "../../mocks/devices/eye-tracker.ts";
import { SimulatedLightController } from "../../mocks/devices/light-controller.ts";
import { plugSimulatedDevice, SimulatedBinding, unplugSimulatedDevice } from "../../mocks/serial-binding.ts";
import { SimulatedEyeTracker, SimulatedLightSource } from "../../mocks/simulated-rig.ts";
import type { MouseWorld, VirtualMouse } from "../../mocks/virtual-mouse.ts";
import type { RigConfig } from "../config/rig-config.ts";
import type { SessionClock } from "../core/clock.ts";
import { type ConnectedRig, connectRig } from "./connect.ts";
import { drainSimulatedPorts } from "./serial-simulated-rig.ts";

export type StripePageRig = ConnectedRig & { readonly mouse: VirtualMouse };

let rigCount = 0;

/**
 * The sinusoid a stimulus reports: amplitude and frequency as commanded, phase from its first position
 * report (a frame within the first quarter cycle: t0 = t − asin(x / A) / 2πf).
 */
function reportedSinusoid(stimulus: VisualStimulus) {
  let commanded: StimulusMotion | null = null;
  let state: { t0S: number; amplitudeDeg: number; frequencyHz: number } | null = null;
  stimulus.samples$.subscribe((batch) => {
    if (!commanded || state) return;
    const { amplitudeDeg: a, frequencyHz: f } = commanded;
    const tMs = batch.tMs[0] as number;
    const deg = batch.deg[0] as number;
    const t0S = tMs / 1000 - Math.asin(Math.max(-1, Math.min(1, deg / a))) / (2 * Math.PI * f);
    state = { t0S, amplitudeDeg: a, frequencyHz: f };
  });
  return {
    world: () => state,
    start: (s: StimulusMotion) => {
      commanded = s;
      state = null;
    },
    stop: () => {
      commanded = null;
      state = null;
    },
  };
}

export async function createStripePageRig(
  clock: SessionClock,
  config: RigConfig,
  sampleRateHz: number,
  makeMouse: (world: MouseWorld) => VirtualMouse,
  pages: StripePageBinding,
): Promise<StripePageRig> {
  const light = new SimulatedLightSource(clock, config.light);
  let watched: ReturnType<typeof reportedSinusoid> | undefined;
  const mouse = makeMouse({
    stimulus: () => watched?.world() ?? null,
    litWavelengthsNm: () => light.litWavelengthsNm(),
  });
  const n = ++rigCount;
  const paths = { light: `sim/page-${n}/light`, eyeTracker: `sim/page-${n}/eye` };
  plugSimulatedDevice(new SimulatedLightController(clock, light), { path: paths.light });
  plugSimulatedDevice(
    new SimulatedEyeTrackerDevice(clock, new SimulatedEyeTracker(clock, mouse, sampleRateHz), sampleRateHz),
    { path: paths.eyeTracker },
  );
  const port = (path: string) => ({ path, baudRate: 115200 });
  const rig = await connectRig({
    binding: withStripePage(pages, SimulatedBinding),
    clock,
    config: {
      ...config,
      devices: {
        light: { port: port(paths.light), backend: "line" },
        stimulus: { kind: "stripe", port: port(STRIPE_PAGE_PATH), backend: "line", reportRateHz: 100 },
        eyeTracker: { port: port(paths.eyeTracker) },
      },
    },
    drain: drainSimulatedPorts,
    portReport: pages.portReport,
  });
  const seen = reportedSinusoid(rig.stimulus);
  watched = seen;
  const stimulus: VisualStimulus = Object.assign(Object.create(rig.stimulus) as VisualStimulus, {
    start: (s: StimulusMotion) => {
      seen.start(s);
      rig.stimulus.start(s);
    },
    stop: () => {
      seen.stop();
      rig.stimulus.stop();
    },
  });
  return {
    ...rig,
    stimulus,
    mouse,
    async close() {
      await rig.close();
      for (const p of Object.values(paths)) unplugSimulatedDevice(p);
    },
  };
}
