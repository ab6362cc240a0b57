/**
 * The `list` index: what makes `list --limit 50` read a bounded amount whatever the store size.
 *
 * Two files in the root (agent-exec ignores files there, in list, gc and delete):
 * - `.list-index.body`: settled jobs (finished, directory unchanged for SETTLE_MS), one JSON
 *   line each, `[name, dirMtimeMs, summary]`, sorted as list sorts. A listing reads it from
 *   the top and stops once the page is full. Written by rename, rarely (MERGE_AT).
 * - `.list-index`: one JSON line, written in place (so that writing it does not change the
 *   root's mtime): the root's mtime, ctime and number of directories when it was made, the
 *   body's token, and the "live" names (every other directory: running, created, unreadable,
 *   recently finished), which are read from disk on every listing.
 *
 * Trust: the header holds only while the root's mtime, ctime and directory count (nlink - 2)
 * are the ones it recorded, i.e. no job directory was added or removed by anyone (agent-exec
 * 0.2.3, a crash, `rm -r`). Otherwise the root is read again (names only) and compared with the
 * body; new directories become live, vanished ones are dropped. A settled job can still change
 * its tags (its directory's mtime then changes): tag filters check every body entry they use,
 * and the page shown is always checked against disk.
 */
import {
  closeSync,
  constants as fsConstants,
  fstatSync,
  ftruncateSync,
  lstatSync,
  openSync,
  readFileSync,
  readSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { randomBytes } from 'node:crypto';
import { StringDecoder } from 'node:string_decoder';
import * as path from 'node:path';
import { isTerminal } from '../schema';
import { writeFileAtomic } from '../store/atomicWrite';
import type { ListState } from './list';

const LIST_INDEX_NAME = '.list-index';
const LIST_INDEX_BODY_NAME = '.list-index.body';
/** The summary cache of the previous version; removed when the index is built. */
const OLD_CACHE_NAME = '.list-cache.json';
const VERSION = 2;
/** A job directory unchanged for this long is settled enough to index. */
const SETTLE_MS = 2000;
/** Settled jobs kept live (re-read on each listing) before the body is rewritten to take them. */
export const MERGE_AT = 32;
/** Larger index files are not ours, or cost more than they save: ignored (rebuilt). */
const MAX_HEADER_BYTES = 4 * 1024 * 1024;
const MAX_BODY_BYTES = 256 * 1024 * 1024;
const READ_CHUNK = 64 * 1024;

/** What list needs of one job. */
export interface Summary {
  job_id: string;
  created_at: string;
  cwd?: string;
  tags: string[];
  state: ListState;
  exit_code?: number;
  started_at?: string;
  finished_at?: string;
  updated_at?: string;
  error?: string;
}

/** A settled job as indexed: its directory name, the directory's mtime then, its summary. */
export type IndexEntry = [name: string, mtimeMs: number, summary: Summary];

export interface IndexHeader {
  version: number;
  root_mtime_ns: string;
  root_ctime_ns: string;
  dirs: number;
  body: string;
  live: string[];
}

/** A directory name the index may join onto the root (the files may have been edited by anyone). */
const isDirName = (n: unknown): n is string => typeof n === 'string' && n !== '' && n !== '.' && n !== '..' && !/[/\0]/.test(n);
/** A name fit for the body: nothing that JSON escapes, so that a line's name is read without parsing it. */
// eslint-disable-next-line no-control-regex -- control characters are what JSON escapes
const isPlainName = (n: unknown): n is string => isDirName(n) && !/[\\"\u0000-\u001f\u007f]/.test(n);

export interface RootStamp {
  mtimeNs: bigint;
  ctimeNs: bigint;
  nlink: bigint;
}

/** The root's stamp, or undefined when it does not exist. */
export function rootStamp(root: string): RootStamp | undefined {
  try {
    const st = statSync(root, { bigint: true });
    return st.isDirectory() ? { mtimeNs: st.mtimeNs, ctimeNs: st.ctimeNs, nlink: st.nlink } : undefined;
  } catch {
    return undefined;
  }
}

/** Whether `header` still describes the root (no directory added or removed since). */
export function indexHolds(header: IndexHeader, stamp: RootStamp): boolean {
  if (header.root_mtime_ns !== String(stamp.mtimeNs) || header.root_ctime_ns !== String(stamp.ctimeNs)) return false;
  // File systems that count subdirectories in nlink (ext4, xfs, tmpfs) catch an addition within
  // one timestamp tick; btrfs reports 1.
  return stamp.nlink <= 1n || stamp.nlink - 2n === BigInt(header.dirs);
}

const isSaneSummary = (s: unknown): s is Summary => {
  const o = s as Summary | null;
  return (
    !!o &&
    typeof o === 'object' &&
    typeof o.job_id === 'string' &&
    typeof o.created_at === 'string' &&
    typeof o.state === 'string' &&
    Array.isArray(o.tags) &&
    o.tags.every((t) => typeof t === 'string')
  );
};

/** A settled summary fit for the body: finished, and its own directory. */
const isSettledSummary = (name: string, s: Summary): boolean =>
  name === s.job_id && s.state !== 'unknown' && s.state !== 'running' && isTerminal(s.state);

export function parseEntry(line: string): IndexEntry | undefined {
  try {
    const e = JSON.parse(line) as unknown;
    if (!Array.isArray(e) || e.length !== 3) return undefined;
    const [name, mtime, s] = e as [unknown, unknown, unknown];
    if (typeof name !== 'string' || !isPlainName(name) || typeof mtime !== 'number' || !isSaneSummary(s) || !isSettledSummary(name, s))
      return undefined;
    return [name, mtime, s];
  } catch {
    return undefined;
  }
}

function openNoFollow(file: string): number | undefined {
  try {
    return openSync(file, fsConstants.O_RDONLY | (fsConstants.O_NOFOLLOW ?? 0) | (fsConstants.O_NONBLOCK ?? 0));
  } catch {
    return undefined;
  }
}

/** Settled entries in list order, parsed as they are used; `corrupt` once a line is not an entry. */
export interface EntrySource {
  entry(): IndexEntry | undefined;
  corrupt: boolean;
  close(): void;
}

/** The body file, line by line from the top, read in chunks: a listing stops after its page. */
export class BodyReader implements EntrySource {
  private fd: number | undefined;
  private readonly decoder = new StringDecoder('utf8');
  private pending = '';
  private offset = 0;
  private done = false;
  private lines: string[] = [];
  private next = 0;
  corrupt = false;

  constructor(root: string, token: string) {
    this.fd = openNoFollow(path.join(root, LIST_INDEX_BODY_NAME));
    if (this.line() !== token) {
      this.corrupt = true;
      this.close();
    }
  }

  private line(): string | undefined {
    while (this.next >= this.lines.length) {
      if (this.done || this.fd === undefined) return undefined;
      const buf = Buffer.allocUnsafe(READ_CHUNK);
      const got = this.offset < MAX_BODY_BYTES ? readSync(this.fd, buf, 0, READ_CHUNK, this.offset) : 0;
      this.offset += got;
      if (got === 0) {
        this.done = true;
        this.lines = this.pending ? [this.pending] : [];
        this.pending = '';
      } else {
        const parts = (this.pending + this.decoder.write(buf.subarray(0, got))).split('\n');
        this.pending = parts.pop() ?? '';
        this.lines = parts;
      }
      this.next = 0;
    }
    return this.lines[this.next++];
  }

  entry(): IndexEntry | undefined {
    const line = this.line();
    if (line === undefined) return this.close();
    const e = parseEntry(line);
    if (!e) {
      this.corrupt = true;
      return this.close();
    }
    return e;
  }

  close(): undefined {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    this.done = true;
    return undefined;
  }
}

/** Body lines held in memory (after the root was read again), parsed as they are used. */
export class HeldBody implements EntrySource {
  private next = 0;
  corrupt = false;
  constructor(readonly lines: readonly string[]) {}

  entry(): IndexEntry | undefined {
    if (this.next >= this.lines.length) return undefined;
    const e = parseEntry(this.lines[this.next++]);
    if (!e) this.corrupt = true;
    return e;
  }

  close(): void {}
}

/** The directory name a body line is about, without parsing the line (names are JSON-plain). */
export function lineName(line: string): string | undefined {
  const end = line.indexOf('"', 2);
  return line.startsWith('["') && end > 2 ? line.slice(2, end) : undefined;
}

/** The body's entry lines, when it is the one named by `token`; undefined otherwise. */
export function readBodyLines(root: string, token: string | undefined): string[] | undefined {
  const fd = token === undefined ? undefined : openNoFollow(path.join(root, LIST_INDEX_BODY_NAME));
  if (fd === undefined) return undefined;
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.size > MAX_BODY_BYTES) return undefined;
    const lines = readFileSync(fd, 'utf8').split('\n');
    if (lines.shift() !== token) return undefined;
    if (lines[lines.length - 1] === '') lines.pop();
    return lines;
  } finally {
    closeSync(fd);
  }
}

/** Parses every line; undefined when one is not an entry. */
export function parseAll(lines: readonly string[]): IndexEntry[] | undefined {
  const out: IndexEntry[] = [];
  for (const l of lines) {
    const e = parseEntry(l);
    if (!e) return undefined;
    out.push(e);
  }
  return out;
}

/** The header, if present, well-formed and of this version (a hostile or torn one is not). */
export function readHeader(root: string): IndexHeader | undefined {
  const fd = openNoFollow(path.join(root, LIST_INDEX_NAME));
  if (fd === undefined) return undefined;
  try {
    const size = fstatSync(fd).size;
    if (size > MAX_HEADER_BYTES) return undefined;
    const buf = Buffer.allocUnsafe(size);
    const got = readSync(fd, buf, 0, size, 0);
    const text = buf.toString('utf8', 0, got);
    const nl = text.indexOf('\n');
    if (nl < 0) return undefined;
    const h = JSON.parse(text.slice(0, nl)) as IndexHeader;
    const ok =
      h.version === VERSION &&
      typeof h.root_mtime_ns === 'string' &&
      typeof h.root_ctime_ns === 'string' &&
      Number.isSafeInteger(h.dirs) &&
      typeof h.body === 'string' &&
      Array.isArray(h.live) &&
      h.live.every(isDirName);
    return ok ? h : undefined;
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes the header in place (a rename would change the root's mtime and spoil the stamp it
 * records); a reader racing the write sees an unparsable or stale header and rebuilds. Best effort.
 */
function writeHeader(root: string, h: IndexHeader): void {
  let fd: number | undefined;
  try {
    fd = openSync(path.join(root, LIST_INDEX_NAME), fsConstants.O_WRONLY | fsConstants.O_CREAT | (fsConstants.O_NOFOLLOW ?? 0), 0o600);
    const data = Buffer.from(`${JSON.stringify(h)}\n`);
    writeSync(fd, data, 0, data.length, 0);
    ftruncateSync(fd, data.length);
  } catch {
    // A read-only root lists without an index.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Records the index: a new body when `body` is given (sorted), then the header. */
export async function saveIndex(
  root: string,
  stamp: RootStamp,
  dirs: number,
  live: readonly string[],
  body: { token: string } | { entries: readonly IndexEntry[] },
): Promise<void> {
  let token: string;
  if ('entries' in body) {
    token = randomBytes(8).toString('hex');
    const lines = [token, ...body.entries.map((e) => JSON.stringify(e))];
    try {
      await writeFileAtomic(path.join(root, LIST_INDEX_BODY_NAME), `${lines.join('\n')}\n`);
    } catch {
      return;
    }
    try {
      unlinkSync(path.join(root, OLD_CACHE_NAME));
    } catch {
      // Not there.
    }
  } else token = body.token;
  writeHeader(root, {
    version: VERSION,
    root_mtime_ns: String(stamp.mtimeNs),
    root_ctime_ns: String(stamp.ctimeNs),
    dirs,
    body: token,
    live: [...live],
  });
}

/** The index as it stands before a job directory is made, when it holds. */
interface IndexBefore {
  header: IndexHeader;
  stamp: RootStamp;
}

export function indexBeforeNewDir(root: string): IndexBefore | undefined {
  const stamp = rootStamp(root);
  const header = stamp && readHeader(root);
  return stamp && header && indexHolds(header, stamp) ? { header, stamp } : undefined;
}

/**
 * Takes a directory we just made into the index's live names, so that the next listing need not
 * read the root again; only when the root gained exactly one directory meanwhile (a concurrent
 * writer makes the count differ, and the next listing then reads the root's names).
 */
export function indexNewDir(root: string, name: string, before: IndexBefore | undefined): void {
  const now = rootStamp(root);
  if (!before || !now || before.stamp.nlink <= 1n || now.nlink !== before.stamp.nlink + 1n) return;
  writeHeader(root, {
    ...before.header,
    root_mtime_ns: String(now.mtimeNs),
    root_ctime_ns: String(now.ctimeNs),
    dirs: before.header.dirs + 1,
    live: [...before.header.live, name],
  });
}

/** A directory's mtime, undefined when it is gone. */
export function dirMtime(dir: string): number | undefined {
  try {
    return lstatSync(dir).mtimeMs;
  } catch {
    return undefined;
  }
}

/** Whether a summary read from a directory with this mtime may go into the body. */
export const settledNow = (name: string, s: Summary, mtimeMs: number, now = Date.now()): boolean =>
  isSettledSummary(name, s) && now - mtimeMs >= SETTLE_MS;
