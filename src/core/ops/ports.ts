/**
 * `ports`: who listens on each TCP/UDP port of the machine — a running job of the store (its
 * processes found as `kill` finds them: subjectOf + scanKillTargets) or a process outside it —
 * and the port → job lookup behind `kill --port`.
 */
import { JobError } from '../errors';
import { loadRedactor, redactString, type Redactor } from '../redact';
import { allListeners, portsOf, type PortListener, type PortProtocol, type SocketTable } from '../process/ports';
import { listProcesses, readCommandLine, type ProcStat } from '../process/proc';
import { scanKillTargets } from '../process/killTree';
import { readCurrentState } from '../store/stateFile';
import type { JobState } from '../schema';
import { jobPaths, readMeta, readState } from '../store/jobDir';
import { jobDirNames, mapLimit, SCAN_CONCURRENCY } from './scan';
import { subjectOf } from './kill';

/** The ports a listener can hold, as every surface accepts them (`--port`, `port`, `?port=`). */
export const PORT_RANGE = { min: 1, max: 65535 } as const;
export const PORT_RANGE_TEXT = `a port number from ${PORT_RANGE.min} to ${PORT_RANGE.max}`;
export const isPortNumber = (n: number): boolean => Number.isInteger(n) && n >= PORT_RANGE.min && n <= PORT_RANGE.max;

export interface PortEntry {
  port: number;
  protocol: PortProtocol;
  address: string;
  /** Absent when the holder is a process we may not inspect (another user's). */
  pid?: number;
  command?: string;
  /** Set when the holder is a process of a running job of the store. */
  job_id?: string;
  owner?: string;
}

export interface PortsResult {
  ports: PortEntry[];
}

interface RunningJob {
  id: string;
  owner?: string;
  pids: number[];
  /** The job's masked values, kept out of its processes' command lines. */
  redactor?: Redactor;
}

/** The running jobs of the store with their live processes (a lost job reads as failed and has none). */
async function runningJobs(root: string): Promise<RunningJob[]> {
  let procs: ProcStat[] | undefined;
  const found = await mapLimit(await jobDirNames(root), SCAN_CONCURRENCY, async (name): Promise<RunningJob | undefined> => {
    const paths = jobPaths(root, name);
    const raw = await readState(paths).catch(() => undefined);
    if (raw?.job.status !== 'running') return undefined;
    const st = await readCurrentState(paths).catch(() => undefined);
    if (st?.job.status !== 'running') return undefined;
    const meta = await readMeta(paths).catch(() => undefined);
    procs ??= listProcesses();
    const pids = scanKillTargets(subjectOf(st), procs).targets.map((t) => t.pid);
    const redactor = await loadRedactor(paths.dir);
    return { id: st.job.id, ...(meta?.owner !== undefined ? { owner: meta.owner } : {}), pids, ...(redactor ? { redactor } : {}) };
  });
  return found.filter((j): j is RunningJob => j !== undefined);
}

/** One read of /proc shared by the port lookups of several jobs (`list`). */
export interface ProcSnapshot {
  procs: ProcStat[];
  sockets: SocketTable;
}

/**
 * The listening sockets of a running job's processes (found as `kill` finds them); [] for any
 * other state. `snapshot`: /proc read once for several jobs, or only the sockets to look for
 * (the job's processes are not scanned when there are none).
 */
export function jobPorts(st: JobState, snapshot: Partial<ProcSnapshot> = {}): PortListener[] {
  if (st.job.status !== 'running') return [];
  if (snapshot.sockets instanceof Map && snapshot.sockets.size === 0) return [];
  return portsOf(
    scanKillTargets(subjectOf(st), snapshot.procs).targets.map((t) => t.pid),
    snapshot.sockets,
  );
}

function entry(l: PortListener, jobOf: Map<number, RunningJob>, commands: Map<number, string>): PortEntry {
  const job = l.pid !== undefined ? jobOf.get(l.pid) : undefined;
  if (l.pid !== undefined && !commands.has(l.pid)) commands.set(l.pid, redactString(job?.redactor, readCommandLine(l.pid)));
  return {
    port: l.port,
    protocol: l.protocol,
    address: l.address,
    ...(l.pid !== undefined ? { pid: l.pid, command: commands.get(l.pid) } : {}),
    ...(job ? { job_id: job.id, ...(job.owner !== undefined ? { owner: job.owner } : {}) } : {}),
  };
}

/** Every listening socket (or those on `port`), each with its holder; the store is read only when something listens. */
export async function listPorts(root: string, opts: { port?: number } = {}): Promise<PortsResult> {
  const listeners = allListeners(opts.port);
  if (listeners.length === 0) return { ports: [] };
  const jobOf = new Map<number, RunningJob>();
  for (const job of await runningJobs(root)) for (const pid of job.pids) jobOf.set(pid, job);
  const commands = new Map<number, string>();
  return { ports: listeners.map((l) => entry(l, jobOf, commands)) };
}

/**
 * The job holding `port` (for `kill --port`). Refuses with `port_not_listened` when nothing
 * listens on it, `port_not_job` (naming the pid and command) when a holder is not a job of the
 * store, `ambiguous_job_id` when several jobs hold it (TCP and UDP): the kill must not guess.
 */
export async function jobHoldingPort(root: string, port: number): Promise<string> {
  const { ports } = await listPorts(root, { port });
  if (ports.length === 0) throw new JobError('port_not_listened', `nothing listens on port ${port}`, { port });
  const strangers = ports.filter((p) => p.job_id === undefined);
  if (strangers.length > 0) {
    const s = strangers[0];
    const who = s.pid !== undefined ? `process ${s.pid} (${s.command || 'command unknown'})` : 'a process of another user';
    throw new JobError('port_not_job', `port ${port} is held by ${who}, which is not a job of this store; not killed`, {
      port,
      ...(s.pid !== undefined ? { pid: s.pid, command: s.command } : {}),
    });
  }
  const jobs = [...new Set(ports.map((p) => p.job_id!))];
  if (jobs.length > 1)
    throw new JobError('ambiguous_job_id', `port ${port} is held by several jobs (${jobs.join(', ')}); kill one by id`, {
      port,
      job_ids: jobs,
    });
  return jobs[0];
}
