/**
 * Streams one log file of a job to the panel as byte-range chunks (issue 5): a tail window
 * first, then appends pushed on file-system events (fs.watch on the job directory; nothing
 * polls), then earlier ranges on request. However fast the job writes, at most one chunk per
 * FLUSH_MS leaves, and a writer that outruns the panel gets a fresh tail instead of a backlog.
 * Reads are bounded byte ranges (core/logs.ts), so a 1 GB log opens as fast as a small one.
 * No `vscode` import: unit tests and benches drive it directly.
 */
import { watch, type FSWatcher } from 'node:fs';
import { fileSize } from '../../core/store/jobDir';
import { readSlice, readTail, type LogSlice } from '../../core/logs';
import { REDACTED } from '../../core/redact';
import { MAX_RANGE_BYTES, type LogChunk } from '../../protocol/jobPanel';

/** A `log/chunk` message's payload, less the job and stream the session adds. */
export type LogFeedChunk = Omit<Parameters<typeof LogChunk.create>[0], 'jobId' | 'stream'>;

export interface LogFeedOptions {
  /** Bytes of the first window. */
  tailBytes: number;
  /** Bytes of a catch-up tail (the writer outran the panel): small, the panel only shows its end. */
  catchUpBytes: number;
  /** Lines of the first window at most (a line-aligned start). */
  tailLines: number;
  /** More new bytes than this at a flush: skip to a fresh tail (the skipped part stays loadable). */
  maxAppendBytes: number;
  /** Minimum time between two flushes: bounds the message rate. */
  flushMs: number;
  /** An unterminated last line is held back this long, in case the writer is mid-line (or mid-character). */
  partialMs: number;
}

export const DEFAULT_LOG_FEED_OPTIONS: LogFeedOptions = {
  tailBytes: 256 * 1024,
  catchUpBytes: 64 * 1024,
  tailLines: 5000,
  maxAppendBytes: 1024 * 1024,
  flushMs: 50,
  partialMs: 250,
};

const REPLACEMENT = '\uFFFD';

/**
 * The part of `slice` that ends at its last newline, with its exact end offset, or undefined
 * when that cannot be cut exactly (no newline, or the remainder holds a lossy-decoded byte).
 */
function cutAtLastNewline(slice: LogSlice): { text: string; end: number } | undefined {
  const nl = slice.text.lastIndexOf('\n');
  if (nl < 0) return undefined;
  const rest = slice.text.slice(nl + 1);
  // A lossy byte or a redacted value: the text's length no longer gives the byte offset.
  if (rest.includes(REPLACEMENT) || rest.includes(REDACTED)) return undefined;
  return { text: slice.text.slice(0, nl + 1), end: slice.range[1] - Buffer.byteLength(rest) };
}

/**
 * Drops the partial first line of a range that starts mid-file, so paging up lands on line
 * starts; leading U+FFFD from a character split by the range start count one byte each.
 */
function skipPartialFirstLine(slice: LogSlice): LogSlice {
  if (slice.range[0] === 0) return slice;
  const nl = slice.text.indexOf('\n');
  if (nl < 0 || nl === slice.text.length - 1) return slice;
  const head = slice.text.slice(0, nl + 1);
  const split = /^\uFFFD{0,3}/.exec(head)?.[0].length ?? 0;
  if (head.slice(split).includes(REPLACEMENT) || head.includes(REDACTED)) return slice;
  const bytes = split + Buffer.byteLength(head.slice(split));
  return { text: slice.text.slice(nl + 1), range: [slice.range[0] + bytes, slice.range[1]], totalBytes: slice.totalBytes };
}

export class LogFeed {
  /** Bytes [0, sent) have been shown (or skipped over by a tail). */
  private sent = 0;
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private partialTimer: NodeJS.Timeout | undefined;
  private lastFlush = 0;
  private flushing = false;
  private again = false;
  private force = false;
  private disposed = false;

  constructor(
    private readonly file: string,
    /** The job directory: watched for appends, and `onDirEvent` hears about other files (state.json). */
    private readonly dir: string,
    private readonly send: (chunk: LogFeedChunk) => void,
    private readonly opts: LogFeedOptions = DEFAULT_LOG_FEED_OPTIONS,
    private readonly onDirEvent?: (filename: string) => void,
  ) {}

  /** Sends the tail window and starts watching. */
  async start(): Promise<void> {
    try {
      this.watcher = watch(this.dir, { persistent: false }, (_event, filename) => {
        if (filename) this.onDirEvent?.(filename.toString());
        this.schedule();
      });
      this.watcher.on('error', () => this.schedule());
    } catch {
      // The job directory is gone: the tail below reports an empty log.
    }
    await this.sendTail();
  }

  /**
   * Answers a `log/loadRange` request (bounded by MAX_RANGE_BYTES). Ranges `above` the window
   * start at a line start, ranges `below` it end at a line end, so no character is split.
   */
  async loadRange(start: number, end: number, direction: 'above' | 'below'): Promise<void> {
    const raw = await readSlice(this.file, start, Math.min(end, start + MAX_RANGE_BYTES));
    let slice = raw;
    if (direction === 'above') slice = skipPartialFirstLine(raw);
    else if (raw.range[1] < raw.totalBytes) {
      const cut = cutAtLastNewline(raw);
      if (cut) slice = { text: cut.text, range: [raw.range[0], cut.end], totalBytes: raw.totalBytes };
    }
    if (this.disposed) return;
    this.send({ kind: 'range', start: slice.range[0], end: slice.range[1], total: slice.totalBytes, text: slice.text });
  }

  dispose(): void {
    this.disposed = true;
    this.watcher?.close();
    clearTimeout(this.timer);
    clearTimeout(this.partialTimer);
  }

  private async sendTail(bytes = this.opts.tailBytes): Promise<void> {
    const slice = await readTail(this.file, this.opts.tailLines, bytes);
    if (this.disposed) return;
    const cut = cutAtLastNewline(slice);
    const end = cut?.end ?? slice.range[1];
    this.sent = end;
    this.send({ kind: 'tail', start: slice.range[0], end, total: slice.totalBytes, text: cut?.text ?? slice.text });
    clearTimeout(this.partialTimer);
    this.partialTimer = undefined;
    if (end < slice.totalBytes) this.armPartial();
  }

  /** At most one flush per flushMs; events in between (or during a flush) are folded into the next one. */
  private schedule(): void {
    if (this.disposed || this.timer) return;
    if (this.flushing) {
      this.again = true;
      return;
    }
    const wait = Math.max(0, this.lastFlush + this.opts.flushMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush(false);
    }, wait);
  }

  /** Arms the partial-line timer unless it is already running (a stream of dots must not postpone it). */
  private armPartial(): void {
    if (this.partialTimer) return;
    this.partialTimer = setTimeout(() => {
      this.partialTimer = undefined;
      void this.flush(true);
    }, this.opts.partialMs);
  }

  /** Sends new bytes; `force` sends an unterminated last line too (the writer went quiet). */
  private async flush(force: boolean): Promise<void> {
    this.force ||= force;
    if (this.flushing) {
      this.again = true;
      return;
    }
    this.flushing = true;
    this.lastFlush = Date.now();
    try {
      const f = this.force;
      this.force = false;
      await this.flushOnce(f);
    } catch {
      // A vanished or unreadable file: the next event (or none) decides; the panel keeps what it has.
    } finally {
      this.flushing = false;
    }
    if (this.again) {
      this.again = false;
      this.schedule();
    }
  }

  private async flushOnce(force: boolean): Promise<void> {
    const size = await fileSize(this.file);
    if (this.disposed) return;
    if (size < this.sent) {
      // Truncated (a restart re-creates the log): start over from its tail.
      await this.sendTail();
      return;
    }
    if (size - this.sent > this.opts.maxAppendBytes) {
      // Outrun: jump to a short tail; the skipped bytes stay loadable by scrolling up.
      await this.sendTail(this.opts.catchUpBytes);
      return;
    }
    if (size === this.sent) return;
    const slice = await readSlice(this.file, this.sent, size);
    if (this.disposed || slice.range[0] !== this.sent) return;
    const cut = force ? undefined : cutAtLastNewline(slice);
    if (cut) {
      this.emitAppend(cut.text, cut.end, slice.totalBytes);
      if (cut.end < slice.range[1]) this.armPartial();
    } else if (force || slice.text.includes('\n')) {
      // Forced, or a remainder that cannot be cut exactly (a lossy-decoded byte): send all of it.
      this.emitAppend(slice.text, slice.range[1], slice.totalBytes);
    } else {
      this.armPartial();
    }
  }

  private emitAppend(text: string, end: number, total: number): void {
    clearTimeout(this.partialTimer);
    this.partialTimer = undefined;
    if (end === this.sent) return;
    const start = this.sent;
    this.sent = end;
    this.send({ kind: 'append', start, end, total, text });
  }
}
