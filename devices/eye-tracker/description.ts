// The `hokr-eye` tracker, as data: a camera streaming frames in degrees (`S`) or camera pixels (`R`).
import { DEVICE_TIME, type DeviceDescription, MESSAGE_EVENT, PING } from "../description.ts";

// `optional` is a type parameter, so that the message type knows which fields may be missing.
const deg = <N extends string, O extends boolean = false>(name: N, label: string, optional = false as O) =>
  ({ name, label, kind: "dec", unit: "°", min: -90, max: 90, nan: true, optional }) as const;
const px = <N extends string, O extends boolean = false>(name: N, label: string, optional = false as O) =>
  ({ name, label, kind: "dec", unit: "px", min: 0, max: 10000, nan: true, optional }) as const;

export const EYE_TRACKER = {
  device: "hokr-eye",
  version: 1,
  commands: {
    HELLO: {
      args: [],
      reply: [
        { name: "rateHz", label: "rate_hz", kind: "dec", unit: "Hz", min: 0, max: 10000 },
        { name: "stream", label: "deg|px", kind: "word", words: ["deg", "px"] },
      ],
      doc: "identify; frame rate; whether it streams degrees (`S`) or raw pixels (`R`)",
    },
    START: { args: [], doc: "start streaming samples" },
    STOP: { args: [], doc: "stop streaming" },
    PING,
  },
  events: {
    S: {
      fields: [
        DEVICE_TIME,
        deg("xDeg", "x_deg"),
        deg("yDeg", "y_deg", true),
        px("pupilPx", "pupil_px", true),
      ],
      doc: "one frame in degrees: horizontal (positive = right), optional vertical and pupil diameter; `nan` while the pupil is lost",
      sample: true,
    },
    R: {
      fields: [
        DEVICE_TIME,
        px("pupilXPx", "pupil_x_px"),
        px("crXPx", "cr_x_px"),
        px("pupilYPx", "pupil_y_px", true),
        px("crYPx", "cr_y_px", true),
      ],
      doc: "one frame in camera pixels: pupil centre and corneal reflection; the host converts with the rig's calibration (pixels per degree, or Stahl's radius of pupil rotation)",
      sample: true,
    },
    T: {
      fields: [
        DEVICE_TIME,
        {
          name: "status",
          label: "tracking|lost|calibrating",
          kind: "word",
          words: ["tracking", "lost", "calibrating"],
        },
      ],
      doc: "tracker status",
    },
    "!": MESSAGE_EVENT,
  },
} as const satisfies DeviceDescription;
