// Connecting a rig: find each device's port (by path, USB serial number or vendor:product), open it once
// (devices may share a port), handshake with every device, and present them as one Rig to the engine.
import type { BindingInterface, PortInfo } from "@serialport/bindings-interface";
import { merge, type Observable, Subject } from "rxjs";
import type { DeviceClock } from "../../devices/clock-sync.ts";
import { STIMULUS_EVENTS } from "../../devices/drum/codec.ts";
import { SerialStimulus } from "../../devices/drum/driver.ts";
import { EYE_EVENTS } from "../../devices/eye-tracker/codec.ts";
import { SerialEyeTracker } from "../../devices/eye-tracker/driver.ts";
import type { FirmataBoard } from "../../devices/firmata-board/board.ts";
import { FIRMATA_BAUD, servoTimerConflict } from "../../devices/firmata-board/standard-firmata.ts";
import { LIGHT_EVENTS } from "../../devices/light-source/codec.ts";
import { SerialLightSource } from "../../devices/light-source/driver.ts";
import { isBootMessage, LinePort, openSerialStream } from "../../devices/line-port.ts";
import type { DeviceFault, DeviceNote, DeviceReport, Rig } from "../../devices/rig.ts";
import { SerialStripeDisplay } from "../../devices/stripe-display/driver.ts";
import type { PortRef, RigConfig, RigDevices } from "../config/rig-config.ts";
import type { SessionClock } from "../core/clock.ts";
import { DeviceError, FAULT_TEXT } from "../core/faults.ts";

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
  /**
   * Waits for what the devices already sent to arrive (end of session). `lightsDark` resolves once the light
   * controller has reported every channel off (its off edges recorded), or its port is gone; `caughtUp(ms)`
   * once every line port has read all its device sent before the call (a PING round trip each; a gone port
   * at once; at most `ms` each).
   */
  drain: (ends: {
    lightsDark: Promise<void>;
    caughtUp: (timeoutMs: number) => Promise<void>;
  }) => Promise<void>;
  /** How each port places device times on the session clock (default: fitted online; replay: as recorded). */
  deviceClock?: (path: string) => DeviceClock;
  /**
   * Aborts when a stop is asked for while connecting: every light controller that is open is told ALLOFF,
   * every port is closed (a handshake in flight fails at once), and connectRig throws.
   */
  signal?: AbortSignal;
  /** The largest stimulus amplitude the protocol asks for, degrees: a drum that cannot drive it is refused. */
  needAmplitudeDeg?: number;
  /** More to report about the device on a port (e.g. the stripe page's dropped frames). */
  portReport?: (path: string) => Partial<DeviceReport>;
}

/** Rejected lines logged one by one per port; beyond this only counted (a noisy line must not flood the log). */
const LOGGED_REJECTIONS = 20;

export async function connectRig(o: ConnectOptions): Promise<ConnectedRig> {
  const { clock, config } = o;
  const d = config.devices;
  const paths = {
    light: await resolvePort(o.binding, d.light.port),
    stimulus: await resolvePort(o.binding, d.stimulus.port),
    eyeTracker: await resolvePort(o.binding, d.eyeTracker.port),
  };
  const refs = { light: d.light.port, stimulus: d.stimulus.port, eyeTracker: d.eyeTracker.port };
  const backend = { light: d.light.backend, stimulus: d.stimulus.backend, eyeTracker: "line" as const };
  const devicesOn = (path: string, kind: "line" | "firmata") =>
    (Object.keys(paths) as (keyof typeof paths)[]).filter((k) => paths[k] === path && backend[k] === kind);
  // One LinePort per line-protocol path, decoding the events of every device on it; one board per Firmata path.
  const tableOf = { light: LIGHT_EVENTS, stimulus: STIMULUS_EVENTS, eyeTracker: EYE_EVENTS };
  const ports = new Map<string, LinePort<never>>();
  const boards = new Map<string, FirmataBoard>();
  const closeAll = async () => {
    for (const p of ports.values()) await p.close().catch(() => {});
    for (const b of boards.values()) await b.close().catch(() => {});
  };
  // johnny-five and firmata-io take a while to load: only a rig with a Firmata board loads them.
  const firmataRig =
    d.light.backend === "firmata" || d.stimulus.backend === "firmata"
      ? {
          ...(await import("../../devices/firmata-board/board.ts")),
          ...(await import("../../devices/light-source/firmata-led.ts")),
          ...(await import("../../devices/drum/firmata-servo.ts")),
        }
      : undefined;
  const firmataModules = () => {
    if (!firmataRig) throw new Error("unreachable: no Firmata backend in this rig");
    return firmataRig;
  };
  // The rig configuration refuses this when both name the board alike; here, whatever names found them.
  if (backend.light === "firmata" && backend.stimulus === "firmata" && paths.light === paths.stimulus)
    for (const c of config.light) {
      const conflict = c.pin === undefined ? undefined : servoTimerConflict(c.pin);
      if (conflict)
        throw new DeviceError(`light channel '${c.name}' is on the drum servo's board: ${conflict}`);
    }
  // A stop while connecting: lights off where a controller may be listening, then every port closed, which
  // fails any handshake in flight at once.
  const stopConnecting = async () => {
    await Promise.all(
      [...ports].map(([path, p]) =>
        devicesOn(path, "line").includes("light") && !p.closed
          ? p.request("ALLOFF", (id) => `@${id} ALLOFF`, 300).catch(() => {})
          : undefined,
      ),
    );
    await closeAll();
  };
  const onAbort = () => void stopConnecting();
  o.signal?.addEventListener("abort", onAbort, { once: true });
  const checkpoint = () => {
    if (o.signal?.aborted) throw new DeviceError(`stopped while connecting (${String(o.signal.reason)})`);
  };
  try {
    for (const path of new Set(Object.values(paths))) {
      checkpoint();
      const line = devicesOn(path, "line");
      const firmata = devicesOn(path, "firmata");
      if (line.length > 0 && firmata.length > 0)
        throw new DeviceError(
          `${path}: one port cannot speak both the hokr line protocol and Firmata; check the backends`,
        );
      const first = (line[0] ?? firmata[0]) as keyof typeof paths;
      if (line.length > 0) {
        const table = Object.assign({}, ...line.map((k) => tableOf[k]));
        ports.set(
          path,
          new LinePort(
            path,
            await openSerialStream(o.binding, path, refs[first].baudRate),
            clock,
            table,
            o.deviceClock?.(path),
          ),
        );
      } else {
        const stream = await openSerialStream(o.binding, path, FIRMATA_BAUD);
        boards.set(
          path,
          await firmataModules().connectFirmataBoard(stream, {
            clock,
            timeoutMs: config.handshakeTimeoutMs,
            port: path,
          }),
        );
      }
    }
    // biome-ignore lint/suspicious/noExplicitAny: each driver gets the port with the union table it shares
    const port = (path: string) => ports.get(path) as any;
    const board = (path: string) => (boards.get(path) as FirmataBoard).board;

    const light =
      d.light.backend === "line"
        ? new SerialLightSource(
            port(paths.light),
            clock,
            config.light.map((c, i) => ({ name: c.name, wavelengthNm: c.wavelengthNm, index: c.index ?? i })),
          )
        : new (firmataModules().FirmataLightSource)(
            board(paths.light),
            clock,
            config.light.map((c) => ({
              name: c.name,
              wavelengthNm: c.wavelengthNm,
              pin: c.pin as number,
              maxPowerMw: c.fullScalePowerMw as number,
            })),
          );
    const stimulus =
      d.stimulus.backend === "firmata"
        ? // RigConfig's check guarantees a servo (and each channel's pin and full-scale power) for firmata.
          new (firmataModules().FirmataStimulus)(
            board(paths.stimulus),
            clock,
            d.stimulus.servo as NonNullable<typeof d.stimulus.servo>,
          )
        : d.stimulus.kind === "stripe"
          ? new SerialStripeDisplay(port(paths.stimulus))
          : new SerialStimulus(port(paths.stimulus));
    const eyeTracker = new SerialEyeTracker(port(paths.eyeTracker), d.eyeTracker.calibration);
    if (light instanceof SerialLightSource) await light.connect(config.watchdogMs, config.handshakeTimeoutMs);
    if (stimulus instanceof SerialStimulus)
      await stimulus.connect(d.stimulus.reportRateHz, config.handshakeTimeoutMs, o.needAmplitudeDeg);
    await eyeTracker.connect(config.handshakeTimeoutMs);

    checkpoint();
    o.signal?.removeEventListener("abort", onAbort);
    const lost = new Subject<DeviceFault>();
    const recovered = new Subject<string>();
    const eyeAlone = devicesOn(paths.eyeTracker, "line").length === 1;
    for (const [path, p] of ports)
      p.closed$.subscribe((err) => {
        if (!err) return;
        const message = FAULT_TEXT.portLost(p.path, err.message);
        if (config.faultPolicy === "reconnect" && path === paths.eyeTracker && eyeAlone) {
          lost.next({ device: "eyeTracker", message, recoverable: true });
          reconnectEyeTracker(p);
        } else lost.next({ device: path, message });
      });
    /** Looks for the eye tracker again with growing pauses, until it answers or time runs out. */
    const reconnectEyeTracker = (p: LinePort<never>) => {
      const giveUpAt = clock.now() + config.reconnectTimeoutS * 1000;
      let pauseMs = 250;
      const attempt = async () => {
        try {
          const path = await resolvePort(o.binding, refs.eyeTracker);
          p.reopen(path, await openSerialStream(o.binding, path, refs.eyeTracker.baudRate));
          await eyeTracker.connect(config.handshakeTimeoutMs);
          recovered.next("eyeTracker");
        } catch {
          if (clock.now() + pauseMs > giveUpAt) {
            lost.next({ device: "eyeTracker", message: FAULT_TEXT.notBack(config.reconnectTimeoutS) });
            return;
          }
          clock.schedule(() => void attempt(), pauseMs);
          pauseMs = Math.min(4000, pauseMs * 2);
        }
      };
      clock.schedule(() => void attempt(), pauseMs);
    };
    // What the devices say besides data goes to the event log (notes$) and is counted for session.json. A
    // reset is a fault: the device lost its state (light off, drum stopped).
    const notes = new Subject<DeviceNote>();
    const noteCounts = new Map<string, Partial<Record<DeviceNote["kind"], number>>>();
    const nameOfPath = (path: string) => {
      const on = devicesOn(path, "line");
      return on.length === 1 ? (on[0] as string) : path;
    };
    const note = (path: string, n: Omit<DeviceNote, "device">) => {
      const counts = noteCounts.get(path) ?? {};
      counts[n.kind] = (counts[n.kind] ?? 0) + 1;
      noteCounts.set(path, counts);
      if (n.kind !== "rejected-line" || (counts[n.kind] ?? 0) <= LOGGED_REJECTIONS)
        notes.next({ device: nameOfPath(path), ...n });
    };
    for (const [path, p] of ports) {
      p.notes$.subscribe((n) => {
        if (n.kind === "rejected-line")
          note(path, { kind: n.kind, tMs: n.hostMs, text: `${n.reason}: ${JSON.stringify(n.line)}` });
        else if (n.kind === "clock-jump")
          note(path, {
            kind: n.kind,
            tMs: n.tMs,
            text: `device clock jumped ${n.jumpMs > 0 ? "forward" : "back"} ${Math.abs(n.jumpMs).toFixed(1)} ms; a new clock fit started`,
          });
        else {
          note(path, { kind: "reset", tMs: n.tMs, text: n.text });
          const message = FAULT_TEXT.reset(nameOfPath(path), p.path);
          if (config.faultPolicy === "reconnect" && path === paths.eyeTracker && eyeAlone) {
            lost.next({ device: "eyeTracker", message, recoverable: true });
            eyeTracker.connect(config.handshakeTimeoutMs).then(
              () => recovered.next("eyeTracker"),
              (e: Error) => lost.next({ device: "eyeTracker", message: `after its reset: ${e.message}` }),
            );
          } else lost.next({ device: nameOfPath(path), message });
        }
      });
      p.events$.subscribe(({ event, tMs }) => {
        const e = event as { tag: string; text?: string; status?: string };
        if (e.tag === "W") note(path, { kind: "watchdog", tMs, text: "watchdog fired: every channel off" });
        else if (e.tag === "T") note(path, { kind: "tracker-status", tMs, text: String(e.status) });
        else if (e.tag === "!" && !isBootMessage(String(e.text)))
          note(path, { kind: "message", tMs, text: String(e.text) });
      });
    }
    for (const [path, b] of boards)
      b.lost$.subscribe((l) =>
        lost.next({ device: path, message: FAULT_TEXT.portLost(path, l.error?.message ?? l.reason) }),
      );
    const driverFaults = [light, stimulus, eyeTracker].flatMap((x) =>
      "faults$" in x ? [x.faults$ as Observable<DeviceFault>] : [],
    );
    const drivers: Record<string, object> = { light, stimulus, eyeTracker };
    // Line-protocol drivers keep their HELLO answer; a Firmata board, the name and version its firmware reported.
    const identityOf = (d: object | undefined) =>
      d && "identity" in d ? (d.identity as string[] | undefined) : undefined;
    const report = (): Record<string, DeviceReport> =>
      Object.fromEntries(
        Object.entries(paths).map(([device, path]) => {
          const p = ports.get(path);
          const identity = identityOf(drivers[device]) ?? boards.get(path)?.identity;
          return [
            device,
            {
              port: path,
              ...(identity ? { identity } : {}),
              rejectedLines: p?.rejected ?? 0,
              ...(p ? { clock: p.sync.fit() } : {}),
              ...(noteCounts.has(path) ? { notes: noteCounts.get(path) } : {}),
              ...o.portReport?.(path),
            },
          ];
        }),
      );
    return {
      name: config.name,
      light,
      stimulus,
      eyeTracker,
      faults$: merge(lost, ...driverFaults),
      recovered$: recovered.asObservable(),
      notes$: notes.asObservable(),
      ports,
      drain: () =>
        o.drain({
          lightsDark: light instanceof SerialLightSource ? light.dark() : Promise.resolve(),
          caughtUp: (ms) => Promise.all([...ports.values()].map((p) => p.caughtUp(ms))).then(() => {}),
        }),
      report,
      async close() {
        light.allOff();
        if (light instanceof SerialLightSource) await light.close();
        stimulus.stop();
        await eyeTracker.close();
        await closeAll();
      },
    };
  } catch (e) {
    o.signal?.removeEventListener("abort", onAbort);
    if (o.signal?.aborted) await stopConnecting();
    else await closeAll();
    throw e;
  }
}
