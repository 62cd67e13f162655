// Writes a session folder as the session runs (format: session-folder.ts). Rows are buffered and written
// with a plain write(2) at least every 250 ms, which puts them in the kernel's page cache: a SIGKILL loses
// at most the last quarter second. session.json is replaced atomically (write + rename), never half-written.
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import type { GainBlock } from "../analysis/gain-block.ts";
import type { EyeSample, StimulusSample } from "../core/samples.ts";
import type { SessionEvent, SessionSink, SessionStatus } from "../engine/session.ts";
import { formatGainRow, gainTableHeader } from "./gain-table.ts";
import { SESSION_FILES, type SessionMeta } from "./session-folder.ts";

class AppendFile {
  private readonly fd: number;
  private chunks: string[] = [];
  private size = 0;

  constructor(path: string, header: string) {
    this.fd = openSync(path, "a");
    this.write(header);
  }

  write(text: string): void {
    this.chunks.push(text);
    this.size += text.length;
    if (this.size > 1 << 16) this.flush();
  }

  flush(): void {
    if (this.chunks.length === 0) return;
    writeSync(this.fd, this.chunks.join(""));
    this.chunks = [];
    this.size = 0;
  }

  close(): void {
    this.flush();
    fsyncSync(this.fd);
    closeSync(this.fd);
  }
}

const fixed4 = (x: number) => (Number.isNaN(x) ? "NaN" : x.toFixed(4));
const micros = (tMs: number) => Math.round(tMs * 1000);

export class SessionRecorder implements SessionSink {
  private readonly events: AppendFile;
  private readonly eyeFile: AppendFile;
  private readonly stimulusFile: AppendFile;
  private readonly gain: AppendFile;
  private readonly timer: NodeJS.Timeout;
  readonly blocks: GainBlock[] = [];
  private closed = false;

  constructor(
    readonly dir: string,
    private meta: SessionMeta,
  ) {
    mkdirSync(dir, { recursive: true });
    if (readdirSync(dir).length > 0)
      throw new Error(
        `${dir}: folder is not empty; choose a new --out folder so no recording is overwritten`,
      );
    this.writeMeta();
    this.events = new AppendFile(join(dir, SESSION_FILES.events), "");
    this.eyeFile = new AppendFile(join(dir, SESSION_FILES.eye), "t_us\tdevice_us\thost_us\tx_deg\n");
    this.stimulusFile = new AppendFile(
      join(dir, SESSION_FILES.stimulus),
      "t_us\tdevice_us\thost_us\tposition_deg\n",
    );
    this.gain = new AppendFile(join(dir, SESSION_FILES.gain), gainTableHeader());
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

  eye(s: EyeSample): void {
    this.eyeFile.write(`${micros(s.tMs)}\t${s.deviceUs}\t${micros(s.hostMs)}\t${fixed4(s.xDeg)}\n`);
  }

  stimulus(s: StimulusSample): void {
    this.stimulusFile.write(
      `${micros(s.tMs)}\t${s.deviceUs}\t${micros(s.hostMs)}\t${fixed4(s.positionDeg)}\n`,
    );
  }

  block(b: GainBlock): void {
    this.blocks.push(b);
    this.gain.write(formatGainRow(b));
  }

  flush(): void {
    if (this.closed) return;
    for (const f of [this.events, this.eyeFile, this.stimulusFile, this.gain]) f.flush();
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
    for (const f of [this.events, this.eyeFile, this.stimulusFile, this.gain]) f.close();
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
