/**
 * Follows a job's `stdout.log`/`stderr.log` (which the workload writes directly) and turns
 * them into `full.log` lines (`<timestamp> [STDOUT] <line>`, agent-exec-compat.md §3.4) and line
 * callbacks for output matching. It only reads files the workload has already written, so it
 * can never slow the workload down (agent-exec-compat.md §10.11).
 */
import { watch, promises as fs, type FSWatcher } from 'node:fs';
import { lossyDecode } from '../logs';
import { nowTimestamp } from '../time';

export type StreamName = 'stdout' | 'stderr';
/** Receives the complete lines of one read, in order. */
export type LineHandler = (stream: StreamName, lines: readonly string[]) => Promise<void> | void;

const CHUNK_BYTES = 256 * 1024;
/** A "line" longer than this is cut, so a newline-free stream cannot exhaust memory. */
const MAX_LINE_BYTES = 1024 * 1024;
/** Fallback re-check for missed watch events (e.g. after the log file was deleted). */
const FALLBACK_TICK_MS = 1000;

class StreamFollower {
  private offset = 0;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private reading?: Promise<void>;
  private again = false;
  private closed = false;
  private watcher?: FSWatcher;

  private constructor(
    private readonly name: StreamName,
    private readonly handle: fs.FileHandle,
    private readonly out: fs.FileHandle,
    private readonly onLine: LineHandler,
  ) {}

  static async open(name: StreamName, file: string, out: fs.FileHandle, onLine: LineHandler, from = 0): Promise<StreamFollower> {
    const f = new StreamFollower(name, await fs.open(file, 'r'), out, onLine);
    f.offset = from;
    try {
      f.watcher = watch(file, { persistent: false }, () => f.kick());
      f.watcher.on('error', () => undefined);
    } catch {
      /* the fallback tick still reads */
    }
    return f;
  }

  /**
   * Reads whatever is new. Reads never overlap, and a burst of change events costs one more
   * pass, not one pass each.
   */
  kick(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.again = true;
    this.reading ??= this.readLoop();
    return this.reading;
  }

  private async readLoop(): Promise<void> {
    try {
      while (this.again) {
        this.again = false;
        await this.readNew();
      }
    } catch {
      // A read error (log replaced by something unreadable) ends this pass; the next kick retries.
    } finally {
      this.reading = undefined;
    }
  }

  private async readNew(): Promise<void> {
    const buf = Buffer.allocUnsafe(CHUNK_BYTES);
    for (;;) {
      const { bytesRead } = await this.handle.read(buf, 0, CHUNK_BYTES, this.offset);
      if (bytesRead === 0) {
        // Truncated underneath us: continue from the new end.
        const { size } = await this.handle.stat();
        if (size < this.offset) this.offset = size;
        return;
      }
      this.offset += bytesRead;
      await this.consume(buf.subarray(0, bytesRead));
    }
  }

  private async consume(chunk: Buffer): Promise<void> {
    const lines: string[] = [];
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      if (nl < 0) break;
      lines.push(this.takeLine(chunk.subarray(start, nl)));
      start = nl + 1;
    }
    if (start < chunk.length) {
      const rest = Buffer.from(chunk.subarray(start));
      this.pending.push(rest);
      this.pendingBytes += rest.length;
      if (this.pendingBytes >= MAX_LINE_BYTES) lines.push(this.takeLine(Buffer.alloc(0)));
    }
    await this.emit(lines);
  }

  private takeLine(tail: Buffer): string {
    const bytes = this.pending.length > 0 ? Buffer.concat([...this.pending, tail]) : tail;
    this.pending = [];
    this.pendingBytes = 0;
    return lossyDecode(bytes);
  }

  private async emit(lines: string[]): Promise<void> {
    if (lines.length === 0) return;
    const ts = nowTimestamp();
    const tag = this.name === 'stdout' ? '[STDOUT]' : '[STDERR]';
    await this.out.write(lines.map((l) => `${ts} ${tag} ${l}\n`).join(''));
    await this.onLine(this.name, lines);
  }

  /** Reads to the current end, emits a final unterminated line, and stops. */
  async finish(): Promise<void> {
    this.watcher?.close();
    await this.kick();
    this.closed = true;
    await this.reading;
    if (this.pendingBytes > 0) await this.emit([this.takeLine(Buffer.alloc(0))]).catch(() => undefined);
    await this.handle.close().catch(() => undefined);
  }
}

export class LogFollower {
  private tick?: NodeJS.Timeout;

  private constructor(
    private readonly streams: StreamFollower[],
    private readonly out: fs.FileHandle,
  ) {}

  /** Starts following (at byte offsets `from`); `full` is the combined log, opened (appending) by the caller. */
  static async start(
    files: { stdout: string; stderr: string },
    full: fs.FileHandle,
    onLine: LineHandler,
    from = { stdout: 0, stderr: 0 },
  ): Promise<LogFollower> {
    const streams = [
      await StreamFollower.open('stdout', files.stdout, full, onLine, from.stdout),
      await StreamFollower.open('stderr', files.stderr, full, onLine, from.stderr),
    ];
    const f = new LogFollower(streams, full);
    f.tick = setInterval(() => streams.forEach((s) => void s.kick()), FALLBACK_TICK_MS);
    f.tick.unref();
    streams.forEach((s) => void s.kick());
    return f;
  }

  /** Drains both streams to their current end and closes everything. */
  async finish(): Promise<void> {
    clearInterval(this.tick);
    for (const s of this.streams) await s.finish();
    await this.out.close().catch(() => undefined);
  }
}
