/** What a kill is asked and what it answers, shared by the Linux kill and the portable fallback. */
import type { WorkloadIdentity } from './identity';

export interface TreeKillOptions {
  /** How long to wait for the processes to exit after the requested signal (ms). */
  graceMs: number;
  /** false: signal and return without waiting. */
  wait: boolean;
  /** How long to wait after escalating to SIGKILL (ms). */
  killWaitMs?: number;
}

export interface TreeKillResult {
  /** What the recorded pid was when the kill began. */
  identity: WorkloadIdentity;
  /**
   * Every pid known to have received a signal, in the order signalled. Members of the workload's
   * group that the first (group) signal ended before any scan saw them are not listed.
   */
  signalled: number[];
  /** Pids still alive when we stopped waiting ([] when all are gone; [] without waiting). */
  survivors: number[];
  escalated: boolean;
  /** ms from the first signal until the last process was verified gone, or until we gave up (0: nothing signalled; undefined: not waited). */
  observedMs?: number;
}

export const DEFAULT_KILL_WAIT_MS = 2_000;
/** Poll back-off after a signal: there is no event for the exit of a process that is not our child. */
export const POLL_DELAYS_MS = [1, 2, 4, 8, 10];

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
