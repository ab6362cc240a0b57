/**
 * `delete` / `rm` (agent-exec-compat.md §8.2): one job by id, or every finished job of the caller's
 * directory. A `running` record whose processes are gone counts as `failed` (§10.1), so it can
 * be deleted; a recorded pid is only "alive" if its start time still matches (§10.7).
 */
import { JobError, invalidState } from '../errors';
import { isProcessAlive } from '../process/proc';
import { isTerminal, type JobState, type JobStatus } from '../schema';
import { jobPaths, readMeta, readState, resolveJob, type JobPaths } from '../store/jobDir';
import { withJobLock } from '../store/lock';
import { lostReason, readCurrentState, supervisorAlive } from '../store/stateFile';
import { supervisorFinished } from './jobWatch';
import { removeFinishedJob, removeJobDir } from './gc';
import { jobDirNames, mapLimit, SCAN_CONCURRENCY } from './scan';

export interface DeleteEntry {
  job_id: string;
  state: JobStatus | 'unknown';
  action: 'deleted' | 'would_delete' | 'skipped';
  reason: string;
}

export interface DeleteResult {
  root: string;
  dry_run: boolean;
  /** Only for `--all`: the directory whose jobs were considered. */
  cwd_scope?: string;
  deleted: number;
  skipped: number;
  out_of_scope: number;
  failed: number;
  jobs: DeleteEntry[];
}

/** The state as delete sees it: unreadable → unknown, lost running → failed (without writing: we hold the lock). */
async function settledStatus(paths: JobPaths): Promise<JobStatus | 'unknown'> {
  const st = await readState(paths).catch(() => undefined);
  if (!st) return 'unknown';
  return lostReason(st) ? 'failed' : st.job.status;
}

/** A finished job's supervisor still finishing (full.log, record, events, sinks) is waited for: removing the directory under it fails or leaves files. */
async function finishingDone(paths: JobPaths): Promise<void> {
  const seen = await readState(paths).catch(() => undefined);
  if (seen && isTerminal(seen.job.status) && supervisorAlive(seen)) await supervisorFinished(paths);
}

/** `delete <id>`: any state but running; `internal_error` when the directory cannot be removed. */
export async function deleteJob(root: string, input: string, opts: { dryRun?: boolean } = {}): Promise<DeleteResult> {
  const paths = await resolveJob(root, input);
  const dryRun = opts.dryRun ?? false;
  if (!dryRun) await finishingDone(paths);
  // Under the job lock so that a concurrent `start` cannot launch the job while it is removed.
  const state = await withJobLock(paths.dir, async () => {
    const s = await settledStatus(paths);
    if (s === 'running') throw invalidState(`cannot delete job ${input}: job is currently running`);
    if (!dryRun) {
      const failure = await removeJobDir(paths.dir);
      if (failure) throw new JobError('internal_error', `failed to delete job ${paths.id}: ${failure}`);
    }
    return s;
  });
  return {
    root,
    dry_run: dryRun,
    deleted: dryRun ? 0 : 1,
    skipped: 0,
    out_of_scope: 0,
    failed: 0,
    jobs: [{ job_id: paths.id, state, action: dryRun ? 'would_delete' : 'deleted', reason: 'explicit_delete' }],
  };
}

/** Why a finished job must be kept, or undefined. */
function keepReason(st: JobState): string | undefined {
  if (st.job.status === 'running' || st.job.status === 'created') return st.job.status;
  if (st.pid !== undefined && isProcessAlive(st.pid, st.pid_start_time)) return 'pid_alive';
  return undefined;
}

type Verdict = { outOfScope: true } | { entry: DeleteEntry; failed?: boolean };

async function deleteOne(paths: JobPaths, scope: string, dryRun: boolean): Promise<Verdict> {
  const cwd = await readMeta(paths).then(
    (m) => m.cwd,
    () => undefined,
  );
  if (cwd !== scope) return { outOfScope: true };
  const st = await readCurrentState(paths).catch(() => undefined);
  const skip = (state: DeleteEntry['state'], reason: string, failed = false): Verdict => ({
    entry: { job_id: paths.id, state, action: 'skipped', reason },
    failed,
  });
  if (!st) return skip('unknown', 'state_unreadable');
  const state = st.job.status;
  const keep = isTerminal(state) ? keepReason(st) : state;
  if (keep) return skip(state, keep);
  if (dryRun) return { entry: { job_id: paths.id, state, action: 'would_delete', reason: 'terminal_in_cwd' } };
  await finishingDone(paths);
  const removed = await removeFinishedJob(paths);
  if (removed.skip) return skip(state, removed.skip);
  if (removed.failure) return skip(state, removed.failure, true);
  return { entry: { job_id: paths.id, state, action: 'deleted', reason: 'terminal_in_cwd' } };
}

/** `delete --all`: finished jobs whose `meta.cwd` is `scope` (the caller's canonical cwd). */
export async function deleteAll(root: string, scope: string, opts: { dryRun?: boolean } = {}): Promise<DeleteResult> {
  const dryRun = opts.dryRun ?? false;
  const result: DeleteResult = { root, dry_run: dryRun, cwd_scope: scope, deleted: 0, skipped: 0, out_of_scope: 0, failed: 0, jobs: [] };
  const names = await jobDirNames(root);
  const verdicts = await mapLimit(names, SCAN_CONCURRENCY, (name) => deleteOne(jobPaths(root, name), scope, dryRun));
  for (const v of verdicts) {
    if ('outOfScope' in v) {
      result.out_of_scope++;
      continue;
    }
    result.jobs.push(v.entry);
    if (v.entry.action === 'deleted') result.deleted++;
    else if (v.entry.action === 'skipped') {
      result.skipped++;
      if (v.failed) result.failed++;
      else result.out_of_scope++;
    }
  }
  return result;
}
