// The `hokr-drum` stimulus controller, as data: it generates a sinusoid on the device and reports positions.
// The stripe display (devices/stripe-display/description.ts) and the rig firmware (devices/firmware/) build on it.
import { DEVICE_TIME, type DeviceDescription, MESSAGE_EVENT, PING } from "../description.ts";

export const DRUM_LIMITS = {
  /** Largest amplitude, and the position range, degrees. */
  maxAmplitudeDeg: 90,
  /** Sinusoid frequency range, Hz (slower would outlast the 32-bit µs clock's wrap on the firmware). */
  minFrequencyHz: 0.001,
  maxFrequencyHz: 5,
  /** Position report rate range, Hz; 100 at power-up. */
  minRateHz: 1,
  maxRateHz: 1000,
  defaultRateHz: 100,
} as const;

const D = DRUM_LIMITS;
const amplitude = {
  name: "maxAmplitudeDeg",
  label: "max_amp_deg",
  kind: "int",
  unit: "°",
  min: 0,
  max: D.maxAmplitudeDeg,
} as const;

export const DRUM = {
  device: "hokr-drum",
  version: 1,
  commands: {
    HELLO: { args: [], reply: [amplitude], doc: "identify; the largest amplitude it can drive, degrees" },
    SINE: {
      args: [
        { name: "amplitudeDeg", label: "amp_deg", kind: "dec", unit: "°", min: 0, max: D.maxAmplitudeDeg },
        {
          name: "frequencyHz",
          label: "freq_hz",
          kind: "dec",
          unit: "Hz",
          min: D.minFrequencyHz,
          max: D.maxFrequencyHz,
        },
      ],
      doc: "start a device-generated sinusoid `amp·sin(2π·f·(now − t))`: position 0 at `t`, moving right (positive)",
      errors: "`2` amplitude above the device's largest or frequency out of range",
    },
    STOP: { args: [], doc: "stop and hold still" },
    RATE: {
      args: [{ name: "hz", label: "hz", kind: "int", unit: "Hz", min: D.minRateHz, max: D.maxRateHz }],
      doc: `position report rate (${D.defaultRateHz} at power-up)`,
      errors: "`2`",
    },
    PING,
  },
  events: {
    P: {
      fields: [
        DEVICE_TIME,
        {
          name: "positionDeg",
          label: "pos_deg",
          kind: "dec",
          unit: "°",
          min: -D.maxAmplitudeDeg,
          max: D.maxAmplitudeDeg,
        },
      ],
      doc: "pattern position (positive = right), while running",
      sample: true,
    },
    "!": MESSAGE_EVENT,
  },
} as const satisfies DeviceDescription;
