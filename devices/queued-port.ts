// A serialport binding's port whose device lives in this process (a simulated device, the stripe display
// page's WebSocket): bytes the device sends wait in a queue until SerialPortStream reads them, and the host's
// writes go straight to the device. A device that goes away fails the pending read with EIO, as an unplugged
// USB device does, so the drivers' fault handling is the one a rig exercises.
import type { BindingPortInterface, OpenOptions, PortStatus } from "@serialport/bindings-interface";

const bindingError = (message: string, props: { canceled?: boolean; disconnected?: boolean } = {}) =>
  Object.assign(new Error(message), props);

const gone = () => bindingError("EIO: device disconnected", { disconnected: true });

export abstract class QueuedPort implements BindingPortInterface {
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

  constructor(options: OpenOptions) {
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
  }

  /** Whether the device is still there; reads and writes fail with EIO once it is not. */
  protected abstract get present(): boolean;
  /** Hands the host's bytes to the device. */
  protected abstract deliver(bytes: Buffer): void;
  /** The host closed the port. */
  protected onClose(): void {}

  /** Bytes waiting for the host to read. */
  get backlog(): number {
    return this.incoming.reduce((n, b) => n + b.length, 0);
  }

  /** Bytes from the device. */
  push(bytes: Buffer): void {
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
    if (!this.present) return Promise.reject(gone());
    return new Promise((resolve, reject) => {
      this.pendingRead = { buffer, offset, length, resolve, reject };
      this.serve();
    });
  }

  write(buffer: Buffer): Promise<void> {
    if (!this.isOpen) return Promise.reject(bindingError("port is not open", { canceled: true }));
    if (!this.present) return Promise.reject(gone());
    this.deliver(buffer);
    return Promise.resolve();
  }

  /** The device vanished: the pending read fails as a real unplug's EIO does. */
  protected lost(): void {
    const r = this.pendingRead;
    this.pendingRead = undefined;
    r?.reject(gone());
  }

  async close(): Promise<void> {
    if (!this.isOpen) return;
    this.isOpen = false;
    this.onClose();
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
