// A serialport binding whose ports are simulated devices: the real drivers open them exactly as they open
// /dev/ttyACM0, and bytes flow through SerialPortStream and the readline parser as on a rig. A device sees
// host bytes the moment they are written and pushes its own bytes back with `send`. Ports can be unplugged
// and replugged (possibly under a new path, as Linux renames ttyACM0 → ttyACM1), for fault tests.
import type {
  BindingInterface,
  BindingPortInterface,
  OpenOptions,
  PortInfo,
  PortStatus,
} from "@serialport/bindings-interface";

/** The device side of a simulated port. */
export interface SimulatedSerialDevice {
  /** Bytes from the host, as written. */
  receive(bytes: Uint8Array): void;
  /** Called when the host opens the port: the device sends its bytes through `send` until `detach`. */
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

const bindingError = (message: string, props: { canceled?: boolean; disconnected?: boolean } = {}) =>
  Object.assign(new Error(message), props);

class SimulatedPort implements BindingPortInterface {
  isOpen = true;
  readonly openOptions: Required<OpenOptions>;
  private readonly incoming: Buffer[] = [];
  private pendingRead:
    | {
        buffer: Buffer;
        offset: number;
        length: number;
        resolve: (r: { buffer: Buffer; bytesRead: number }) => void;
        reject: (e: Error) => void;
      }
    | undefined;

  constructor(
    private readonly entry: Entry,
    options: OpenOptions,
  ) {
    this.openOptions = {
      dataBits: 8,
      lock: true,
      stopBits: 1,
      parity: "none",
      rtscts: false,
      xon: false,
      xoff: false,
      xany: false,
      hupcl: true,
      ...options,
    } as Required<OpenOptions>;
    entry.device.attach((bytes) => this.push(Buffer.from(bytes)));
  }

  /** Bytes waiting for the host to read. */
  get backlog(): number {
    return this.incoming.reduce((n, b) => n + b.length, 0);
  }

  private push(bytes: Buffer): void {
    if (!this.isOpen) return;
    this.incoming.push(bytes);
    this.serve();
  }

  private serve(): void {
    const r = this.pendingRead;
    if (!r || this.incoming.length === 0) return;
    this.pendingRead = undefined;
    let n = 0;
    while (n < r.length && this.incoming.length > 0) {
      const head = this.incoming[0] as Buffer;
      const take = Math.min(head.length, r.length - n);
      head.copy(r.buffer, r.offset + n, 0, take);
      n += take;
      if (take === head.length) this.incoming.shift();
      else this.incoming[0] = head.subarray(take);
    }
    r.resolve({ buffer: r.buffer, bytesRead: n });
  }

  read(buffer: Buffer, offset: number, length: number): Promise<{ buffer: Buffer; bytesRead: number }> {
    if (!this.isOpen) return Promise.reject(bindingError("port is not open", { canceled: true }));
    if (!this.entry.plugged)
      return Promise.reject(bindingError("EIO: device disconnected", { disconnected: true }));
    return new Promise((resolve, reject) => {
      this.pendingRead = { buffer, offset, length, resolve, reject };
      this.serve();
    });
  }

  write(buffer: Buffer): Promise<void> {
    if (!this.isOpen) return Promise.reject(bindingError("port is not open", { canceled: true }));
    if (!this.entry.plugged)
      return Promise.reject(bindingError("EIO: device disconnected", { disconnected: true }));
    this.entry.device.receive(new Uint8Array(buffer));
    return Promise.resolve();
  }

  /** The device vanished: the pending read fails as a real unplug's EIO does. */
  unplug(): void {
    const r = this.pendingRead;
    this.pendingRead = undefined;
    this.entry.device.detach();
    r?.reject(bindingError("EIO: device disconnected", { disconnected: true }));
  }

  async close(): Promise<void> {
    if (!this.isOpen) return;
    this.isOpen = false;
    if (this.entry.open === this) {
      this.entry.open = undefined;
      if (this.entry.plugged) this.entry.device.detach();
    }
    const r = this.pendingRead;
    this.pendingRead = undefined;
    r?.reject(bindingError("port closed", { canceled: true }));
  }

  async update(): Promise<void> {}
  async set(): Promise<void> {}
  async get(): Promise<PortStatus> {
    return { cts: true, dsr: true, dcd: true };
  }
  async getBaudRate(): Promise<{ baudRate: number }> {
    return { baudRate: this.openOptions.baudRate };
  }
  async flush(): Promise<void> {
    this.incoming.length = 0;
  }
  async drain(): Promise<void> {}
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

/** Bytes devices have sent that the host has not read yet, over every open port. */
export const simulatedBacklog = (): number =>
  [...ports.values()].reduce((n, e) => n + (e.open?.backlog ?? 0), 0);

export function resetSimulatedPorts(): void {
  for (const path of [...ports.keys()]) unplugSimulatedDevice(path);
}
