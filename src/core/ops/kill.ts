/**
 * `kill` (agent-exec-compat.md §4.7) done honestly (§10.5–§10.7): every process of the job is signalled
 * after its identity is verified, the op waits until they are all gone (escalating to KILL
 * after the grace period), and only then is the job recorded as terminal — by its supervisor
 * when one is alive, by us otherwise.
 */
import { invalidState } from '../errors';
import { isTerminal, type JobState, type JobStatus } from '../schema';
import { nowTimestamp } from '../time';
import { loadRedactor, redactString } from '../redact';
import { waitForJob } from './jobWatch';
import { readMeta, readState, resolveJob, type JobPaths } from '../store/jobDir';
import { supervisorAlive, updateState } from '../store/stateFile';
import { ageSeconds } from '../process/identity';
import { portsOf, type PortListener } from '../process/ports';
import { isProcessAlive, readCommandLine } from '../process/proc';
import { killProcessTree, scanKillTargets, type KillSubject, type TargetReason, type WorkloadIdentity } from '../process/killTree';
import { DEFAULT_KILL_SIGNAL, normalizeSignal } from '../process/signals';

export const DEFAULT_GRACE_MS = 5_000;
/** How long a live supervisor gets to record the exit once the processes are gone. */
const SUPERVISOR_RECORD_MS = 3_000;
/** How long to wait for a just-launched job's supervisor to record the workload pid. */
const PID_RECORD_MS = 5_000;

export interface KillOptions {
  /** TERM (default), INT, KILL, HUP, QUIT, USR1, USR2, lowercase, SIG-prefixed or a number. */
  signal?: string;
  /** ms to wait for the processes to exit before escalating to KILL (default 5 s). */
  graceMs?: number;
  /** false: signal and return without waiting (`--no-wait`). Default true. */
  wait?: boolean;
}

/** Response payload of `kill`: agent-exec's keys in its order, then ours. */
export interface KillResult {
  job_id: string;
  /** The requested signal, uppercased as agent-exec reports it (`term` → `TERM`). */
  signal: string;
  state?: JobStatus;
  exit_code?: number;
  terminated_signal?: string;
  /** Real time from the first signal until every process was verified gone (or until we gave up). */
  observed_within_ms?: number;
  /** ours: the grace period ended with survivors and SIGKILL was sent. */
  escalated?: boolean;
  /** ours: pids known to have received a signal (the workload first; group members it took down at once may be missing). */
  signalled?: number[];
  /** ours: pids still alive when kill stopped waiting ([] when all died). */
  survivors?: number[];
}

/** Where the ops get the job's processes from a state record (kill, its preview, ports). */
export function subjectOf(st: JobState): KillSubject {
  const legacy = st.pid_start_time === undefined;
  const startedAtMs = legacy && st.job.started_at ? Date.parse(st.job.started_at) : undefined;
  return {
    jobId: st.job.id,
    ...(st.pid !== undefined ? { pid: st.pid } : {}),
    ...(st.pid_start_time !== undefined ? { pidStartTime: st.pid_start_time } : {}),
    ...(startedAtMs !== undefined && Number.isFinite(startedAtMs) ? { startedAtMs } : {}),
    ...(st.supervisor_pid !== undefined ? { spare: [st.supervisor_pid] } : {}),
  };
}

const notStarted = (input: string) => invalidState(`job ${input} is in 'created' state and has not been started; cannot send signal`);

/** agent-exec's answer for a job that is already over (or one we stopped observing). */
function stateFields(st: JobState): Pick<KillResult, 'state' | 'exit_code' | 'terminated_signal'> {
  return {
    state: st.job.status,
    ...(st.result.exit_code !== null ? { exit_code: st.result.exit_code } : {}),
    ...(st.result.signal !== null ? { terminated_signal: st.result.signal } : {}),
  };
}

/** Records `killed` unless the job is already terminal (the supervisor may have won the race). */
async function recordKilled(paths: JobPaths, signal: string): Promise<JobState | undefined> {
  return updateState(paths, (cur) => {
    if (!cur || isTerminal(cur.job.status)) return undefined;
    const now = nowTimestamp();
    return {
      ...cur,
      job: { ...cur.job, status: 'killed' },
      result: { exit_code: null, signal, duration_ms: null },
      finished_at: now,
      updated_at: now,
    };
  });
}

/** A job that has just been launched may not have its workload pid recorded yet: wait for it (bounded). */
async function settledState(paths: JobPaths, st: JobState): Promise<JobState> {
  if (st.pid !== undefined || !supervisorAlive(st)) return st;
  const { state } = await waitForJob(paths, (s) => s.pid !== undefined || isTerminal(s.job.status), { timeoutMs: PID_RECORD_MS });
  return state;
}

/** The job a kill (or its preview) is about, its state settled: both find the processes from it the same way (subjectOf). */
async function jobToKill(root: string, input: string): Promise<{ paths: JobPaths; st: JobState }> {
  const paths = await resolveJob(root, input);
  const st = await readState(paths);
  return { paths, st: st.job.status === 'running' ? await settledState(paths, st) : st };
}

/**
 * Kills a job's processes and reports what happened. `input` is a job id or unique prefix.
 * Never signals a recycled pid, the job's supervisor, this process or its ancestors.
 */
export async function killJob(root: string, input: string, opts: KillOptions = {}): Promise<KillResult> {
  const sig = normalizeSignal(opts.signal ?? DEFAULT_KILL_SIGNAL);
  const wait = opts.wait ?? true;
  const { paths, st } = await jobToKill(root, input);
  if (st.job.status === 'created') throw notStarted(input);
  const job_id = st.job.id;
  if (isTerminal(st.job.status)) {
    return wait ? { job_id, signal: sig.label, ...stateFields(st), observed_within_ms: 0 } : { job_id, signal: sig.label };
  }

  const tree = await killProcessTree(subjectOf(st), sig.node, { graceMs: opts.graceMs ?? DEFAULT_GRACE_MS, wait });
  const ours = { escalated: tree.escalated, signalled: tree.signalled };
  // The signal that ended the job: what was asked for, or KILL when we had to escalate.
  const recorded = tree.escalated ? 'KILL' : sig.label;
  if (!wait) {
    // Nothing was alive to signal: the job is already over and can be recorded as such now.
    if (tree.signalled.length === 0 && !supervisorAlive(st)) await recordKilled(paths, recorded);
    return { job_id, signal: sig.label, ...ours };
  }
  // A workload that was not a target (kill running inside its own job spares its ancestors) is a survivor too.
  const workloadLeft = st.pid !== undefined && st.pid_start_time !== undefined && isProcessAlive(st.pid, st.pid_start_time);
  const survivors = workloadLeft && !tree.survivors.includes(st.pid!) ? [st.pid!, ...tree.survivors] : tree.survivors;
  if (survivors.length === 0) {
    const supervised =
      supervisorAlive(st) && (await waitForJob(paths, (s) => isTerminal(s.job.status), { timeoutMs: SUPERVISOR_RECORD_MS })).satisfied;
    if (!supervised) await recordKilled(paths, recorded);
  }
  const final = await readState(paths);
  return {
    job_id,
    signal: sig.label,
    ...stateFields(final),
    observed_within_ms: tree.observedMs ?? 0,
    ...ours,
    survivors,
  };
}

export interface KillTargetInfo {
  pid: number;
  reason: TargetReason;
  /** The process's command line (truncated), for a confirmation dialog. */
  command: string;
  /** Seconds since the process started (absent where there is no /proc). */
  age_s?: number;
}

/** What `kill` would do right now: the processes it would signal, the ports they hold, who started the job and when. */
export interface KillTargetsDescription {
  job_id: string;
  state: JobStatus;
  identity: WorkloadIdentity;
  targets: KillTargetInfo[];
  /** The listening sockets of the targets. */
  ports: PortListener[];
  owner?: string;
  started_at?: string;
  /** Seconds since the job started. */
  running_for_s?: number;
}

/**
 * Which processes `killJob` would signal right now (nothing is signalled): the same settled
 * state and the same /proc scan (scanKillTargets → procScan.scanOnce) the kill starts from;
 * none unless the job is running. `kill --dry-run` answers this.
 */
export async function describeKillTargets(root: string, input: string): Promise<KillTargetsDescription> {
  const { paths, st } = await jobToKill(root, input);
  const meta = await readMeta(paths);
  const startedMs = st.job.started_at ? Date.parse(st.job.started_at) : NaN;
  const about = {
    ...(meta.owner !== undefined ? { owner: meta.owner } : {}),
    ...(st.job.started_at !== undefined ? { started_at: st.job.started_at } : {}),
    ...(st.job.status === 'running' && Number.isFinite(startedMs)
      ? { running_for_s: Math.max(0, Math.floor((Date.now() - startedMs) / 1000)) }
      : {}),
  };
  if (st.job.status !== 'running') return { job_id: st.job.id, state: st.job.status, identity: 'none', targets: [], ports: [], ...about };
  const scan = scanKillTargets(subjectOf(st));
  // A process's arguments may hold the job's masked values (a shell expands them into argv).
  const redactor = await loadRedactor(paths.dir);
  return {
    job_id: st.job.id,
    state: st.job.status,
    identity: scan.identity,
    targets: scan.targets.map((t) => ({
      pid: t.pid,
      reason: t.reason,
      command: redactString(redactor, readCommandLine(t.pid)),
      ...(t.startTime > 0 ? { age_s: ageSeconds(t.startTime) } : {}),
    })),
    ports: portsOf(scan.targets.map((t) => t.pid)),
    ...about,
  };
}
