/**
 * One pass over /proc (Linux): a job's live processes right now. They are its workload
 * (identity.ts), the workload's process group and session, every process carrying
 * `AGENT_EXEC_JOB_ID=<id>` in its environment (escapees that called setsid or were
 * double-forked away), every member of the job's cgroup v2 when it has one (cgroup.ts: catches
 * `env -i` escapees too), and the descendants of all of them through ppid links.
 */
import { cgroupMembers, existingJobCgroup, jobCgroupOf } from './cgroup';
import { earliestJobTick, identifyWorkload, trusted, untouchable, type KillSubject, type WorkloadIdentity } from './identity';
import { findEnvTagged, hasProcFs, isProcessAlive, listProcesses, readProcStat, type ProcStat } from './proc';

export type TargetReason = 'workload' | 'group' | 'session' | 'env_tag' | 'cgroup' | 'descendant';

export interface KillTarget {
  pid: number;
  ppid: number;
  pgid: number;
  sid: number;
  startTime: number;
  /** Why this process belongs to the job (the strongest reason found). */
  reason: TargetReason;
}

export interface TargetScan {
  identity: WorkloadIdentity;
  targets: KillTarget[];
}

/** What one kill remembers between its scans of /proc. */
export interface ScanContext {
  /** Once the workload was verified, its group/session stay trusted after the leader exited
   *  (the kernel does not reuse a pid while a group or session still carries it). */
  trustedGroup: boolean;
  /** Env-tag answers by "pid:startTime": the environment is fixed at exec, re-reading it is the costly part of a scan. */
  tagged: Map<string, boolean>;
  spare: Set<number>;
  earliestTick: number;
  /** The job's cgroup v2 directory, once a known job process was seen in it. */
  cgroup?: string;
  /** Processes ("pid:startTime") whose cgroup was already looked at. */
  cgroupChecked: Set<string>;
  cgroupGuessed?: boolean;
}

export const newContext = (subject: KillSubject): ScanContext => ({
  trustedGroup: false,
  tagged: new Map(),
  spare: untouchable(subject),
  earliestTick: earliestJobTick(subject),
  cgroupChecked: new Set(),
});

/** Finds the job's cgroup through the workload or a tagged process; members of it are the job's, whatever their env. */
function cgroupTargets(jobId: string, known: ProcStat[], ctx: ScanContext): number[] {
  for (const p of known) {
    if (ctx.cgroup) break;
    const key = `${p.pid}:${p.startTime}`;
    if (ctx.cgroupChecked.has(key)) continue;
    ctx.cgroupChecked.add(key);
    ctx.cgroup = jobCgroupOf(p.pid, jobId);
  }
  if (!ctx.cgroup && !ctx.cgroupGuessed) {
    ctx.cgroupGuessed = true;
    ctx.cgroup = existingJobCgroup(jobId);
  }
  return ctx.cgroup ? cgroupMembers(ctx.cgroup) : [];
}

function taggedAmong(jobId: string, procs: ProcStat[], ctx: ScanContext): Set<number> {
  const key = (p: ProcStat) => `${p.pid}:${p.startTime}`;
  const unknown = procs.filter((p) => p.startTime >= ctx.earliestTick && !ctx.tagged.has(key(p)));
  const found = new Set(findEnvTagged(jobId, unknown));
  for (const p of unknown) ctx.tagged.set(key(p), found.has(p.pid));
  return new Set(procs.filter((p) => ctx.tagged.get(key(p))).map((p) => p.pid));
}

/** One pass over /proc: the job's live processes right now (Linux only). `procs`: a listing to reuse for several jobs. */
export function scanOnce(subject: KillSubject, ctx: ScanContext, procs: ProcStat[] = listProcesses()): TargetScan {
  const byPid = new Map(procs.map((p) => [p.pid, p]));
  const tagged = taggedAmong(subject.jobId, procs, ctx);
  // A record naming init, this process or an ancestor that is not a job process (no env tag) is
  // forged or stale: trusting it would take its group, session and every descendant along.
  const forged = subject.pid !== undefined && (subject.pid <= 1 || (ctx.spare.has(subject.pid) && !tagged.has(subject.pid)));
  const identity = forged
    ? 'implausible'
    : identifyWorkload(subject, subject.pid === undefined ? undefined : byPid.get(subject.pid), tagged);
  if (trusted(identity)) ctx.trustedGroup = true;
  if (identity === 'recycled' || identity === 'implausible') ctx.trustedGroup = false;
  const P = subject.pid;
  // Without a verified workload, a group/session still counts when one of its members is tagged.
  const groupOk = ctx.trustedGroup || procs.some((p) => p.pgid === P && tagged.has(p.pid));
  const sessionOk = ctx.trustedGroup || procs.some((p) => p.sid === P && tagged.has(p.pid));

  const reasons = new Map<number, TargetReason>();
  const add = (pid: number, reason: TargetReason) => {
    if (!reasons.has(pid)) reasons.set(pid, reason);
  };
  if (trusted(identity)) add(P!, 'workload');
  if (P !== undefined && identity !== 'recycled' && identity !== 'implausible') {
    for (const p of procs) {
      if (groupOk && p.pgid === P) add(p.pid, 'group');
      if (sessionOk && p.sid === P) add(p.pid, 'session');
    }
  }
  for (const pid of tagged) add(pid, 'env_tag');
  const known = [...reasons.keys()].flatMap((pid) => byPid.get(pid) ?? []);
  for (const pid of cgroupTargets(subject.jobId, known, ctx)) if (byPid.has(pid)) add(pid, 'cgroup');
  const children = new Map<number, number[]>();
  for (const p of procs) {
    const siblings = children.get(p.ppid);
    if (siblings) siblings.push(p.pid);
    else children.set(p.ppid, [p.pid]);
  }
  const queue = [...reasons.keys()];
  while (queue.length > 0) {
    for (const c of children.get(queue.shift()!) ?? []) {
      if (reasons.has(c)) continue;
      add(c, 'descendant');
      queue.push(c);
    }
  }
  const targets: KillTarget[] = [];
  for (const [pid, reason] of reasons) {
    const p = byPid.get(pid);
    if (p && !ctx.spare.has(pid)) targets.push({ pid, ppid: p.ppid, pgid: p.pgid, sid: p.sid, startTime: p.startTime, reason });
  }
  return { identity, targets };
}

/**
 * The processes `kill` would signal now, without signalling anything. `procs`: one listing of
 * /proc shared by the scans of several jobs (`ports`).
 */
export function scanKillTargets(subject: KillSubject, procs?: ProcStat[]): TargetScan {
  if (hasProcFs) return scanOnce(subject, newContext(subject), procs);
  const alive = subject.pid !== undefined && isProcessAlive(subject.pid);
  // Without /proc there is no start time to compare: a live recorded pid is taken at its word.
  const identity: WorkloadIdentity = subject.pid === undefined ? 'none' : alive ? 'plausible' : 'gone';
  const targets: KillTarget[] = alive
    ? [{ pid: subject.pid!, ppid: 0, pgid: subject.pid!, sid: subject.pid!, startTime: 0, reason: 'workload' }]
    : [];
  return { identity, targets };
}

/** The same process as when it was scanned (same start time, not a zombie)? */
export function stillSame(t: KillTarget): ProcStat | undefined {
  const now = readProcStat(t.pid);
  return now && now.startTime === t.startTime && now.state !== 'Z' && now.state !== 'X' ? now : undefined;
}
