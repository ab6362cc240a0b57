/**
 * Process identity and liveness. On Linux a process is identified by its pid *and* its start
 * time (field 22 of /proc/<pid>/stat, clock ticks since boot), so a recycled pid is never
 * mistaken for the original (agent-exec-compat.md §10.7). Elsewhere only `kill(pid, 0)` is available.
 */
import { readFileSync, readdirSync } from 'node:fs';

export interface ProcessIdentity {
  pid: number;
  /** undefined where /proc is not available. */
  startTime?: number;
}

export interface ProcStat {
  pid: number;
  ppid: number;
  pgid: number;
  sid: number;
  /** One-letter state: R, S, D, Z (zombie), T, … */
  state: string;
  startTime: number;
  /** CPU time used by the process and its reaped children, in clock ticks (fields 14–17). */
  cpuTicks: number;
}

export const hasProcFs = process.platform === 'linux';

/** Parses /proc/<pid>/stat; undefined when the process does not exist. */
export function readProcStat(pid: number): ProcStat | undefined {
  if (!hasProcFs) return undefined;
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return undefined;
  }
  // The command name (field 2) may contain spaces and parentheses: split after the last ')'.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return {
    pid,
    state: rest[0],
    ppid: Number(rest[1]),
    pgid: Number(rest[2]),
    sid: Number(rest[3]),
    startTime: Number(rest[19]),
    cpuTicks: Number(rest[11]) + Number(rest[12]) + Number(rest[13]) + Number(rest[14]),
  };
}

const MAX_COMMAND_CHARS = 200;

/** A process's command line, arguments joined by spaces and truncated (for a confirmation or a listing); '' when unreadable. */
export function readCommandLine(pid: number): string {
  try {
    const raw = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0+$/, '').split('\0').join(' ');
    return raw.length > MAX_COMMAND_CHARS ? `${raw.slice(0, MAX_COMMAND_CHARS - 1)}…` : raw;
  } catch {
    return '';
  }
}

export function processStartTime(pid: number): number | undefined {
  return readProcStat(pid)?.startTime;
}

export function identify(pid: number): ProcessIdentity {
  return { pid, startTime: processStartTime(pid) };
}

/**
 * True when `pid` exists, is not a zombie, and — when `startTime` is known — is the same
 * process that was recorded.
 */
export function isProcessAlive(pid: number, startTime?: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (hasProcFs) {
    const stat = readProcStat(pid);
    if (!stat || stat.state === 'Z' || stat.state === 'X') return false;
    return startTime === undefined || stat.startTime === startTime;
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Every live process (Linux); an empty list elsewhere. */
export function listProcesses(): ProcStat[] {
  if (!hasProcFs) return [];
  const out: ProcStat[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readProcStat(Number(name));
    if (stat && stat.state !== 'Z' && stat.state !== 'X') out.push(stat);
  }
  return out;
}

/** Pids whose environment carries `AGENT_EXEC_JOB_ID=<jobId>` (descendants that left the group). */
export function findEnvTagged(jobId: string, among: Iterable<ProcStat> = listProcesses()): number[] {
  const needle = Buffer.from(`\0AGENT_EXEC_JOB_ID=${jobId}\0`);
  const atStart = needle.subarray(1);
  const found: number[] = [];
  for (const p of among) {
    let env: Buffer;
    try {
      env = readFileSync(`/proc/${p.pid}/environ`);
    } catch {
      continue;
    }
    if (env.includes(needle) || env.subarray(0, atStart.length).equals(atStart)) found.push(p.pid);
  }
  return found;
}

const MAX_TREE = 4096;

const readChildren = (pid: number, tid: string): string => {
  try {
    return readFileSync(`/proc/${pid}/task/${tid}/children`, 'latin1');
  } catch {
    return '';
  }
};

/**
 * A process and its descendants, from the kernel's child lists (/proc/<pid>/task/<tid>/children):
 * a few reads instead of a scan of every process (the probes run every second while watched).
 * Empty when `pid` is gone or is another process now (start time differs).
 */
export function processTree(pid: number, startTime?: number): number[] {
  if (!hasProcFs || !isProcessAlive(pid, startTime)) return [];
  const out: number[] = [];
  const queue = [pid];
  while (queue.length > 0 && out.length < MAX_TREE) {
    const p = queue.shift()!;
    out.push(p);
    let tids: string[];
    try {
      tids = readdirSync(`/proc/${p}/task`);
    } catch {
      continue;
    }
    for (const tid of tids) for (const c of readChildren(p, tid).split(' ')) if (/^\d+$/.test(c)) queue.push(Number(c));
  }
  return out;
}

/** CPU time used by `pids` and their reaped children, in clock ticks. */
export function cpuTicks(pids: Iterable<number>): number {
  let total = 0;
  for (const pid of pids) total += readProcStat(pid)?.cpuTicks ?? 0;
  return total;
}
