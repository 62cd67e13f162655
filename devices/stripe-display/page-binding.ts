// A serialport binding whose port is the stripe display page: the host's unchanged stripe driver opens
// `browser:stripe` as it would open /dev/ttyACM0, and the bytes travel over the page's WebSocket — command
// lines to the page, replies and `P` reports back. The page's frame counts (`! … frames N dropped D`) are
// tallied here, so the session can record how many frames the screen dropped.
import type { BindingInterface, OpenOptions, PortInfo } from "@serialport/bindings-interface";
import { QueuedPort } from "../queued-port.ts";
import type { DeviceReport } from "../rig.ts";
import { parseFrameCounts } from "./stripe-device.ts";

/** The port path the stripe page appears under. */
export const STRIPE_PAGE_PATH = "browser:stripe";

/** The host end of one page's WebSocket (kept abstract: devices/ does not know the web server). */
export interface PageSocket {
  send(text: string): void;
  close(): void;
}

class PagePort extends QueuedPort {
  constructor(
    private readonly pages: StripePageBinding,
    options: OpenOptions,
  ) {
    super(options);
  }

  protected get present(): boolean {
    return this.pages.page !== undefined;
  }

  protected deliver(bytes: Buffer): void {
    this.pages.page?.send(bytes.toString("latin1"));
  }

  /** The page closed: a pending read fails as an unplugged device's does. */
  pageClosed(): void {
    this.lost();
  }

  protected override onClose(): void {
    this.pages.released(this);
  }
}

export class StripePageBinding implements BindingInterface<PagePort> {
  page: PageSocket | undefined;
  private port: PagePort | undefined;
  private waiting: (() => void)[] = [];
  /** The page's latest frame counts (it sends them every second). */
  counts: DeviceReport["frames"];

  constructor(private readonly pageUrl = "the stripe page") {}

  /**
   * Resolves once a page is connected; rejects after `timeoutMs` (wall clock) naming what to open. A session
   * waits here before its clock starts, so the rig's other devices never wait for a browser.
   */
  waitForPage(timeoutMs: number): Promise<void> {
    if (this.page) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(this.missing(timeoutMs))), timeoutMs);
      this.waiting.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private missing(waitedMs?: number): string {
    const waited = waitedMs === undefined ? "" : ` within ${waitedMs / 1000} s`;
    return `no stripe page connected${waited}; open ${this.pageUrl} full-screen on the rig's screen`;
  }

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
        this.port?.pageClosed();
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
    if (!this.page) throw new Error(`${options.path}: ${this.missing()}`);
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
