/**
 * `--progress-every` (agent-exec-compat.md §3.6, fixed per §10.8): while the workload runs, its
 * record's `updated_at` is refreshed every period, under the state lock (agent-exec rewrote it
 * in place every 100 ms). The Node supervisor runs it in-process; a shim-supervised job in the
 * Node step `_progress` (finish.ts), the only Node process such a job then keeps.
 */
import type { JobPaths } from '../store/jobDir';
import { updateState } from '../store/stateFile';
import { MAX_TIMER_MS, nowTimestamp } from '../time';

/** Starts the refresh for workload `pid`; returns the stop. A record of another workload (a new attempt) is left alone. */
export function startProgress(paths: JobPaths, everyMs: number, pid: number): () => void {
  // A period beyond the timer range would never come anyway.
  if (!(everyMs > 0 && everyMs <= MAX_TIMER_MS)) return () => undefined;
  const timer = setInterval(() => {
    void updateState(paths, (cur) =>
      cur?.job.status === 'running' && cur.pid === pid ? { ...cur, updated_at: nowTimestamp() } : undefined,
    ).catch(() => undefined);
  }, everyMs);
  return () => clearInterval(timer);
}
