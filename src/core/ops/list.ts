/**
 * `list` / `ps` (agent-exec-compat.md §4.8, §8.4): cwd scope → tags (AND) → state → sort → limit. Reads
 * meta.json and state.json of the jobs still moving (running, created, unreadable, just
 * finished); finished jobs come from an index sorted as list sorts, read from the top until the
 * page is full (listIndex.ts), and the page shown is checked against disk. Only `running`
 * records get a liveness check, so a lost job shows as `failed` (§10.1). Running jobs of the
 * page (and only they) add what is looked up live (ours): the `ports` they listen on, their
 * `ready` state and, when they are watched for it, their `attention`; a listing without such
 * jobs reads no more of them. A job of the page that was rerun adds its `attempts` count.
 */
import { lstatSync, realpathSync } from 'node:fs';
import * as path from 'node:path';
import { socketsOnce, type PortListener } from '../process/ports';
import { listProcesses } from '../process/proc';
import { isTerminal, type JobMeta, type JobState, type JobStatus } from '../schema';
import { jobPaths, metaFromRecord, readRecordSync, stateFromRecord } from '../store/jobDir';
import { SHORT_ID_LENGTH } from '../store/jobId';
import { readCurrentState } from '../store/stateFile';
import { tagMatches } from '../../shared/tags';
import {
  BodyReader,
  diffNames,
  dirMtime,
  HeldBody,
  indexHolds,
  lineName,
  MERGE_AT,
  parseAll,
  parseEntry,
  readBodyLines,
  readHeader,
  readNames,
  readRootNames,
  rootStamp,
  saveIndex,
  settledNow,
  type EntrySource,
  type IndexEntry,
  type IndexHeader,
  type IndexState,
  type RootStamp,
  type Summary,
} from './listIndex';
import { observeAttention, type Attention } from './attention';
import { archivedAttempts } from './attempts';
import { jobPorts, type ProcSnapshot } from './ports';
import { observeReady, type ReadyFields, type ReadyState } from './ready';
import { mapLimit, SCAN_CONCURRENCY } from './scan';

export type ListState = JobStatus | 'unknown';
export const LIST_STATES: readonly ListState[] = ['created', 'running', 'exited', 'killed', 'failed', 'unknown'];
export const DEFAULT_LIST_LIMIT = 50;

export interface ListEntry {
  job_id: string;
  short_job_id: string;
  state: ListState;
  exit_code?: number;
  created_at: string;
  started_at?: string;
  finished_at?: string;
  updated_at?: string;
  tags: string[];
  /** ours: why a job failed (e.g. its supervisor was lost). */
  error?: string;
  /** ours: the ports a running job's processes listen on; absent when none (agent-exec's entry unchanged). */
  ports?: PortListener[];
  /** ours: readiness of a running job that declares how it becomes ready (ops/ready.ts). */
  ready?: ReadyState;
  ready_at?: string;
  /** ours: a running job watched for it waits for input or has stalled (ops/attention.ts). */
  attention?: Attention;
  /** ours: how many attempts a job that was rerun has had (ops/attempts.ts); absent for one. */
  attempts?: number;
}

export interface ListResult {
  root: string;
  jobs: ListEntry[];
  truncated: boolean;
  skipped: number;
}

export interface ListOptions {
  /** Canonical cwd to match `meta.cwd` against; undefined = every job (`--all`). */
  cwd?: string;
  tags?: readonly string[];
  state?: ListState;
  /** 0 = unlimited. */
  limit?: number;
  /** false: leave out what is looked up per job of the page (ports, ready, attention, attempts), for callers that need ids only (completion). */
  live?: boolean;
}

/**
 * The scope directory as agent-exec computes it (`resolve_effective_cwd`): `dir` resolved
 * against `base`, symlinks resolved; the absolute form when it does not exist.
 */
export function canonicalCwd(base: string, dir = '.'): string {
  const abs = path.resolve(base, dir);
  try {
    return realpathSync(abs);
  } catch {
    return abs;
  }
}

/** Jobs read synchronously per slice, then the event loop gets a turn (the extension host stays responsive). */
const SLICE = 64;
const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

function tryRead<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}

/** What list keeps of a job: its meta and (settled) state, or undefined when meta.json is unreadable. */
function summarize(meta: JobMeta, st: JobState | undefined): Summary {
  return {
    job_id: meta.job.id,
    created_at: meta.created_at,
    ...(meta.cwd !== undefined ? { cwd: meta.cwd } : {}),
    tags: meta.tags,
    state: st?.job.status ?? 'unknown',
    ...(st && st.result.exit_code !== null ? { exit_code: st.result.exit_code } : {}),
    ...(st?.job.started_at !== undefined ? { started_at: st.job.started_at } : {}),
    ...(st?.finished_at !== undefined ? { finished_at: st.finished_at } : {}),
    ...(st ? { updated_at: st.updated_at } : {}),
    ...(st?.error !== undefined ? { error: st.error } : {}),
  };
}

/** A running job as read by this listing, for what its entry adds live. */
interface RunningJob {
  name: string;
  meta: JobMeta;
  st: JobState;
}

/** What an entry adds: a running job's ports, readiness and attention; a rerun job's attempt count. */
type LiveFields = Pick<ListEntry, 'ports' | 'attention' | 'attempts'> & Partial<ReadyFields>;

/** `running` collects the jobs found running (keyed by their summary), for liveFields. */
async function readSummary(root: string, name: string, running?: Map<Summary, RunningJob>): Promise<Summary | undefined> {
  const dir = path.join(root, name);
  const meta = tryRead(() => metaFromRecord(readRecordSync(path.join(dir, 'meta.json'))));
  if (!meta) return undefined;
  let st = tryRead(() => stateFromRecord(readRecordSync(path.join(dir, 'state.json'))));
  // A running record may be settled already (a recorded exit) or a lie (processes gone).
  if (st?.job.status === 'running') st = await readCurrentState(jobPaths(root, name)).catch(() => st);
  const s = summarize(meta, st);
  if (running && st?.job.status === 'running') running.set(s, { name, meta, st });
  return s;
}

/**
 * The ports, readiness and attention of the running jobs of a page: /proc's processes read once
 * for all of them, its socket table once and only when one of their processes holds a socket.
 * Then the attempt count of every job of the page (one directory read each).
 */
async function liveFields(root: string, page: readonly Summary[], running: Map<Summary, RunningJob>): Promise<Map<Summary, LiveFields>> {
  const jobs = page.filter((s) => running.has(s));
  const snapshot: ProcSnapshot | undefined = jobs.length > 0 ? { procs: listProcesses(), sockets: socketsOnce() } : undefined;
  const fields = await mapLimit(page, SCAN_CONCURRENCY, async (s): Promise<LiveFields> => {
    const archived = await archivedAttempts(jobPaths(root, s.job_id));
    const attempts = archived > 0 ? { attempts: archived + 1 } : {};
    const job = running.get(s);
    if (!job || !snapshot) return attempts;
    const { name, meta, st } = job;
    const paths = jobPaths(root, name);
    const ports = jobPorts(st, snapshot);
    const look = await observeReady(root, paths, meta, st).catch(() => undefined);
    const attention = await observeAttention(root, paths, meta, look?.state ?? st).catch(() => undefined);
    return { ...(ports.length > 0 ? { ports } : {}), ...look?.ready, ...(attention ? { attention } : {}), ...attempts };
  });
  return new Map(page.map((s, i) => [s, fields[i]]));
}

/** A list entry in agent-exec's key order (ours last: `error`, then a running job's live fields). */
function entry(s: Summary, live?: LiveFields): ListEntry {
  return {
    job_id: s.job_id,
    short_job_id: s.job_id.slice(0, SHORT_ID_LENGTH),
    state: s.state,
    ...(s.exit_code !== undefined ? { exit_code: s.exit_code } : {}),
    created_at: s.created_at,
    ...(s.started_at !== undefined ? { started_at: s.started_at } : {}),
    ...(s.finished_at !== undefined ? { finished_at: s.finished_at } : {}),
    ...(s.updated_at !== undefined ? { updated_at: s.updated_at } : {}),
    tags: s.tags,
    ...(s.error !== undefined ? { error: s.error } : {}),
    ...live,
  };
}

/** started_at descending (missing last), then job_id descending. */
function compareSummaries(a: Summary, b: Summary): number {
  if (a.started_at !== b.started_at) {
    if (a.started_at === undefined) return 1;
    if (b.started_at === undefined) return -1;
    return a.started_at < b.started_at ? 1 : -1;
  }
  return a.job_id < b.job_id ? 1 : a.job_id > b.job_id ? -1 : 0;
}

const matches = (s: Summary, opts: ListOptions): boolean =>
  (opts.cwd === undefined || s.cwd === opts.cwd) &&
  (!opts.tags || opts.tags.every((p) => tagMatches(p, s.tags))) &&
  (opts.state === undefined || s.state === opts.state);

/** What decides whether and where a job is listed: all but its tags. */
const samePlace = (a: Summary, b: Summary): boolean =>
  a.job_id === b.job_id && a.state === b.state && a.cwd === b.cwd && a.started_at === b.started_at && a.created_at === b.created_at;

const isDir = (p: string): boolean => {
  try {
    return lstatSync(p).isDirectory();
  } catch {
    return false;
  }
};

/** Thrown inside a pass when the index placed a job where disk says it no longer belongs. */
class IndexMisplaced extends Error {}

/** An indexed entry as it is on disk now: itself while its directory is unchanged, else re-read. */
async function checked(root: string, e: IndexEntry): Promise<Summary> {
  if (dirMtime(path.join(root, e[0])) === e[1]) return e[2];
  const now = await readSummary(root, e[0]);
  if (!now || !samePlace(now, e[2])) throw new IndexMisplaced();
  return now;
}

interface Pass extends IndexState {
  /** The names file's SHA-1 while it still stands, else the names to write into it. */
  names: string | string[];
  live: string[];
  /** The body's token while the body file is still right for this pass; undefined = rewrite it. */
  token: string | undefined;
  /** Settled entries: streamed from the body file, or held (after a rebuild from the root's names). */
  settled: EntrySource;
  held?: HeldBody;
  /** Whether the header must be written (it did not hold). */
  rescanned: boolean;
}

/**
 * The index as it stands; when someone added or removed a directory, the root's names walked
 * beside the names file (new directories become live, vanished ones leave the live names or are
 * marked gone in the body); without a usable names file or body (or after a misplacement),
 * rebuilt from the root's names: the body's lines of directories still there are kept (after a
 * misplacement, only valid ones whose directory is unchanged), every other directory is live.
 */
function openIndex(root: string, stamp: RootStamp, verifyAll: boolean): Pass {
  const header = verifyAll ? undefined : readHeader(root);
  if (header && indexHolds(header, stamp)) {
    const reader = new BodyReader(root, header.body, new Set(header.gone));
    if (!reader.corrupt) return { ...indexState(header, stamp), token: header.body, settled: reader, rescanned: false };
  }
  // Taken before the names are read: what they miss changed the root after this (indexHolds).
  const readAtMs = Date.now();
  const names = readRootNames(root);
  // Unreadable: listed as empty, and nothing is recorded.
  if (!names)
    return { stamp, readAtMs, dirs: 0, names: [], live: [], created: [], gone: [], token: '', settled: new HeldBody([]), rescanned: false };
  const known = header && readNames(root, header.names);
  if (header && known) {
    const { added, removed } = diffNames(known, names);
    // What our create took in is known too (live, or in the body since), unless it is gone again.
    const isCreated = new Set(header.created);
    const createdGone = header.created.filter((n) => !isDir(path.join(root, n)));
    const wasLive = new Set(header.live);
    const newDirs = added.filter((n) => !wasLive.has(n) && !isCreated.has(n) && isDir(path.join(root, n)));
    const vanished = new Set([...removed, ...createdGone]);
    const gone = [...header.gone, ...[...vanished].filter((n) => !wasLive.has(n))];
    const reader = new BodyReader(root, header.body, new Set(gone));
    if (!reader.corrupt) {
      const isNew = new Set(newDirs);
      const notDirs = new Set(added.filter((n) => !wasLive.has(n) && !isCreated.has(n) && !isNew.has(n)));
      const dirNames = notDirs.size > 0 ? names.filter((n) => !notDirs.has(n)) : names;
      return {
        stamp,
        readAtMs,
        dirs: dirNames.length,
        names: newDirs.length > 0 || vanished.size > 0 || isCreated.size > 0 ? dirNames : header.names,
        live: [...header.live.filter((n) => !vanished.has(n)), ...newDirs],
        created: [],
        gone,
        token: header.body,
        settled: reader,
        rescanned: true,
      };
    }
  }
  // Names only (a third of the cost of typed entries): the body's names are directories, the
  // others are checked one by one.
  const present = new Set(names);
  const old = readBodyLines(root, header?.body);
  const still = (line: string): boolean => {
    const name = lineName(line);
    if (name === undefined || !present.has(name)) return false;
    if (!verifyAll) return true;
    const e = parseEntry(line);
    return !!e && dirMtime(path.join(root, name)) === e[1];
  };
  const lines = (old ?? []).filter(still);
  const indexed = new Set(lines.map(lineName));
  const live = names.filter((n) => !indexed.has(n) && isDir(path.join(root, n)));
  const isLive = new Set(live);
  const token = old && lines.length === old.length ? header?.body : undefined;
  const held = new HeldBody(lines);
  return {
    stamp,
    readAtMs,
    dirs: lines.length + live.length,
    names: names.filter((n) => indexed.has(n) || isLive.has(n)),
    live,
    created: [],
    gone: [],
    token,
    settled: held,
    held,
    rescanned: true,
  };
}

const indexState = (h: IndexHeader, stamp: RootStamp) => ({
  stamp,
  readAtMs: h.read_at_ms,
  dirs: h.dirs,
  names: h.names,
  live: h.live,
  created: h.created,
  gone: h.gone,
});

/**
 * Records what this pass learnt: jobs that settled while live join the body once there are
 * MERGE_AT of them, and gone entries leave it once there are MERGE_AT of them (or the body is
 * rewritten anyway); a header that did not hold is rewritten.
 */
async function keepIndex(root: string, p: Pass, settling: readonly IndexEntry[]): Promise<void> {
  if (p.token !== undefined && settling.length < MERGE_AT && p.gone.length < MERGE_AT) {
    if (p.rescanned) await saveIndex(root, p, { token: p.token });
    return;
  }
  const lines = p.held?.lines ?? readBodyLines(root, p.token);
  const merged = lines && mergeLines(lines, new Set(p.gone), settling);
  // Replaced meanwhile by another listing: its index stands.
  if (!merged) return;
  const taken = new Set(settling.map((e) => e[0]));
  await saveIndex(root, { ...p, live: p.live.filter((n) => !taken.has(n)), gone: [] }, { lines: merged });
}

const byListOrder = (a: IndexEntry, b: IndexEntry): number => compareSummaries(a[2], b[2]);

/**
 * The body's lines without the gone ones and with `settling` in place. A few are put in place by
 * binary search (a body of 100,000 lines is then parsed at a few dozen of them, not all); many at
 * once (a first build) are sorted with the whole body. Undefined when a line is not an entry.
 */
function mergeLines(lines: readonly string[], gone: ReadonlySet<string>, settling: readonly IndexEntry[]): string[] | undefined {
  const kept = gone.size > 0 ? lines.filter((l) => !gone.has(lineName(l) ?? '')) : lines;
  const add = [...settling].sort(byListOrder);
  if (add.length * 16 > kept.length) {
    const body = parseAll(kept);
    return body && [...body, ...add].sort(byListOrder).map((e) => JSON.stringify(e));
  }
  const out: string[] = [];
  let from = 0;
  for (const e of add) {
    let lo = from;
    let hi = kept.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const there = parseEntry(kept[mid]);
      if (!there) return undefined;
      if (byListOrder(there, e) <= 0) lo = mid + 1;
      else hi = mid;
    }
    while (from < lo) out.push(kept[from++]);
    out.push(JSON.stringify(e));
  }
  while (from < kept.length) out.push(kept[from++]);
  return out;
}

/** Whether a state filter can match a settled (finished) job at all. */
const wantsSettled = (state: ListState | undefined): boolean => state === undefined || (state !== 'unknown' && isTerminal(state));

async function pass(root: string, opts: ListOptions, verifyAll: boolean): Promise<ListResult> {
  const stamp = rootStamp(root);
  if (!stamp) return { root, jobs: [], truncated: false, skipped: 0 };
  const p = openIndex(root, stamp, verifyAll);
  try {
    const limit = opts.limit ?? DEFAULT_LIST_LIMIT;
    const matched: Summary[] = [];
    const running = new Map<Summary, RunningJob>();
    const settling: IndexEntry[] = [];
    const vanished = new Set<string>();
    let skipped = 0;
    for (let i = 0; i < p.live.length; i++) {
      if (i > 0 && i % SLICE === 0) await yieldToLoop();
      const name = p.live[i];
      const mtime = dirMtime(path.join(root, name));
      // Removed since its name was recorded (one we made after the names file was written): not a job any more.
      if (mtime === undefined) {
        vanished.add(name);
        continue;
      }
      const s = await readSummary(root, name, running);
      if (!s) {
        skipped++;
        continue;
      }
      if (settledNow(name, s, mtime)) settling.push([name, mtime, s]);
      if (matches(s, opts)) matched.push(s);
    }

    const fromBody = new Map<Summary, IndexEntry>();
    const tagged = !!opts.tags?.length;
    for (let i = 0; wantsSettled(opts.state); i++) {
      // Enough for the page, and one more to know that it is truncated.
      if (limit > 0 && fromBody.size >= limit && matched.length > limit) break;
      const e = p.settled.entry();
      if (!e) break;
      if (i > 0 && i % SLICE === 0) await yieldToLoop();
      // Tags are the one thing a settled job can change: a tag filter checks what it uses.
      const s = tagged ? await checked(root, e) : e[2];
      if (s && matches(s, opts)) {
        matched.push(s);
        fromBody.set(s, e);
      }
    }
    if (p.settled.corrupt) return await pass(root, opts, true);
    matched.sort(compareSummaries);
    const page = limit > 0 ? matched.slice(0, limit) : matched;
    // The page shown is checked against disk (a tag set, or a finished record rewritten by hand).
    for (let i = 0; i < page.length; i++) {
      const e = fromBody.get(page[i]);
      if (e && !tagged) page[i] = await checked(root, e);
    }
    if (vanished.size > 0) {
      p.live = p.live.filter((n) => !vanished.has(n));
      p.rescanned = true;
    }
    await keepIndex(root, p, settling);
    const live = opts.live === false ? new Map<Summary, LiveFields>() : await liveFields(root, page, running);
    return { root, jobs: page.map((s) => entry(s, live.get(s))), truncated: limit > 0 && matched.length > limit, skipped };
  } catch (err) {
    if (err instanceof IndexMisplaced && !verifyAll) return pass(root, opts, true);
    throw err;
  } finally {
    p.settled.close();
  }
}

export async function listJobs(root: string, opts: ListOptions = {}): Promise<ListResult> {
  return pass(root, opts, false);
}
