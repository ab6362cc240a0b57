/**
 * Starting a job's supervisor (agent-exec-compat.md §3.1, hardened per §10.2, §10.3, §10.6, §10.12).
 * The supervisor runs detached in its own session, receives its spec (real env values
 * included) on a stdin pipe — never in argv — and answers with one handshake line on stdout
 * once the workload is spawned and recorded, so that when the launcher returns, `state.json`
 * already names the workload, and a spawn failure is known at once.
 */
import { spawn } from 'node:child_process';
import { JobError } from '../errors';
import { readState, type JobPaths } from '../store/jobDir';
import { killProcessTree } from '../process/killTree';
import { updateState } from '../store/stateFile';
import { isTerminal } from '../schema';
import { nowTimestamp } from '../time';
import { readHandshake } from './handshake';
import { launchShim, shimCanSupervise } from './shim';

/** What the supervisor needs to run one job. Sent as JSON over its stdin. */
export interface SupervisorSpec {
  jobId: string;
  /** Job root as the caller gave it (paths in events are built from it). */
  root: string;
  /** Full workload argv: wrapper + command (see `workloadArgv`). */
  argv: string[];
  /** Complete workload environment (includes AGENT_EXEC_JOB_ID). */
  env: Record<string, string>;
  cwd: string;
  /** Absolute path of the stdin file; undefined = /dev/null. */
  stdinFile?: string;
  /**
   * `stdinFile` is the job's input FIFO: the supervisor holds it open (so the workload blocks on
   * a read instead of reading end-of-file) until `<job>/stdin.eof` appears (SIGUSR1 wakes it).
   */
  stdinPipe?: boolean;
  /** Where the combined `<ts> [STDOUT] line` log goes (job `full.log` or `--log`). */
  fullLog: string;
  timeoutMs: number;
  killAfterMs: number;
  progressEveryMs: number;
  /** Wrapper used for notification command sinks. */
  shellWrapper: string[];
  /** Environment of notification command sinks: the caller's (no job secrets). */
  sinkEnv: Record<string, string>;
  /** meta.json asks for output matching at launch. */
  outputMatch: boolean;
}

/**
 * How to start the supervisor process: the CLI passes its own Node and `dist/supervisor.js`;
 * the VS Code extension passes the host's executable with `ELECTRON_RUN_AS_NODE=1` in `env`.
 */
export interface SupervisorRuntime {
  execPath: string;
  script: string;
  /** The supervisor's environment (default: this process's). */
  env?: NodeJS.ProcessEnv;
  /** The supervisor's cwd (default: this process's); relative notify paths resolve against it. */
  cwd?: string;
}

/** The supervisor's one-line answer. */
export type Handshake = { ok: true; pid: number } | { ok: false; error: string };

export interface LaunchResult {
  /** Workload pid (process-group leader). */
  pid: number;
  supervisorPid: number;
}

// A supervisor is a Node start-up: on an overloaded machine (200 runs at once on 2 cores) that took
// over 5 s, and the job was refused although it would have run. Real spawn failures answer at once.
export const HANDSHAKE_TIMEOUT_MS = 15_000;

/** The argv that identifies a supervisor (`pgrep -f "_supervise.*<id>"` finds it). */
export const supervisorArgs = (script: string, jobId: string, root: string): string[] => [
  script,
  '_supervise',
  '--job-id',
  jobId,
  '--supervise-root',
  root,
];

/**
 * Starts the job's supervisor: the Perl shim where it can supervise the job (shim.ts), else (or
 * without perl) a Node supervisor. Resolves once the workload runs and is recorded.
 */
export async function launchSupervisor(
  spec: SupervisorSpec,
  runtime: SupervisorRuntime,
  handshakeTimeoutMs = HANDSHAKE_TIMEOUT_MS,
): Promise<LaunchResult> {
  const env = { ...(runtime.env ?? process.env) };
  // The kill sweep finds job processes by this variable; the supervisor must not carry it.
  delete env.AGENT_EXEC_JOB_ID;
  // The supervisor makes no TLS connections; loading an extra CA bundle doubles its start-up.
  delete env.NODE_EXTRA_CA_CERTS;
  if (shimCanSupervise(env)) {
    try {
      return await launchShim(spec, runtime, env, handshakeTimeoutMs, spec.outputMatch);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  return launchNodeSupervisor(spec, runtime, env, handshakeTimeoutMs);
}

/** Parses the Node supervisor's answer: the workload's pid, or why it could not start. */
function nodeAnswer(line: string, supervisorPid: number): LaunchResult {
  let hs: Handshake;
  try {
    hs = JSON.parse(line) as Handshake;
  } catch {
    throw new JobError('spawn_failed', `unreadable supervisor handshake: ${line}`);
  }
  if (!hs.ok) throw new JobError('spawn_failed', hs.error);
  return { pid: hs.pid, supervisorPid };
}

/** Spawns the detached Node supervisor, sends the spec, and waits (bounded) for its handshake. */
function launchNodeSupervisor(
  spec: SupervisorSpec,
  runtime: SupervisorRuntime,
  env: NodeJS.ProcessEnv,
  handshakeTimeoutMs: number,
): Promise<LaunchResult> {
  const child = spawn(runtime.execPath, supervisorArgs(runtime.script, spec.jobId, spec.root), {
    detached: true,
    stdio: ['pipe', 'pipe', 'ignore'],
    env,
    cwd: runtime.cwd,
    windowsHide: true,
  });
  return readHandshake(
    child,
    JSON.stringify(spec),
    handshakeTimeoutMs,
    (line) => nodeAnswer(line, child.pid!),
    (err) => new JobError('spawn_failed', `cannot start supervisor ${runtime.execPath}: ${err.message}`),
  );
}

/**
 * Launches and, if that fails, records the job as `failed` with the reason (never a silent
 * `running`). The error thrown is `spawn_failed` with the job id in `details`.
 */
export async function launchJob(paths: JobPaths, spec: SupervisorSpec, runtime: SupervisorRuntime): Promise<LaunchResult> {
  try {
    return await launchSupervisor(spec, runtime);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    // A supervisor given up on (handshake timeout under load) may already have started the
    // workload: a job that ran to its end is reported as it is; one still running is ended, so
    // `failed` is the truth and no unsupervised workload is left behind.
    const st = await readState(paths).catch(() => undefined);
    if (st && (st.job.status === 'exited' || st.job.status === 'killed') && st.pid !== undefined && st.supervisor_pid !== undefined) {
      return { pid: st.pid, supervisorPid: st.supervisor_pid };
    }
    const subject = {
      jobId: paths.id,
      ...(st?.pid !== undefined ? { pid: st.pid } : {}),
      ...(st?.pid_start_time !== undefined ? { pidStartTime: st.pid_start_time } : {}),
    };
    await killProcessTree(subject, 'SIGKILL', { graceMs: 0, wait: true }).catch(() => undefined);
    await recordFailed(paths, message).catch(() => undefined);
    throw new JobError('spawn_failed', `failed to start job ${paths.id}: ${message}`, { job_id: paths.id });
  }
}

/** Terminal `failed` record with an error message (kept if the job already ended otherwise). */
export function recordFailed(paths: JobPaths, error: string) {
  return updateState(paths, (cur) => {
    if (cur && isTerminal(cur.job.status)) return undefined;
    const now = nowTimestamp();
    return {
      job: { id: paths.id, status: 'failed', ...(cur?.job.started_at ? { started_at: cur.job.started_at } : {}) },
      result: { exit_code: null, signal: null, duration_ms: null },
      ...(cur?.pid !== undefined ? { pid: cur.pid } : {}),
      finished_at: now,
      updated_at: now,
      error,
    };
  });
}
