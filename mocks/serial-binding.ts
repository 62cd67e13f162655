// A serialport binding whose ports are simulated devices: the real drivers open them exactly as they open
// /dev/ttyACM0, and bytes flow through SerialPortStream and the readline parser as on a rig. A device sees
// host bytes the moment they are written and pushes its own bytes back with `send`. Ports can be unplugged
// and replugged (possibly under a new path, as Linux renames ttyACM0 → ttyACM1), for fault tests.
import type { BindingInterface, OpenOptions, PortInfo } from "@serialport/bindings-interface";
import { QueuedPort } from "../devices/queued-port.ts";

/** The device side of a simulated port. */
export interface SimulatedSerialDevice {
  /** Bytes from the host, as written. */
  receive(bytes: Uint8Array): void;
  /**
   * Called when the host opens the port: the device sends its bytes through `send` until `detach`. The bytes
   * are lent for the call (the device reuses its buffer): `send` copies what it keeps.
   */
  attach(send: (bytes: Uint8Array) => void): void;
  detach(): void;
}

interface Entry {
  info: PortInfo;
  device: SimulatedSerialDevice;
  open?: SimulatedPort;
  plugged: boolean;
}

const ports = new Map<string, Entry>();

class SimulatedPort extends QueuedPort {
  constructor(
    private readonly entry: Entry,
    options: OpenOptions,
  ) {
    super(options);
    entry.device.attach((bytes) => this.push(Buffer.from(bytes)));
  }

  protected get present(): boolean {
    return this.entry.plugged;
  }

  protected deliver(bytes: Buffer): void {
    this.entry.device.receive(new Uint8Array(bytes));
  }

  /** The device vanished: the pending read fails as a real unplug's EIO does. */
  unplug(): void {
    this.lost();
    this.entry.device.detach();
  }

  protected override onClose(): void {
    if (this.entry.open === this) {
      this.entry.open = undefined;
      if (this.entry.plugged) this.entry.device.detach();
    }
  }
}

export const SimulatedBinding: BindingInterface<SimulatedPort> = {
  async list() {
    return [...ports.values()].filter((e) => e.plugged).map((e) => e.info);
  },
  async open(options) {
    const entry = ports.get(options.path);
    if (!entry?.plugged) throw new Error(`Error: No such file or directory, cannot open ${options.path}`);
    if (entry.open)
      throw new Error(`Error Resource temporarily unavailable Cannot lock port ${options.path}`);
    entry.open = new SimulatedPort(entry, options);
    return entry.open;
  },
};

/** Registers a simulated device under a port path, with the USB identity `hokr ports` would show. */
export function plugSimulatedDevice(
  device: SimulatedSerialDevice,
  info: Partial<PortInfo> & { path: string },
): void {
  ports.set(info.path, {
    info: {
      manufacturer: "hokr-lab (simulated)",
      serialNumber: undefined,
      pnpId: undefined,
      locationId: undefined,
      productId: undefined,
      vendorId: undefined,
      ...info,
    },
    device,
    plugged: true,
  });
}

/** Pulls the plug: the host's open port fails with EIO; the path disappears from the list. */
export function unplugSimulatedDevice(path: string): void {
  const entry = ports.get(path);
  if (!entry) return;
  entry.plugged = false;
  entry.open?.unplug();
  entry.open = undefined;
  ports.delete(path);
}

/** Bytes as if the device on `path` had sent them (fault tests: a corrupted, reset or mis-stamped line). */
export function injectDeviceBytes(path: string, text: string): void {
  ports.get(path)?.open?.push(Buffer.from(text, "latin1"));
}

/** Bytes devices have sent that the host has not read yet, over every open port. */
export const simulatedBacklog = (): number =>
  [...ports.values()].reduce((n, e) => n + (e.open?.backlog ?? 0), 0);

export function resetSimulatedPorts(): void {
  for (const path of [...ports.keys()]) unplugSimulatedDevice(path);
}
