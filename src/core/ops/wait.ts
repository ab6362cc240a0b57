/**
 * `wait`, and the event-driven waiting on a job that `wait`, `kill` and `run` share
 * (agent-exec-compat.md §10.4): it wakes on file-system events in the job directory (state.json is replaced
 * by rename, logs are appended), not on a poll. A slow liveness tick remains because a
 * supervisor that dies writes nothing: that is the only way to notice it (and
 * `readCurrentState` then reports the job as failed).
 */
import { promises as fs, watch, type FSWatcher } from 'node:fs';
import { isTerminal, type JobState, type JobStatus } from '../schema';
import { resolveJob, type JobPaths } from '../store/jobDir';
import { readCurrentState } from '../store/stateFile';

export const DEFAULT_WAIT_UNTIL_SECONDS = 30;

export interface WaitResult {
  job_id: string;
  state: JobStatus;
  exit_code?: number;
  stdout_total_bytes?: number;
  stderr_total_bytes?: number;
  updated_at: string;
  /** ours: why a job failed (e.g. its supervisor was lost). */
  error?: string;
}

/** Size by stat, undefined when the file is missing (the key is then omitted, as in agent-exec). */
const sizeOf = (file: string) =>
  fs.stat(file).then(
    (s) => s.size,
    () => undefined,
  );

/**
 * `wait` (agent-exec-compat.md §4.6): returns when the job is terminal or `timeoutMs` has passed
 * (undefined = `--forever`). Event-driven (§10.4): wakes on the state change instead of
 * polling, and a job whose supervisor and workload are gone is reported `failed` rather than
 * waited on forever (§10.1).
 */
export async function waitJob(root: string, input: string, opts: WaitOptions = {}): Promise<WaitResult> {
  const paths = await resolveJob(root, input);
  const { state: st } = await waitForJob(paths, (s) => isTerminal(s.job.status), opts);
  const [out, err] = await Promise.all([sizeOf(paths.stdout), sizeOf(paths.stderr)]);
  return {
    job_id: paths.id,
    state: st.job.status,
    ...(isTerminal(st.job.status) && st.result.exit_code !== null ? { exit_code: st.result.exit_code } : {}),
    ...(out !== undefined ? { stdout_total_bytes: out } : {}),
    ...(err !== undefined ? { stderr_total_bytes: err } : {}),
    updated_at: st.updated_at,
    ...(st.error !== undefined ? { error: st.error } : {}),
  };
}

/** How often a waiter re-checks process liveness when no file event arrives. */
export const LIVENESS_TICK_MS = 250;

export interface WaitOptions {
  /** Give up after this many ms (undefined = no deadline). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * Resolves with the first state for which `done(state)` is true, or with the latest state when
 * the deadline passes. `done` may look at other files (e.g. log sizes): it is re-evaluated on
 * every change in the job directory.
 */
export async function waitForJob(
  paths: JobPaths,
  done: (state: JobState) => boolean | Promise<boolean>,
  opts: WaitOptions = {},
): Promise<{ state: JobState; satisfied: boolean }> {
  let state = await readCurrentState(paths);
  if (await done(state)) return { state, satisfied: true };
  if (opts.timeoutMs !== undefined && opts.timeoutMs <= 0) return { state, satisfied: false };
  return new Promise((resolve, reject) => {
    let watcher: FSWatcher | undefined;
    let checking = false;
    let again = false;
    const finish = (satisfied: boolean, err?: unknown) => {
      watcher?.close();
      clearInterval(tick);
      clearTimeout(deadline);
      opts.signal?.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else resolve({ state, satisfied });
    };
    const check = async () => {
      if (checking) {
        again = true;
        return;
      }
      checking = true;
      try {
        do {
          again = false;
          state = await readCurrentState(paths);
          if (await done(state)) return finish(true);
        } while (again);
      } catch (err) {
        finish(false, err);
      } finally {
        checking = false;
      }
    };
    const onAbort = () => finish(false);
    try {
      watcher = watch(paths.dir, { persistent: true }, () => void check());
      watcher.on('error', () => void check());
    } catch {
      // The directory vanished; the liveness tick reports the read error.
    }
    const tick = setInterval(() => void check(), LIVENESS_TICK_MS);
    const deadline = opts.timeoutMs !== undefined ? setTimeout(() => finish(false), opts.timeoutMs) : undefined;
    opts.signal?.addEventListener('abort', onAbort);
    // A change between the first read and the watch being armed would otherwise be missed.
    void check();
  });
}
