/**
 * `list` / `ps` (agent-exec-compat.md §4.8, §8.4): cwd scope → tags (AND) → state → sort → limit. Reads
 * only meta.json and state.json, and for settled jobs not even those (a summary cache validated
 * by the job directory's mtime, see listCache.ts; without a tag filter only the listed finished
 * jobs are validated); only `running` records get a liveness check,
 * so a lost job shows as `failed` (§10.1) without costing anything for the finished ones.
 */
import { lstatSync, realpathSync } from 'node:fs';
import * as path from 'node:path';
import type { JobMeta, JobState, JobStatus } from '../schema';
import { jobPaths, metaFromRecord, readRecordSync, stateFromRecord } from '../store/jobDir';
import { SHORT_ID_LENGTH } from '../store/jobId';
import { lostReason, readCurrentState } from '../store/stateFile';
import { tagMatches } from '../../shared/tags';
import { ListCache, type Summary } from './listCache';
import { jobDirNames } from './scan';

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

async function readSummary(root: string, name: string): Promise<Summary | undefined> {
  const dir = path.join(root, name);
  const meta = tryRead(() => metaFromRecord(readRecordSync(path.join(dir, 'meta.json'))));
  if (!meta) return undefined;
  let st = tryRead(() => stateFromRecord(readRecordSync(path.join(dir, 'state.json'))));
  if (st && lostReason(st)) st = await readCurrentState(jobPaths(root, name)).catch(() => st);
  return summarize(meta, st);
}

/** A list entry in agent-exec's key order (our `error` last). */
function entry(s: Summary): ListEntry {
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

const dirMtime = (dir: string): number | undefined => {
  try {
    return lstatSync(dir).mtimeMs;
  } catch {
    return undefined;
  }
};

/** A job directory's summary: from the cache while its mtime matches, else read (and cached). */
async function currentSummary(root: string, name: string, cache: ListCache | undefined): Promise<Summary | undefined> {
  const mtime = dirMtime(path.join(root, name));
  const cached = mtime !== undefined ? cache?.get(name, mtime) : undefined;
  if (cached) return cached;
  const s = await readSummary(root, name);
  if (s && mtime !== undefined) cache?.put(name, mtime, s);
  return s;
}

const matches = (s: Summary, opts: ListOptions): boolean =>
  (opts.cwd === undefined || s.cwd === opts.cwd) &&
  (!opts.tags || opts.tags.every((p) => tagMatches(p, s.tags))) &&
  (opts.state === undefined || s.state === opts.state);

/** What decides whether and where a job is listed: all but its tags. */
const samePlace = (a: Summary, b: Summary): boolean =>
  a.job_id === b.job_id && a.state === b.state && a.cwd === b.cwd && a.started_at === b.started_at && a.created_at === b.created_at;

/**
 * One pass over the store. With `trustFinished`, a finished job's cached summary is taken without
 * touching its directory (only its tags can still change, and they are not filtered on then);
 * the page returned is checked against disk. Undefined when that check finds a summary that
 * would have placed a job differently: the caller then does a fully checked pass.
 */
async function collect(root: string, names: readonly string[], cache: ListCache | undefined, opts: ListOptions, trustFinished: boolean): Promise<ListResult | undefined> {
  const matched: Summary[] = [];
  const unchecked = new Set<Summary>();
  let skipped = 0;
  for (let i = 0; i < names.length; i++) {
    if (i > 0 && i % SLICE === 0) await yieldToLoop();
    let s = trustFinished ? cache?.finished(names[i]) : undefined;
    if (s) unchecked.add(s);
    else s = await currentSummary(root, names[i], cache);
    if (!s) skipped++;
    else if (matches(s, opts)) matched.push(s);
  }
  matched.sort(compareSummaries);
  const limit = opts.limit ?? DEFAULT_LIST_LIMIT;
  const page = limit > 0 ? matched.slice(0, limit) : matched;
  for (let i = 0; i < page.length; i++) {
    if (!unchecked.has(page[i])) continue;
    const now = await currentSummary(root, page[i].job_id, cache);
    if (!now || !samePlace(now, page[i])) return undefined;
    page[i] = now;
  }
  return { root, jobs: page.map(entry), truncated: limit > 0 && matched.length > limit, skipped };
}

export async function listJobs(root: string, opts: ListOptions = {}): Promise<ListResult> {
  const names = await jobDirNames(root);
  const cache = names.length > 0 ? ListCache.load(root) : undefined;
  // Finished jobs are settled for good but for their tags: with no tag filter their cached
  // summaries place them, and only the jobs shown are checked (10 000 lstat calls saved).
  const trustFinished = !opts.tags?.length;
  const result = (await collect(root, names, cache, opts, trustFinished)) ?? (await collect(root, names, cache, opts, false))!;
  await cache?.save(names);
  return result;
}
