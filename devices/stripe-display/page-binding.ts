// A serialport binding whose port is the stripe display page: the host's unchanged stripe driver opens
// `browser:stripe` as it would open /dev/ttyACM0, and the bytes travel over the page's WebSocket — command
// lines to the page, replies and `P` reports back. The page's frame counts (`! … frames N dropped D`) are
// tallied here, so the session can record how many frames the screen dropped.
import type {
  BindingInterface,
  BindingPortInterface,
  OpenOptions,
  PortInfo,
  PortStatus,
} from "@serialport/bindings-interface";
import type { DeviceReport } from "../rig.ts";
import { parseFrameCounts } from "./stripe-device.ts";

/** The port path the stripe page appears under. */
export const STRIPE_PAGE_PATH = "browser:stripe";

/** The host end of one page's WebSocket (kept abstract: devices/ does not know the web server). */
export interface PageSocket {
  send(text: string): void;
  close(): void;
}

const bindingError = (message: string, props: { canceled?: boolean; disconnected?: boolean } = {}) =>
  Object.assign(new Error(message), props);

class PagePort implements BindingPortInterface {
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
    private readonly pages: StripePageBinding,
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
  }

  push(bytes: Buffer): void {
    if (!this.isOpen) return;
    this.incoming.push(bytes);
    this.serve();
  }

  private serve(): void {
    const r = this.pendingRead;
    if (!r || this.incoming.length === 0) return;
    this.pendingRead = undefined;
    const all = Buffer.concat(this.incoming.splice(0));
    const n = Math.min(all.length, r.length);
    all.copy(r.buffer, r.offset, 0, n);
    if (n < all.length) this.incoming.push(all.subarray(n));
    r.resolve({ buffer: r.buffer, bytesRead: n });
  }

  read(buffer: Buffer, offset: number, length: number): Promise<{ buffer: Buffer; bytesRead: number }> {
    if (!this.isOpen) return Promise.reject(bindingError("port is not open", { canceled: true }));
    if (!this.pages.page)
      return Promise.reject(bindingError("EIO: the stripe page went away", { disconnected: true }));
    return new Promise((resolve, reject) => {
      this.pendingRead = { buffer, offset, length, resolve, reject };
      this.serve();
    });
  }

  write(buffer: Buffer): Promise<void> {
    if (!this.isOpen) return Promise.reject(bindingError("port is not open", { canceled: true }));
    const page = this.pages.page;
    if (!page) return Promise.reject(bindingError("EIO: the stripe page went away", { disconnected: true }));
    page.send(buffer.toString("latin1"));
    return Promise.resolve();
  }

  /** The page closed: a pending read fails as an unplugged device's does. */
  lost(): void {
    const r = this.pendingRead;
    this.pendingRead = undefined;
    r?.reject(bindingError("EIO: the stripe page went away", { disconnected: true }));
  }

  async close(): Promise<void> {
    if (!this.isOpen) return;
    this.isOpen = false;
    this.pages.released(this);
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

export class StripePageBinding implements BindingInterface<PagePort> {
  page: PageSocket | undefined;
  private port: PagePort | undefined;
  private waiting: (() => void)[] = [];
  /** The page's latest frame counts (it sends them every second). */
  counts: DeviceReport["frames"];

  /** @param waitForPageMs how long opening the port waits for a page to connect, wall-clock ms. */
  constructor(
    private readonly waitForPageMs = 0,
    private readonly pageUrl = "the stripe page",
  ) {}

  /** A page connected; returns what to do with its messages and its closing. Only one page at a time. */
  connectPage(socket: PageSocket): { message: (text: string) => void; closed: () => void } | undefined {
    if (this.page) return undefined;
    this.page = socket;
    for (const w of this.waiting.splice(0)) w();
    return {
      message: (text) => {
        for (const line of text.split("\n")) {
          const counts = line.startsWith("! ")
            ? parseFrameCounts(line.split(" ").slice(2).join(" "))
            : undefined;
          if (counts) this.counts = counts;
        }
        this.port?.push(Buffer.from(text, "latin1"));
      },
      closed: () => {
        if (this.page !== socket) return;
        this.page = undefined;
        this.port?.lost();
      },
    };
  }

  /** What the rig reports about the page's port: its frame counts. */
  readonly portReport = (path: string): Partial<DeviceReport> =>
    path === STRIPE_PAGE_PATH && this.counts ? { frames: this.counts } : {};

  released(port: PagePort): void {
    if (this.port === port) this.port = undefined;
  }

  async list(): Promise<PortInfo[]> {
    if (!this.page) return [];
    return [
      {
        path: STRIPE_PAGE_PATH,
        manufacturer: "hokr-lab stripe page",
        serialNumber: undefined,
        pnpId: undefined,
        locationId: undefined,
        productId: undefined,
        vendorId: undefined,
      },
    ];
  }

  async open(options: OpenOptions): Promise<PagePort> {
    if (options.path !== STRIPE_PAGE_PATH)
      throw new Error(`Error: No such file or directory, cannot open ${options.path}`);
    if (!this.page && this.waitForPageMs > 0)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.waitForPageMs);
        this.waiting.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    if (!this.page)
      throw new Error(
        `no stripe page is connected at ${options.path}; open ${this.pageUrl} full-screen on the rig's screen`,
      );
    if (this.port) throw new Error(`Error Resource temporarily unavailable Cannot lock port ${options.path}`);
    this.port = new PagePort(this, options);
    return this.port;
  }
}

/**
 * One binding for a rig whose stimulus is the stripe page and whose other devices are on `others` (the
 * operating system's serial ports, or simulated ones).
 */
export function withStripePage(pages: StripePageBinding, others: BindingInterface): BindingInterface {
  return {
    list: async () => [...(await others.list()), ...(await pages.list())],
    open: (options) => (options.path === STRIPE_PAGE_PATH ? pages.open(options) : others.open(options)),
  } as BindingInterface;
}
