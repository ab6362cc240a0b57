/**
 * The event-driven waiting on a job that `wait`, `kill` and `run` share (agent-exec-compat.md
 * §10.4): it wakes on file-system events in the job directory (state.json is replaced by
 * rename, logs are appended), not on a poll. A slow liveness tick remains because a supervisor
 * that dies writes nothing: that is the only way to notice it (and `readCurrentState` then
 * reports the job as failed).
 */
import { statSync, watch, type FSWatcher } from 'node:fs';
import * as path from 'node:path';
import type { JobState } from '../schema';
import type { JobPaths } from '../store/jobDir';
import { readCurrentState, supervisorAlive } from '../store/stateFile';

/** How often a waiter re-checks process liveness when no file event arrives. */
export const LIVENESS_TICK_MS = 250;

export interface WaitOptions {
  /** Give up after this many ms (undefined = no deadline). */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Look again this often even without a file event (default LIVENESS_TICK_MS): ports and URLs make none. */
  tickMs?: number;
  /**
   * `done` looks at the logs: their appends wake it too. Otherwise only the record's files do: a
   * waiter re-reading the state on every append of a burst took a core from the workload.
   */
  logs?: boolean;
}

/**
 * Log events within STORM_WINDOW_MS that make a burst. Every event wakes the waiter, even one it
 * ignores: in a burst that took a core from the workload. The watch is then dropped for a look
 * every STORM_POLL_MS, and armed again once the logs stop growing.
 */
const STORM_EVENTS = 100;
const STORM_WINDOW_MS = 100;
const STORM_POLL_MS = 50;

const logBytes = (paths: JobPaths): string => {
  const size = (file: string) => {
    try {
      return statSync(file).size;
    } catch {
      return -1;
    }
  };
  return `${size(paths.stdout)}:${size(paths.stderr)}`;
};

/**
 * Resolves with the first state for which `done(state)` is true, or with the latest state when
 * the deadline passes. `done` is re-evaluated on every change in the job directory, but for the
 * logs' appends unless `opts.logs` says it looks at them.
 */
export async function waitForJob(
  paths: JobPaths,
  done: (state: JobState) => boolean | Promise<boolean>,
  opts: WaitOptions = {},
): Promise<{ state: JobState; satisfied: boolean }> {
  let state = await readCurrentState(paths);
  if (await done(state)) return { state, satisfied: true };
  if (opts.timeoutMs !== undefined && opts.timeoutMs <= 0) return { state, satisfied: false };
  // The names in the directory of the files the workload's output grows.
  const logNames = new Set([paths.stdout, paths.stderr, paths.full].map((f) => path.basename(f)));
  return new Promise((resolve, reject) => {
    let watcher: FSWatcher | undefined;
    let checking = false;
    let again = false;
    const finish = (satisfied: boolean, err?: unknown) => {
      watcher?.close();
      clearInterval(storm);
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
    let storm: NodeJS.Timeout | undefined;
    let windowStart = 0;
    let windowEvents = 0;
    const onLogEvent = () => {
      const now = Date.now();
      if (now - windowStart > STORM_WINDOW_MS) {
        windowStart = now;
        windowEvents = 0;
      }
      if (++windowEvents < STORM_EVENTS) return;
      watcher?.close();
      watcher = undefined;
      let seen = logBytes(paths);
      storm = setInterval(() => {
        void check();
        const grown = logBytes(paths);
        if (grown !== seen) {
          seen = grown;
          return;
        }
        clearInterval(storm);
        storm = undefined;
        windowEvents = 0;
        arm();
        void check();
      }, STORM_POLL_MS);
    };
    const arm = () => {
      try {
        watcher = watch(paths.dir, { persistent: true }, (_event, name) => {
          if (name !== null && logNames.has(String(name))) {
            onLogEvent();
            if (!opts.logs || !watcher) return;
          }
          void check();
        });
        watcher.on('error', () => void check());
      } catch {
        // The directory vanished; the liveness tick reports the read error.
      }
    };
    arm();
    const tick = setInterval(() => void check(), opts.tickMs ?? LIVENESS_TICK_MS);
    const deadline = opts.timeoutMs !== undefined ? setTimeout(() => finish(false), opts.timeoutMs) : undefined;
    opts.signal?.addEventListener('abort', onAbort);
    // A change between the first read and the watch being armed would otherwise be missed.
    void check();
  });
}

/** How long a caller that must not meet a finished job's supervisor (rerun, delete) waits for it. */
export const FINISHING_WAIT_MS = 5000;

/**
 * Waits (bounded) until the supervisor of the job's record has exited: after the exit a shim
 * still drains full.log, writes the record and events and runs the sinks, in the job directory.
 * True when it is gone (or was).
 */
export async function supervisorFinished(paths: JobPaths, timeoutMs = FINISHING_WAIT_MS): Promise<boolean> {
  return (await waitForJob(paths, (s) => !supervisorAlive(s), { timeoutMs })).satisfied;
}
