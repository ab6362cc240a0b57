/**
 * The one way to change `state.json` (agent-exec-compat.md §10.8): under the job lock, and never replacing
 * a terminal state with a non-terminal one. Reads reconcile `running` records whose
 * processes are gone into an honest `failed` (agent-exec-compat.md §10.1).
 */
import * as path from 'node:path';
import { appendStateEvent } from '../events';
import { nowTimestamp } from '../time';
import { isTerminal, type JobState } from '../schema';
import { isProcessAlive } from '../process/proc';
import { writeJsonAtomic } from './atomicWrite';
import { readExitRecord, stateFromExitRecord, type ExitRecord } from './exitRecord';
import { readState, type JobPaths } from './jobDir';
import { withJobLock } from './lock';

/** Serialization order of `state.json` (agent-exec-compat.md §2.2), our optional fields last. */
export function orderState(s: JobState): JobState {
  const ordered: Record<string, unknown> = {
    job: { id: s.job.id, status: s.job.status, ...(s.job.started_at !== undefined ? { started_at: s.job.started_at } : {}) },
    result: { exit_code: s.result.exit_code, signal: s.result.signal, duration_ms: s.result.duration_ms },
  };
  if (s.pid !== undefined) ordered.pid = s.pid;
  if (s.finished_at !== undefined) ordered.finished_at = s.finished_at;
  ordered.updated_at = s.updated_at;
  for (const k of ['windows_job_name', 'pid_start_time', 'supervisor_pid', 'supervisor_start_time', 'timed_out', 'error'] as const) {
    if (s[k] !== undefined) ordered[k] = s[k];
  }
  return ordered as unknown as JobState;
}

/**
 * Applies `change` to the current state under the lock. `change` gets the current state
 * (undefined when there is none yet) and returns the new one, or undefined to keep it.
 * A terminal state is never replaced by a non-terminal one, except by a new attempt (`rerun`).
 */
export async function updateState(
  paths: JobPaths,
  change: (current: JobState | undefined) => JobState | undefined,
  opts: { newAttempt?: boolean } = {},
): Promise<JobState | undefined> {
  return withJobLock(paths.dir, () => updateStateLocked(paths, change, opts));
}

/** updateState for a caller that already holds the job lock (`rerun` archives and flips under one lock). */
export async function updateStateLocked(
  paths: JobPaths,
  change: (current: JobState | undefined) => JobState | undefined,
  opts: { newAttempt?: boolean } = {},
): Promise<JobState | undefined> {
  const current = await readState(paths).catch(() => undefined);
  const next = change(current);
  if (!next) return current;
  if (!opts.newAttempt && current && isTerminal(current.job.status) && !isTerminal(next.job.status)) return current;
  const ordered = orderState(next);
  await writeJsonAtomic(paths.state, ordered);
  // Status transitions go to the root's event feed (pid-only updates do not).
  if (current?.job.status !== ordered.job.status) await appendStateEvent(path.dirname(paths.dir), ordered);
  return ordered;
}

/** Whether the supervisor a record names is still that process (pid and start time). */
export const supervisorAlive = (st: JobState): boolean =>
  st.supervisor_pid !== undefined && isProcessAlive(st.supervisor_pid, st.supervisor_start_time);

/**
 * Why a `running` record is a lie, or undefined when it is still true. With our records the
 * supervisor is identified by pid + start time; agent-exec's records only have the workload pid.
 */
export function lostReason(st: JobState): string | undefined {
  if (st.job.status !== 'running') return undefined;
  const workloadAlive = st.pid !== undefined && isProcessAlive(st.pid, st.pid_start_time);
  if (st.supervisor_pid !== undefined) {
    if (supervisorAlive(st) || workloadAlive) return undefined;
    return `supervisor (pid ${st.supervisor_pid}) exited without recording the job's exit`;
  }
  if (st.pid === undefined || workloadAlive) return undefined;
  return `process ${st.pid} is gone and no exit was recorded (supervisor lost)`;
}

/** The exit the job's shim recorded, when it belongs to this `running` record. */
function recordedExit(paths: JobPaths, st: JobState): ExitRecord | undefined {
  if (st.job.status !== 'running') return undefined;
  const exit = readExitRecord(paths.dir);
  return exit && (st.pid === undefined || st.pid === exit.pid) ? exit : undefined;
}

/**
 * Reads `state.json`, settling a `running` record on disk and in the answer when it is no longer
 * true: from the exit the job's shim recorded (the moment its workload ended, before any later
 * step ran), else, when its processes are gone, as `failed`.
 */
export async function readCurrentState(paths: JobPaths): Promise<JobState> {
  const st = await readState(paths);
  if (!recordedExit(paths, st) && !lostReason(st)) return st;
  const settled = await updateState(paths, (cur) => {
    if (!cur) return undefined;
    const exit = recordedExit(paths, cur);
    if (exit) return stateFromExitRecord(cur, paths.id, exit);
    const reason = lostReason(cur);
    if (!reason) return undefined;
    const now = nowTimestamp();
    return { ...cur, job: { ...cur.job, status: 'failed' }, finished_at: now, updated_at: now, error: reason };
  });
  return settled ?? st;
}
