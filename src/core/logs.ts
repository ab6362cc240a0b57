/**
 * Bounded log reads (agent-exec-compat.md §5.3, §5.4, §10.13): head and tail read only the byte ranges
 * they return, whatever the size of the log. Offsets are byte offsets into the raw file;
 * text is decoded lossily (invalid UTF-8 → U+FFFD) like Rust's `from_utf8_lossy`, with the
 * job's masked values shown as `***` (redact.ts; the log lives in its job directory). A
 * value cut by the range's edge is found through a little context read on each side; the
 * ranges stay the raw byte ranges.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { JobError } from './errors';
import { loadRedactor, redactBytes } from './redact';
import { SAFE_READ_FLAGS } from './store/jobDir';

export interface LogSlice {
  text: string;
  /** Half-open byte range [start, end) of the raw log that `text` was decoded from. */
  range: [number, number];
  totalBytes: number;
}

const decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });
export const lossyDecode = (bytes: Uint8Array): string => decoder.decode(bytes);

async function readRange(file: string, start: number, length: number): Promise<{ bytes: Buffer; size: number }> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, SAFE_READ_FLAGS);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { bytes: Buffer.alloc(0), size: 0 };
    throw err;
  }
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw new JobError('internal_error', `${path.basename(file)} is not a regular file`);
    const { size } = st;
    const from = Math.min(start < 0 ? Math.max(0, size + start) : start, size);
    const len = Math.max(0, Math.min(length, size - from));
    const bytes = Buffer.alloc(len);
    let read = 0;
    while (read < len) {
      const { bytesRead } = await handle.read(bytes, read, len - read, from + read);
      if (bytesRead === 0) break;
      read += bytesRead;
    }
    return { bytes: bytes.subarray(0, read), size };
  } finally {
    await handle.close();
  }
}

/** The text of `bytes` (read at `start` of `file`) with the job's masked values redacted. */
async function redactedText(file: string, bytes: Buffer, start: number): Promise<string> {
  const redactor = await loadRedactor(path.dirname(file));
  if (!redactor) return lossyDecode(bytes);
  const m = redactor.margin;
  const before = m > 0 && start > 0 ? (await readRange(file, Math.max(0, start - m), Math.min(m, start))).bytes : Buffer.alloc(0);
  const after = m > 0 ? (await readRange(file, start + bytes.length, m)).bytes : Buffer.alloc(0);
  return redactBytes(redactor, bytes, lossyDecode, before, after);
}

/** The first `maxBytes` bytes of a log (run/start inline output). */
export async function readHead(file: string, maxBytes: number): Promise<LogSlice> {
  const { bytes, size } = await readRange(file, 0, maxBytes);
  return { text: await redactedText(file, bytes, 0), range: [0, bytes.length], totalBytes: size };
}

/**
 * The last `tailLines` lines within the last `maxBytes` bytes (`tailLines` 0 = no line limit).
 * A window that starts mid-line counts that partial line as a line.
 */
export async function readTail(file: string, tailLines: number, maxBytes: number): Promise<LogSlice> {
  const { bytes: window, size } = await readRange(file, -maxBytes, maxBytes);
  const w = size - window.length;
  let skip = 0;
  if (tailLines > 0) {
    // Walk back over at most tailLines newlines (a final '\n' ends the last line, it does not start one).
    let end = window.length;
    if (end > 0 && window[end - 1] === 0x0a) end--;
    let lines = 0;
    let i = end;
    while (i > 0) {
      const nl = window.lastIndexOf(0x0a, i - 1);
      lines++;
      if (lines === tailLines) {
        skip = nl + 1;
        break;
      }
      if (nl < 0) break;
      i = nl;
    }
  }
  return { text: await redactedText(file, window.subarray(skip), w + skip), range: [w + skip, size], totalBytes: size };
}

/** Reads `[start, end)` of a log, for paging through large files. */
export async function readSlice(file: string, start: number, end: number): Promise<LogSlice> {
  const { bytes, size } = await readRange(file, start, Math.max(0, end - start));
  const from = Math.min(start, size);
  return { text: await redactedText(file, bytes, from), range: [from, from + bytes.length], totalBytes: size };
}
