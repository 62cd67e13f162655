// Writes a session folder as the session runs (format: session-folder.ts). The sample files may be formatted and
// written on a thread of their own (sample-writer.ts), woken for every quarter of its ring and at least every
// 250 ms; the other files are buffered here and written with a plain write(2) every 250 ms. Either way rows
// reach the kernel's page cache within a quarter second: a SIGKILL loses at most that. session.json is replaced
// atomically (write + rename), never half-written. A folder that must survive a power loss is forced to disk as
// it grows (in the background) and once more when it closes.
import { mkdirSync, readdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { GainBlock } from "../analysis/gain-block.ts";
import type { SampleBatch } from "../core/samples.ts";
import type { SessionEvent, SessionSink, SessionStatus } from "../engine/session.ts";
import { AppendFile } from "./append-file.ts";
import { formatGainRow, gainTableHeader } from "./gain-table.ts";
import { type SampleFiles, sampleFiles } from "./sample-writer.ts";
import { SESSION_FILES, type SessionMeta } from "./session-folder.ts";

/** The sample files, in the order given to sampleFiles. */
const [EYE, STIMULUS] = [0, 1];

export class SessionRecorder implements SessionSink {
  private readonly events: AppendFile;
  /** The sample files (sample-writer.ts); none in a scratch folder (RunOptions.scratch). */
  private readonly samples: SampleFiles | undefined;
  private readonly gain: AppendFile;
  private readonly files: AppendFile[];
  private readonly timer: NodeJS.Timeout;
  readonly blocks: GainBlock[] = [];
  private closed = false;

  constructor(
    readonly dir: string,
    private meta: SessionMeta,
    {
      scratch = false,
      writerThread = false,
    }: {
      scratch?: boolean;
      /** The sample files written on a thread of their own (sample-writer.ts), rather than inline. */
      writerThread?: boolean;
    } = {},
  ) {
    mkdirSync(dir, { recursive: true });
    if (readdirSync(dir).length > 0)
      throw new Error(
        `${dir}: folder is not empty; choose a new --out folder so no recording is overwritten`,
      );
    this.writeMeta();
    const durable = !scratch;
    this.events = new AppendFile(join(dir, SESSION_FILES.events), "", durable);
    this.gain = new AppendFile(join(dir, SESSION_FILES.gain), gainTableHeader(), durable);
    if (!scratch) {
      const eye = { path: join(dir, SESSION_FILES.eye), header: "t_us\tdevice_us\thost_us\tx_deg\n" };
      const stimulus = {
        path: join(dir, SESSION_FILES.stimulus),
        header: "t_us\tdevice_us\thost_us\tposition_deg\n",
      };
      this.samples = sampleFiles([eye, stimulus], durable, writerThread); // files EYE, STIMULUS
    }
    this.files = [this.events, this.gain];
    this.timer = setInterval(() => this.flush(), 250);
    this.timer.unref();
  }

  private writeMeta(): void {
    const path = join(this.dir, SESSION_FILES.meta);
    writeFileSync(`${path}.tmp`, `${JSON.stringify(this.meta, null, 2)}\n`);
    renameSync(`${path}.tmp`, path);
  }

  event(e: SessionEvent): void {
    const { tMs, ...rest } = e;
    this.events.write(`${JSON.stringify({ t_s: tMs / 1000, ...rest })}\n`);
  }

  eye(b: SampleBatch): void {
    this.samples?.rows(EYE, b);
  }

  stimulus(b: SampleBatch): void {
    this.samples?.rows(STIMULUS, b);
  }

  block(b: GainBlock): void {
    this.blocks.push(b);
    // Its cycles' samples reach the files before its row can: a reader following the folder (the dashboard)
    // that sees a block finds the samples it came from, whatever order later flushes take.
    this.samples?.written();
    this.gain.write(formatGainRow(b));
  }

  flush(): void {
    if (this.closed) return;
    for (const f of this.files) f.flush();
    this.samples?.flush();
  }

  /** Flushes and closes every file, then records how the session ended. Safe to call more than once. */
  finish(
    status: SessionStatus,
    end: NonNullable<SessionMeta["end"]>,
    endedAt: string,
    summary?: SessionMeta["summary"],
    devices?: SessionMeta["devices"],
  ): void {
    if (this.closed) return;
    clearInterval(this.timer);
    this.samples?.close();
    for (const f of this.files) f.close();
    this.closed = true;
    this.meta = {
      ...this.meta,
      status,
      end,
      endedAt,
      ...(summary ? { summary } : {}),
      ...(devices ? { devices } : {}),
    };
    this.writeMeta();
  }
}
