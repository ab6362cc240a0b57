/**
 * Which process is a job's workload: the recorded pid is trusted only when its start time
 * (field 22 of /proc/<pid>/stat) matches our record, or, for agent-exec 0.2.3 records that carry
 * none, when it passes a plausibility rule; init, this process and its ancestors never count.
 */
import { readFileSync } from 'node:fs';
import { readProcStat, type ProcStat } from './proc';

export interface KillSubject {
  jobId: string;
  /** The recorded workload pid, when there is one. */
  pid?: number;
  /** Its recorded start time (our records); undefined in agent-exec 0.2.3 records. */
  pidStartTime?: number;
  /** agent-exec records only: the job's `started_at` (epoch ms), for the plausibility check. */
  startedAtMs?: number;
  /** Pids that must never be signalled (the job's supervisor, which records the exit). */
  spare?: readonly number[];
}

/**
 * What the recorded pid is now: `verified` (same start time), `plausible` (agent-exec record
 * that passes the plausibility rule), `implausible` (agent-exec record that fails it),
 * `recycled` (alive with another start time), `gone`, or `none` (no pid recorded).
 */
export type WorkloadIdentity = 'verified' | 'plausible' | 'implausible' | 'recycled' | 'gone' | 'none';

/** A workload started more than this before the recorded `started_at` is not the job's. */
const PLAUSIBLE_EARLY_MS = 2_000;
/** …nor one started this long after it (the supervisor spawns the workload right after writing it). */
const PLAUSIBLE_LATE_MS = 30_000;
/** USER_HZ: the unit of /proc start times; 100 on every mainstream Linux architecture. */
const CLOCK_TICKS_PER_SECOND = 100;

export const trusted = (id: WorkloadIdentity) => id === 'verified' || id === 'plausible';

let bootTimeMs: number | undefined;
/** Wall-clock time of boot (epoch ms), the origin of /proc start times. */
function bootMs(): number {
  bootTimeMs ??= Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'latin1'))?.[1] ?? 0) * 1000;
  return bootTimeMs;
}

const procStartEpochMs = (startTime: number): number => bootMs() + (startTime * 1000) / CLOCK_TICKS_PER_SECOND;

/** Now, in the unit of /proc start times (clock ticks since boot). */
export function nowTicks(): number {
  return Math.floor(Number(readFileSync('/proc/uptime', 'latin1').split(' ')[0]) * CLOCK_TICKS_PER_SECOND);
}

/** Milliseconds since a process with this /proc start time started (10 ms steps). */
export const ageMs = (startTime: number): number => Math.max(0, ((nowTicks() - startTime) * 1000) / CLOCK_TICKS_PER_SECOND);

/** Whole seconds since a process with this /proc start time started. */
export const ageSeconds = (startTime: number): number => Math.floor(ageMs(startTime) / 1000);

/**
 * No process of the job can be older than its workload, so environments (the costly part of a
 * scan) are only read for processes started since then.
 */
export function earliestJobTick(subject: KillSubject): number {
  if (subject.pidStartTime !== undefined) return subject.pidStartTime;
  if (subject.startedAtMs === undefined) return 0;
  return Math.max(0, Math.floor(((subject.startedAtMs - PLAUSIBLE_EARLY_MS - bootMs()) * CLOCK_TICKS_PER_SECOND) / 1000));
}

/**
 * The rule for agent-exec 0.2.3 records, which carry no start time: the live pid is accepted
 * only if (a) it carries our env tag, or it is a session and group leader (agent-exec setsid()s
 * every workload), and (b) it started within [-2 s, +30 s] of the job's `started_at`.
 * A recycled pid fails (b) unless it was reused within seconds of the job's start by another
 * session leader — a window we accept.
 */
function legacyPlausible(stat: ProcStat, subject: KillSubject, tagged: ReadonlySet<number>): boolean {
  const leader = stat.pgid === stat.pid && stat.sid === stat.pid;
  if (!tagged.has(stat.pid) && !leader) return false;
  if (subject.startedAtMs === undefined) return tagged.has(stat.pid);
  const started = procStartEpochMs(stat.startTime);
  return started >= subject.startedAtMs - PLAUSIBLE_EARLY_MS && started <= subject.startedAtMs + PLAUSIBLE_LATE_MS;
}

export function identifyWorkload(subject: KillSubject, stat: ProcStat | undefined, tagged: ReadonlySet<number>): WorkloadIdentity {
  if (subject.pid === undefined) return 'none';
  if (!stat) return 'gone';
  if (subject.pidStartTime !== undefined) return stat.startTime === subject.pidStartTime ? 'verified' : 'recycled';
  return legacyPlausible(stat, subject, tagged) ? 'plausible' : 'implausible';
}

/** Pids never to signal: init, this process, its ancestors (kill may run inside the job), the spared ones. */
export function untouchable(subject: KillSubject): Set<number> {
  const out = new Set<number>([0, 1, process.pid, ...(subject.spare ?? [])]);
  for (let p = process.ppid; p > 1 && !out.has(p); p = readProcStat(p)?.ppid ?? 0) out.add(p);
  return out;
}
