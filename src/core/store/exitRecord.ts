/**
 * The workload's exit as the per-job shim records it (`<job>/exit.rec`, key=value lines) before
 * anything else runs: the raw wait status (so `exit 130` and a SIGINT death differ), the
 * duration and whether the timeout ended it. `_finish` turns it into the terminal state; a
 * reader that finds the job's processes gone settles from it too, so the exit survives the
 * death of any later step.
 */
import { closeSync, openSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { JobState } from '../schema';
import { formatTimestamp, nowTimestamp } from '../time';
import { SAFE_READ_FLAGS } from './jobDir';

const EXIT_RECORD_NAME = 'exit.rec';

export interface ExitRecord {
  pid: number;
  /** Raw wait status (waitpid). */
  status: number;
  durationMs: number;
  timedOut: boolean;
  startedMs: number;
  finishedMs: number;
}

/** The job's exit record, undefined when there is none (or it is not one). */
export function readExitRecord(dir: string): ExitRecord | undefined {
  let text: string;
  try {
    const fd = openSync(path.join(dir, EXIT_RECORD_NAME), SAFE_READ_FLAGS);
    try {
      text = readFileSync(fd, 'utf8');
    } finally {
      closeSync(fd);
    }
  } catch {
    return undefined;
  }
  const v: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const m = /^(\w+)=(\d+)$/.exec(line);
    if (m) v[m[1]] = Number(m[2]);
  }
  const fields = ['pid', 'status', 'duration_ms', 'timed_out', 'started_ms', 'finished_ms'];
  if (!fields.every((k) => Number.isSafeInteger(v[k]))) return undefined;
  return {
    pid: v.pid,
    status: v.status,
    durationMs: v.duration_ms,
    timedOut: v.timed_out === 1,
    startedMs: v.started_ms,
    finishedMs: v.finished_ms,
  };
}

/** Exit code or terminating signal number of a raw wait status (POSIX layout). */
function decodeWaitStatus(status: number): { code: number | null; signal: number | null } {
  const sig = status & 0x7f;
  return sig !== 0 && sig !== 0x7f ? { code: null, signal: sig } : { code: (status >> 8) & 0xff, signal: null };
}

interface WorkloadExit {
  jobId: string;
  pid: number;
  code: number | null;
  /** Terminating signal number; null when the workload exited. */
  signal: number | null;
  durationMs: number;
  timedOut: boolean;
  startedAt: string;
  finishedAt?: string;
  supervisor?: { pid: number; startTime?: number };
}

/** The terminal record of a workload's exit (the one form every supervisor writes). */
export function exitState(cur: JobState | undefined, x: WorkloadExit): JobState {
  const at = x.finishedAt ?? nowTimestamp();
  const next: JobState = {
    job: { id: x.jobId, status: x.signal !== null ? 'killed' : 'exited', started_at: x.startedAt },
    result: {
      exit_code: x.signal !== null ? null : x.code,
      signal: x.signal !== null ? String(x.signal) : null,
      duration_ms: x.durationMs,
    },
    pid: x.pid,
    finished_at: at,
    updated_at: at,
    pid_start_time: cur?.pid_start_time,
    supervisor_pid: x.supervisor?.pid ?? cur?.supervisor_pid,
    supervisor_start_time: x.supervisor ? x.supervisor.startTime : cur?.supervisor_start_time,
  };
  if (x.timedOut) next.timed_out = true;
  return next;
}

/** The terminal record from the shim's exit record. */
export function stateFromExitRecord(cur: JobState | undefined, jobId: string, rec: ExitRecord): JobState {
  return exitState(cur, {
    jobId,
    pid: rec.pid,
    ...decodeWaitStatus(rec.status),
    durationMs: rec.durationMs,
    timedOut: rec.timedOut,
    startedAt: cur?.job.started_at ?? formatTimestamp(rec.startedMs),
    finishedAt: formatTimestamp(rec.finishedMs),
  });
}
