/**
 * `list` / `ps` (contract §4.8, §8.4): cwd scope → tags (AND) → state → sort → limit. Reads
 * only meta.json and state.json; only `running` records get a liveness check, so a lost job
 * shows as `failed` (§10.1) without costing anything for the thousands of finished ones.
 */
import { realpathSync } from 'node:fs';
import * as path from 'node:path';
import type { JobMeta, JobState, JobStatus } from '../schema';
import { jobPaths, metaFromRecord, readRecordSync, stateFromRecord } from '../store/jobDir';
import { SHORT_ID_LENGTH } from '../store/jobId';
import { lostReason, readCurrentState } from '../store/stateFile';
import { tagMatches } from '../tags';
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

function entry(meta: JobMeta, st: JobState | undefined): ListEntry {
  return {
    job_id: meta.job.id,
    short_job_id: meta.job.id.slice(0, SHORT_ID_LENGTH),
    state: st?.job.status ?? 'unknown',
    ...(st && st.result.exit_code !== null ? { exit_code: st.result.exit_code } : {}),
    created_at: meta.created_at,
    ...(st?.job.started_at !== undefined ? { started_at: st.job.started_at } : {}),
    ...(st?.finished_at !== undefined ? { finished_at: st.finished_at } : {}),
    ...(st ? { updated_at: st.updated_at } : {}),
    tags: meta.tags,
    ...(st?.error !== undefined ? { error: st.error } : {}),
  };
}

interface Found {
  meta: JobMeta;
  st: JobState | undefined;
}

/** started_at descending (missing last), then job_id descending. */
function compareFound(a: Found, b: Found): number {
  const sa = a.st?.job.started_at;
  const sb = b.st?.job.started_at;
  if (sa !== sb) {
    if (sa === undefined) return 1;
    if (sb === undefined) return -1;
    return sa < sb ? 1 : -1;
  }
  return a.meta.job.id < b.meta.job.id ? 1 : a.meta.job.id > b.meta.job.id ? -1 : 0;
}

export async function listJobs(root: string, opts: ListOptions = {}): Promise<ListResult> {
  const names = await jobDirNames(root);
  const matched: Found[] = [];
  let skipped = 0;
  for (let i = 0; i < names.length; i++) {
    if (i > 0 && i % SLICE === 0) await yieldToLoop();
    const dir = path.join(root, names[i]);
    const meta = tryRead(() => metaFromRecord(readRecordSync(path.join(dir, 'meta.json'))));
    if (!meta) {
      skipped++;
      continue;
    }
    if (opts.cwd !== undefined && meta.cwd !== opts.cwd) continue;
    if (opts.tags && !opts.tags.every((p) => tagMatches(p, meta.tags))) continue;
    let st = tryRead(() => stateFromRecord(readRecordSync(path.join(dir, 'state.json'))));
    if (st && lostReason(st)) st = await readCurrentState(jobPaths(root, names[i])).catch(() => st);
    if (opts.state === undefined || (st?.job.status ?? 'unknown') === opts.state) matched.push({ meta, st });
  }
  matched.sort(compareFound);
  const limit = opts.limit ?? DEFAULT_LIST_LIMIT;
  return {
    root,
    jobs: (limit > 0 ? matched.slice(0, limit) : matched).map((f) => entry(f.meta, f.st)),
    truncated: limit > 0 && matched.length > limit,
    skipped,
  };
}
