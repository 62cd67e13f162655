// Connecting a rig: find each device's port (by path, USB serial number or vendor:product), open it once
// (devices may share a port), handshake with every device, and present them as one Rig to the engine.
import type { BindingInterface, PortInfo } from "@serialport/bindings-interface";
import { merge, type Observable, Subject } from "rxjs";
import { STIMULUS_EVENTS } from "../../devices/drum/codec.ts";
import { SerialStimulus } from "../../devices/drum/driver.ts";
import { EYE_EVENTS } from "../../devices/eye-tracker/codec.ts";
import { SerialEyeTracker } from "../../devices/eye-tracker/driver.ts";
import { LIGHT_EVENTS } from "../../devices/light-source/codec.ts";
import { SerialLightSource } from "../../devices/light-source/driver.ts";
import { DeviceError, LinePort, openSerialStream } from "../../devices/line-port.ts";
import type { DeviceFault, DeviceReport, Rig } from "../../devices/rig.ts";
import { SerialStripeDisplay } from "../../devices/stripe-display/driver.ts";
import type { SessionClock } from "../engine/clock.ts";
import type { PortRef, RigConfig, RigDevices } from "./rig-config.ts";

const describeRef = (r: PortRef) =>
  [
    r.path && `path ${r.path}`,
    r.serialNumber && `serial number ${r.serialNumber}`,
    r.usb && `USB id ${r.usb}`,
  ]
    .filter(Boolean)
    .join(", ");

/** The port a reference points at now. Serial number and USB id win over a path that may have moved. */
export async function resolvePort(binding: BindingInterface, ref: PortRef): Promise<string> {
  if (ref.serialNumber === undefined && ref.usb === undefined && ref.path) return ref.path;
  let ports: PortInfo[];
  try {
    ports = await binding.list();
  } catch (e) {
    if (ref.path) return ref.path;
    throw new DeviceError(
      `cannot list serial ports (${(e as Error).message}); give the port's path in the rig configuration`,
    );
  }
  const [vendor, product] = ref.usb?.toLowerCase().split(":") ?? [];
  const match = ports.filter(
    (p) =>
      (ref.serialNumber === undefined || p.serialNumber === ref.serialNumber) &&
      (vendor === undefined ||
        (p.vendorId?.toLowerCase() === vendor && p.productId?.toLowerCase() === product)),
  );
  const found = match[0];
  if (!found || match.length > 1) {
    const seen = ports
      .map((p) => `${p.path} (serial ${p.serialNumber ?? "?"}, ${p.vendorId ?? "?"}:${p.productId ?? "?"})`)
      .join("; ");
    throw new DeviceError(
      `${match.length > 1 ? "more than one" : "no"} serial port matches ${describeRef(ref)}; ports present: ${seen || "none"}. Check the cable, or run \`hokr ports\``,
    );
  }
  return found.path;
}

export interface ConnectedRig extends Rig {
  readonly ports: ReadonlyMap<string, LinePort<never>>;
}

export interface ConnectOptions {
  binding: BindingInterface;
  clock: SessionClock;
  config: RigConfig & { devices: RigDevices };
  /** Waits for bytes already sent by the devices to arrive (end of session). */
  drain: () => Promise<void>;
}

export async function connectRig(o: ConnectOptions): Promise<ConnectedRig> {
  const { clock, config } = o;
  const d = config.devices;
  if (d.light.backend !== "line" || d.stimulus.backend !== "line")
    throw new DeviceError(
      "the firmata backend is connected through `connectFirmataRig`; this rig uses line-protocol devices",
    );
  const paths = {
    light: await resolvePort(o.binding, d.light.port),
    stimulus: await resolvePort(o.binding, d.stimulus.port),
    eyeTracker: await resolvePort(o.binding, d.eyeTracker.port),
  };
  // One LinePort per distinct path, decoding the events of every device on it.
  const tables: Record<string, object> = {};
  tables[paths.light] = { ...tables[paths.light], ...LIGHT_EVENTS };
  tables[paths.stimulus] = { ...tables[paths.stimulus], ...STIMULUS_EVENTS };
  tables[paths.eyeTracker] = { ...tables[paths.eyeTracker], ...EYE_EVENTS };
  const ports = new Map<string, LinePort<never>>();
  const baud = (path: string) =>
    [d.light.port, d.stimulus.port, d.eyeTracker.port].find((_, i) => Object.values(paths)[i] === path)
      ?.baudRate ?? 115200;
  try {
    for (const [path, table] of Object.entries(tables)) {
      const stream = await openSerialStream(o.binding, path, baud(path));
      ports.set(path, new LinePort(path, stream, clock, table as never));
    }
    // biome-ignore lint/suspicious/noExplicitAny: each driver gets the port with the union table it shares
    const port = (path: string) => ports.get(path) as any;
    const light = new SerialLightSource(
      port(paths.light),
      clock,
      config.light.map((c, i) => ({ name: c.name, wavelengthNm: c.wavelengthNm, index: c.index ?? i })),
    );
    const stimulus =
      d.stimulus.kind === "stripe"
        ? new SerialStripeDisplay(port(paths.stimulus))
        : new SerialStimulus(port(paths.stimulus));
    const eyeTracker = new SerialEyeTracker(port(paths.eyeTracker), clock, d.eyeTracker.calibration);
    await light.connect(config.watchdogMs, config.handshakeTimeoutMs);
    await stimulus.connect(d.stimulus.reportRateHz, config.handshakeTimeoutMs);
    await eyeTracker.connect(config.handshakeTimeoutMs);

    const unplugged = new Subject<DeviceFault>();
    for (const [path, p] of ports)
      p.closed$.subscribe((err) => {
        if (err) unplugged.next({ device: path, message: `${path} went away: ${err.message}` });
      });
    const faults$: Observable<DeviceFault> = merge(
      unplugged,
      light.faults$,
      stimulus.faults$,
      eyeTracker.faults$,
    );
    const report = (): Record<string, DeviceReport> =>
      Object.fromEntries(
        Object.entries(paths).map(([device, path]) => {
          const p = ports.get(path);
          return [
            device,
            { port: path, rejectedLines: p?.rejected ?? 0, ...(p ? { clock: p.sync.fit() } : {}) },
          ];
        }),
      );
    return {
      name: config.name,
      light,
      stimulus,
      eyeTracker,
      faults$,
      ports,
      drain: o.drain,
      report,
      async close() {
        await light.close();
        stimulus.stop();
        await eyeTracker.close();
        for (const p of ports.values()) await p.close();
      },
    };
  } catch (e) {
    for (const p of ports.values()) await p.close().catch(() => {});
    throw e;
  }
}
