/**
 * `gc` and auto-GC (agent-exec-compat.md §8.1). Same selection as agent-exec — retention, then
 * `--max-jobs` / `--max-bytes` inside the expired set, reasons joined with `+` — with two
 * fixes (§10.16): the auto-GC lock expires (old or owner dead), and `scan_limit` scans exactly
 * that many directories. Lost `running` jobs are settled to `failed` by the state read, so
 * they no longer block collection forever (§10.1).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { parseDurationSeconds } from '../duration';
import { describeError } from '../errors';
import { identify, isProcessAlive } from '../process/proc';
import { isTerminal, type JobStatus } from '../schema';
import { jobPaths, readState, type JobPaths } from '../store/jobDir';
import { withJobLock } from '../store/lock';
import { readCurrentState, supervisorAlive } from '../store/stateFile';
import { formatTimestamp } from '../time';
import { dirSize, jobDirNames, mapLimit, SCAN_CONCURRENCY } from './scan';

export const DEFAULT_OLDER_THAN = '30d';
export const DEFAULT_SCAN_LIMIT = 200;
export const DEFAULT_DELETE_LIMIT = 20;
/** An auto-GC lock older than this is left over from a crash and is taken over. */
export const GC_LOCK_STALE_MS = 10 * 60 * 1000;
const GC_LOCK_NAME = '.gc.lock';

export interface GcJobEntry {
  job_id: string;
  state: JobStatus | 'unknown';
  action: 'deleted' | 'would_delete' | 'skipped';
  reason: string;
  bytes: number;
}

export interface GcResult {
  root: string;
  dry_run: boolean;
  older_than: string;
  older_than_source: 'flag' | 'default';
  deleted: number;
  skipped: number;
  out_of_scope: number;
  failed: number;
  freed_bytes: number;
  scanned_dirs: number;
  candidate_count: number;
  jobs: GcJobEntry[];
}

export interface GcOptions {
  /** Retention (`30d`, `24h`, `60m`, `3600s`, `N`); undefined = default `30d`. */
  olderThan?: string;
  maxJobs?: number;
  maxBytes?: number;
  dryRun?: boolean;
  /** Auto mode: scan at most this many directories. */
  scanLimit?: number;
  /** Auto mode: delete at most this many jobs. */
  deleteLimit?: number;
  /** Clock, for tests of retention boundaries. */
  now?: number;
}

interface Candidate {
  name: string;
  state: JobStatus;
  stamp: string;
  bytes: number;
  reasons: string[];
}

type Scanned = { skip: GcJobEntry } | { candidate: Candidate };

const skipEntry = (job_id: string, state: GcJobEntry['state'], reason: string, bytes = 0): GcJobEntry => ({
  job_id,
  state,
  action: 'skipped',
  reason,
  bytes,
});

async function scanOne(root: string, name: string, cutoff: string): Promise<Scanned> {
  const paths = jobPaths(root, name);
  const st = await readCurrentState(paths).catch(() => undefined);
  if (!st) return { skip: skipEntry(name, 'unknown', 'state_unreadable') };
  const state = st.job.status;
  if (state === 'running' || state === 'created') return { skip: skipEntry(name, state, 'active_job') };
  const stamp = st.finished_at ?? st.updated_at;
  if (!stamp) return { skip: skipEntry(name, state, 'no_timestamp') };
  // agent-exec compares the `YYYY-MM-DDTHH:MM:SS` part as strings.
  if (!(stamp.slice(0, 19) < cutoff.slice(0, 19))) return { skip: skipEntry(name, state, 'too_recent') };
  return { candidate: { name, state, stamp, bytes: await dirSize(paths.dir), reasons: ['older_than'] } };
}

/** Applies `--max-jobs` then `--max-bytes` to candidates sorted oldest first (agent-exec-compat.md §8.1 steps 5–6). */
function applyLimits(candidates: Candidate[], maxJobs: number | undefined, maxBytes: number | undefined): void {
  if (maxJobs !== undefined && candidates.length > maxJobs) {
    const cut = candidates.length - maxJobs;
    candidates.forEach((c, i) => {
      if (i < cut) c.reasons.push('max_jobs');
      else c.reasons = c.reasons.filter((r) => r !== 'older_than');
    });
  }
  if (maxBytes !== undefined) {
    let remaining = candidates.reduce((sum, c) => sum + c.bytes, 0);
    for (const c of candidates) {
      if (remaining <= maxBytes) break;
      c.reasons.push('max_bytes');
      remaining -= c.bytes;
    }
  }
}

/**
 * Deletes a finished job's directory under the job lock, checking first that it is still
 * finished: a `rerun` may have started it again since the scan chose it. `{skip}` names the state
 * that kept it; `{failure}` why the removal failed.
 */
export async function removeFinishedJob(paths: JobPaths): Promise<{ skip?: string; failure?: string }> {
  try {
    return await withJobLock(paths.dir, async () => {
      const st = await readState(paths).catch(() => undefined);
      if (st && !isTerminal(st.job.status)) return { skip: st.job.status };
      // Its supervisor still writes there (full.log, record, events, sinks): next time.
      if (st && supervisorAlive(st)) return { skip: 'finishing' };
      const failure = await removeJobDir(paths.dir);
      return failure ? { failure } : {};
    });
  } catch (err) {
    // Gone meanwhile (another gc, a delete): nothing left to remove.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    return { failure: `delete_failed: ${describeError(err)}` };
  }
}

/** Deletes a job directory; the failure reason (`delete_failed: …`, `post_delete_check_failed`) or undefined. */
export async function removeJobDir(dir: string): Promise<string | undefined> {
  try {
    await fs.rm(dir, { recursive: true, force: true });
  } catch (err) {
    return `delete_failed: ${describeError(err)}`;
  }
  const still = await fs.lstat(dir).then(
    () => true,
    () => false,
  );
  return still ? 'post_delete_check_failed' : undefined;
}

export async function runGc(root: string, opts: GcOptions = {}): Promise<GcResult> {
  const result: GcResult = {
    root,
    dry_run: opts.dryRun ?? false,
    older_than: opts.olderThan ?? DEFAULT_OLDER_THAN,
    older_than_source: opts.olderThan !== undefined ? 'flag' : 'default',
    deleted: 0,
    skipped: 0,
    out_of_scope: 0,
    failed: 0,
    freed_bytes: 0,
    scanned_dirs: 0,
    candidate_count: 0,
    jobs: [],
  };
  const rootExists = await fs.stat(root).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (!rootExists) return result;
  const retention = parseDurationSeconds(result.older_than);
  const cutoff = formatTimestamp((opts.now ?? Date.now()) - retention * 1000);

  let names = await jobDirNames(root);
  if (opts.scanLimit !== undefined) names = names.slice(0, opts.scanLimit);
  result.scanned_dirs = names.length;
  const scanned = await mapLimit(names, SCAN_CONCURRENCY, (name) => scanOne(root, name, cutoff));

  const candidates: Candidate[] = [];
  for (const s of scanned) {
    if ('candidate' in s) candidates.push(s.candidate);
    else {
      result.jobs.push(s.skip);
      result.skipped++;
      result.out_of_scope++;
    }
  }
  // Oldest first; Array.prototype.sort is stable, so equal stamps keep scan order like Rust's sort_by.
  candidates.sort((a, b) => (a.stamp < b.stamp ? -1 : a.stamp > b.stamp ? 1 : 0));
  applyLimits(candidates, opts.maxJobs, opts.maxBytes);

  const selected: Candidate[] = [];
  for (const c of candidates) {
    if (c.reasons.length > 0) selected.push(c);
    else {
      result.jobs.push(skipEntry(c.name, c.state, 'policy_not_matched', c.bytes));
      result.skipped++;
      result.out_of_scope++;
    }
  }
  result.candidate_count = selected.length;

  for (const c of selected) {
    const reason = c.reasons.join('+');
    if (opts.deleteLimit !== undefined && result.deleted >= opts.deleteLimit) {
      result.jobs.push(skipEntry(c.name, c.state, 'delete_budget_exhausted', c.bytes));
      result.skipped++;
      continue;
    }
    if (result.dry_run) {
      result.jobs.push({ job_id: c.name, state: c.state, action: 'would_delete', reason, bytes: c.bytes });
      result.freed_bytes += c.bytes;
      continue;
    }
    const { skip, failure } = await removeFinishedJob(jobPaths(root, c.name));
    if (skip) {
      result.jobs.push(skipEntry(c.name, c.state, skip, c.bytes));
      result.skipped++;
    } else if (failure) {
      result.jobs.push(skipEntry(c.name, c.state, failure, c.bytes));
      result.skipped++;
      result.failed++;
    } else {
      result.jobs.push({ job_id: c.name, state: c.state, action: 'deleted', reason, bytes: c.bytes });
      result.deleted++;
      result.freed_bytes += c.bytes;
    }
  }
  return result;
}

/** Auto-GC settings (config `[gc]` overridden by `--auto-gc-*` flags). */
export interface AutoGcPolicy {
  olderThan?: string;
  maxJobs?: number;
  maxBytes?: number;
  scanLimit?: number;
  deleteLimit?: number;
}

/** True when an existing `.gc.lock` is left over: older than GC_LOCK_STALE_MS or its owner is gone. */
async function lockIsStale(lockFile: string): Promise<boolean> {
  const st = await fs.stat(lockFile).catch(() => undefined);
  if (!st) return true;
  if (Date.now() - st.mtimeMs > GC_LOCK_STALE_MS) return true;
  const [pidText, startText] = (await fs.readFile(lockFile, 'utf8').catch(() => '')).trim().split(' ');
  const pid = Number(pidText);
  // A lock without a readable owner (e.g. written by agent-exec) expires by age only.
  if (!Number.isInteger(pid) || pid <= 0) return false;
  return !isProcessAlive(pid, startText ? Number(startText) : undefined);
}

async function acquireGcLock(lockFile: string): Promise<boolean> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await fs.open(lockFile, 'wx', 0o600);
      const me = identify(process.pid);
      await handle.writeFile(`${me.pid} ${me.startTime ?? ''}`);
      await handle.close();
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      if (attempt > 0 || !(await lockIsStale(lockFile))) return false;
      // Two processes may both break the same stale lock; the worst case is two idempotent GC passes.
      await fs.rm(lockFile, { force: true });
    }
  }
  return false;
}

/**
 * Auto-GC after a successful `run`/`start` launch: bounded by `scanLimit` (default 200) and
 * `deleteLimit` (default 20), serialized by `<root>/.gc.lock`. Returns the result, or undefined
 * when another GC holds the lock. Never throws: failures go to `warn` and are otherwise ignored,
 * as in agent-exec.
 */
export async function autoGc(
  root: string,
  policy: AutoGcPolicy = {},
  warn: (message: string) => void = () => {},
): Promise<GcResult | undefined> {
  const lockFile = path.join(root, GC_LOCK_NAME);
  try {
    if (!(await acquireGcLock(lockFile))) return undefined;
  } catch (err) {
    warn(`auto-gc: cannot take ${lockFile}: ${describeError(err)}`);
    return undefined;
  }
  try {
    return await runGc(root, {
      olderThan: policy.olderThan,
      maxJobs: policy.maxJobs,
      maxBytes: policy.maxBytes,
      scanLimit: policy.scanLimit ?? DEFAULT_SCAN_LIMIT,
      deleteLimit: policy.deleteLimit ?? DEFAULT_DELETE_LIMIT,
    });
  } catch (err) {
    warn(`auto-gc failed: ${describeError(err)}`);
    return undefined;
  } finally {
    await fs.rm(lockFile, { force: true }).catch(() => undefined);
  }
}
