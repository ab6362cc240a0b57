/**
 * The `list` index: what makes `list --limit 50` read a bounded amount whatever the store size.
 *
 * Three files in the root (agent-exec ignores files there, in list, gc and delete):
 * - `.list-index.body`: settled jobs (finished, directory unchanged for SETTLE_MS), one JSON
 *   line each, `[name, dirMtimeMs, summary]`, sorted as list sorts. A listing reads it from
 *   the top and stops once the page is full. Written by rename, rarely (MERGE_AT).
 * - `.list-index`: one JSON line, written in place (so that writing it does not change the
 *   root's mtime): the root's mtime, ctime and number of directories when it was made, when
 *   the root's names were last read, the body's token, the "live" names (every other
 *   directory: running, created, unreadable, recently finished), which are read from disk on
 *   every listing, the names our create took in since the names file was written, and the
 *   "gone" names (body entries whose directory was removed since the body was written; skipped).
 * - `.list-index.names`: the root's directory names as last read, in the order the file system
 *   gave them; the header holds its SHA-1 (it is written in place too, so a torn or foreign file
 *   does not match and is not used).
 *
 * Trust: the header holds while the root's mtime and ctime are the ones it recorded and, where
 * nlink counts subdirectories, the directory count (nlink - 2) too: no job directory was added
 * or removed by anyone (agent-exec 0.2.3, a crash, `rm -r`). Where nlink does not count them
 * (btrfs; ext4 past ~65,000 subdirectories reports 1), the timestamps alone hold only when the
 * names were read at least one timestamp tick after the recorded mtime (a change within that
 * tick would leave the mtime as it was). Otherwise the root's names are read again and walked
 * beside the names file (both in the file system's order): new directories become live,
 * vanished ones are dropped from the live names or marked gone, and the body is left as it is.
 * Without a usable names file (or a body) the root is rebuilt from its names. A settled job can
 * still change its tags (its directory's mtime then changes): tag filters check every body
 * entry they use, and the page shown is always checked against disk.
 */
import {
  closeSync,
  constants as fsConstants,
  type Dir,
  fstatSync,
  ftruncateSync,
  lstatSync,
  openSync,
  opendirSync,
  readFileSync,
  readSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { StringDecoder } from 'node:string_decoder';
import * as path from 'node:path';
import { isTerminal } from '../schema';
import { writeFileAtomic } from '../store/atomicWrite';
import type { ListState } from './list';

const LIST_INDEX_NAME = '.list-index';
const LIST_INDEX_BODY_NAME = '.list-index.body';
const LIST_INDEX_NAMES_NAME = '.list-index.names';
/** The summary cache of the previous version; removed when the index is built. */
const OLD_CACHE_NAME = '.list-cache.json';
const VERSION = 3;
/** A job directory unchanged for this long is settled enough to index. */
const SETTLE_MS = 2000;
/**
 * The longest timestamp tick of a file system with sub-second timestamps (Linux stamps files
 * with the clock of the last timer tick: ≤ 10 ms at HZ=100; twice that), and of one with whole
 * seconds (FAT's mtime counts in 2 s steps).
 */
const FINE_TICK_MS = 20;
const COARSE_TICK_MS = 2000;
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
  /** When the root's names were last read (ms since the epoch, taken after the stamp). */
  read_at_ms: number;
  dirs: number;
  body: string;
  /** SHA-1 of the names file. */
  names: string;
  live: string[];
  /** Live names our create took in since the names file was written (not in it). */
  created: string[];
  gone: string[];
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
  // one timestamp tick.
  if (stamp.nlink > 1n) return stamp.nlink - 2n === BigInt(header.dirs);
  // Timestamps alone (btrfs; ext4 past ~65,000 subdirectories): a change within the recorded
  // mtime's tick leaves it as it was, so the names must have been read after that tick ended.
  const wholeSeconds = stamp.mtimeNs % 1_000_000_000n === 0n && stamp.ctimeNs % 1_000_000_000n === 0n;
  return header.read_at_ms - Number(stamp.mtimeNs / 1_000_000n) >= (wholeSeconds ? COARSE_TICK_MS : FINE_TICK_MS);
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

  constructor(
    root: string,
    token: string,
    private readonly gone: ReadonlySet<string>,
  ) {
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
    for (;;) {
      const line = this.line();
      if (line === undefined) return this.close();
      const e = parseEntry(line);
      if (!e) {
        this.corrupt = true;
        return this.close();
      }
      if (!this.gone.has(e[0])) return e;
    }
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
      Number.isSafeInteger(h.read_at_ms) &&
      typeof h.body === 'string' &&
      typeof h.names === 'string' &&
      Array.isArray(h.live) &&
      h.live.every(isDirName) &&
      Array.isArray(h.created) &&
      h.created.every(isDirName) &&
      Array.isArray(h.gone) &&
      h.gone.every(isDirName);
    return ok ? h : undefined;
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes an index file in place (a rename would change the root's mtime and spoil the stamp the
 * header records); a reader racing the write sees an unparsable, stale or unmatched file and
 * rebuilds. False when it could not be written.
 */
function writeInPlace(root: string, name: string, data: Buffer): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(path.join(root, name), fsConstants.O_WRONLY | fsConstants.O_CREAT | (fsConstants.O_NOFOLLOW ?? 0), 0o600);
    writeSync(fd, data, 0, data.length, 0);
    ftruncateSync(fd, data.length);
    return true;
  } catch {
    // A read-only root lists without an index.
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

const writeHeader = (root: string, h: IndexHeader): boolean => writeInPlace(root, LIST_INDEX_NAME, Buffer.from(`${JSON.stringify(h)}\n`));

const sha1 = (data: Buffer): string => createHash('sha1').update(data).digest('hex');

/** The names file's names (NUL-separated: the one byte no name holds) when its SHA-1 is `sum`. */
export function readNames(root: string, sum: string): string[] | undefined {
  const fd = openNoFollow(path.join(root, LIST_INDEX_NAMES_NAME));
  if (fd === undefined) return undefined;
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.size > MAX_BODY_BYTES) return undefined;
    const data = readFileSync(fd);
    if (sha1(data) !== sum) return undefined;
    return data.length === 0 ? [] : data.toString('utf8').split('\0');
  } finally {
    closeSync(fd);
  }
}

/**
 * The root's entry names in the file system's order, undefined when it cannot be read. Not
 * readdirSync: libuv sorts the names (up to a third of its time at 100,000), which the walk
 * beside the names file does not need.
 */
export function readRootNames(root: string): string[] | undefined {
  let dir: Dir | undefined;
  try {
    dir = opendirSync(root, { bufferSize: 4096 });
    const names: string[] = [];
    for (let e = dir.readSync(); e !== null; e = dir.readSync()) names.push(e.name);
    return names;
  } catch {
    return undefined;
  } finally {
    dir?.closeSync();
  }
}

/** How many entries a mismatch looks ahead for its counterpart before calling both changed. */
const LOOK_AHEAD = 16;

/**
 * What changed between two readings of a directory's names. File systems keep the order of the
 * entries that stayed (hash order on ext4 and xfs, insertion order on btrfs and tmpfs), so the
 * readings are walked side by side; an entry that moved anyway shows on both sides and cancels
 * out, so the result is right whatever the order, only slower.
 */
export function diffNames(before: readonly string[], after: readonly string[]): { added: string[]; removed: string[] } {
  const added: string[] = [];
  const removed: string[] = [];
  const find = (xs: readonly string[], from: number, x: string): number => {
    for (let k = from + 1; k < xs.length && k <= from + LOOK_AHEAD; k++) if (xs[k] === x) return k;
    return -1;
  };
  let i = 0;
  let j = 0;
  while (i < before.length && j < after.length) {
    if (before[i] === after[j]) {
      i++;
      j++;
      continue;
    }
    const inAfter = find(after, j, before[i]);
    const inBefore = inAfter < 0 ? find(before, i, after[j]) : -1;
    if (inAfter >= 0) while (j < inAfter) added.push(after[j++]);
    else if (inBefore >= 0) while (i < inBefore) removed.push(before[i++]);
    else {
      removed.push(before[i++]);
      added.push(after[j++]);
    }
  }
  while (i < before.length) removed.push(before[i++]);
  while (j < after.length) added.push(after[j++]);
  if (added.length === 0 || removed.length === 0) return { added, removed };
  const wasThere = new Set(removed);
  const moved = new Set(added.filter((n) => wasThere.has(n)));
  return moved.size === 0
    ? { added, removed }
    : { added: added.filter((n) => !moved.has(n)), removed: removed.filter((n) => !moved.has(n)) };
}

/** What the header records besides the body's token. */
export interface IndexState {
  stamp: RootStamp;
  readAtMs: number;
  dirs: number;
  /** The names file's SHA-1 when it stands, else the names to write into it. */
  names: string | readonly string[];
  live: readonly string[];
  created: readonly string[];
  gone: readonly string[];
}

/** Records the index: a new body when `lines` are given (entries sorted as list sorts), a new names file, then the header. */
export async function saveIndex(root: string, state: IndexState, body: { token: string } | { lines: readonly string[] }): Promise<void> {
  let token: string;
  if ('lines' in body) {
    token = randomBytes(8).toString('hex');
    try {
      await writeFileAtomic(path.join(root, LIST_INDEX_BODY_NAME), `${[token, ...body.lines].join('\n')}\n`);
    } catch {
      return;
    }
    try {
      unlinkSync(path.join(root, OLD_CACHE_NAME));
    } catch {
      // Not there.
    }
  } else token = body.token;
  let names = state.names;
  if (typeof names !== 'string') {
    const data = Buffer.from(names.join('\0'));
    if (!writeInPlace(root, LIST_INDEX_NAMES_NAME, data)) return;
    names = sha1(data);
  }
  writeHeader(root, {
    version: VERSION,
    root_mtime_ns: String(state.stamp.mtimeNs),
    root_ctime_ns: String(state.stamp.ctimeNs),
    read_at_ms: state.readAtMs,
    dirs: state.dirs,
    body: token,
    names,
    live: [...state.live],
    created: [...state.created],
    gone: [...state.gone],
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
 * writer makes the count differ, and the next listing then reads the root's names). Where nlink
 * does not count subdirectories nothing can tell, and the next listing reads the names.
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
    created: [...before.header.created, name],
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
