/**
 * Finding and signalling every process of a job, and waiting until they are verifiably gone
 * (agent-exec-compat.md §10.5–§10.7). On Linux a job's processes are: its workload (identified by pid AND
 * start time), the workload's process group and session, every descendant reachable through
 * /proc ppid links, and every process carrying `AGENT_EXEC_JOB_ID=<id>` in its environment
 * (escapees that called setsid or were double-forked away), every member of the job's cgroup
 * v2 when it has one (see cgroup.ts: catches `env -i` escapees too), plus their descendants.
 * Each process is re-identified by its start time right before it is signalled, so a recycled
 * pid never receives a signal. Elsewhere: process group + `tree-kill` (POSIX) or
 * `taskkill /T /F` (Windows).
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import treeKill from 'tree-kill';
import { monotonicMs } from '../time';
import { cgroupMembers, existingJobCgroup, jobCgroupOf, killCgroup, removeCgroup } from './cgroup';
import { findEnvTagged, hasProcFs, isProcessAlive, listProcesses, readProcStat, type ProcStat } from './proc';

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

/** A workload started more than this before the recorded `started_at` is not the job's. */
const PLAUSIBLE_EARLY_MS = 2_000;
/** …nor one started this long after it (the supervisor spawns the workload right after writing it). */
const PLAUSIBLE_LATE_MS = 30_000;
/** USER_HZ: the unit of /proc start times; 100 on every mainstream Linux architecture. */
const CLOCK_TICKS_PER_SECOND = 100;

const trusted = (id: WorkloadIdentity) => id === 'verified' || id === 'plausible';

let bootTimeMs: number | undefined;
/** Wall-clock time of boot (epoch ms), the origin of /proc start times. */
function bootMs(): number {
  bootTimeMs ??= Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'latin1'))?.[1] ?? 0) * 1000;
  return bootTimeMs;
}

const procStartEpochMs = (startTime: number): number => bootMs() + (startTime * 1000) / CLOCK_TICKS_PER_SECOND;

/** Now, in the unit of /proc start times (clock ticks since boot). */
function nowTicks(): number {
  return Math.floor(Number(readFileSync('/proc/uptime', 'latin1').split(' ')[0]) * CLOCK_TICKS_PER_SECOND);
}

/**
 * No process of the job can be older than its workload, so environments (the costly part of a
 * scan) are only read for processes started since then.
 */
function earliestJobTick(subject: KillSubject): number {
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

function identify(subject: KillSubject, stat: ProcStat | undefined, tagged: ReadonlySet<number>): WorkloadIdentity {
  if (subject.pid === undefined) return 'none';
  if (!stat) return 'gone';
  if (subject.pidStartTime !== undefined) return stat.startTime === subject.pidStartTime ? 'verified' : 'recycled';
  return legacyPlausible(stat, subject, tagged) ? 'plausible' : 'implausible';
}

/** Pids never to signal: init, this process, its ancestors (kill may run inside the job), the spared ones. */
function untouchable(subject: KillSubject): Set<number> {
  const out = new Set<number>([0, 1, process.pid, ...(subject.spare ?? [])]);
  for (let p = process.ppid; p > 1 && !out.has(p); p = readProcStat(p)?.ppid ?? 0) out.add(p);
  return out;
}

/** What one kill remembers between its scans of /proc. */
interface ScanContext {
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

const newContext = (subject: KillSubject): ScanContext => ({
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

/** One pass over /proc: the job's live processes right now (Linux only). */
function scanOnce(subject: KillSubject, ctx: ScanContext): TargetScan {
  const procs = listProcesses();
  const byPid = new Map(procs.map((p) => [p.pid, p]));
  const tagged = taggedAmong(subject.jobId, procs, ctx);
  // A record naming init, this process or an ancestor that is not a job process (no env tag) is
  // forged or stale: trusting it would take its group, session and every descendant along.
  const forged = subject.pid !== undefined && (subject.pid <= 1 || (ctx.spare.has(subject.pid) && !tagged.has(subject.pid)));
  const identity = forged ? 'implausible' : identify(subject, subject.pid === undefined ? undefined : byPid.get(subject.pid), tagged);
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

/** The processes `kill` would signal now, without signalling anything. */
export function scanKillTargets(subject: KillSubject): TargetScan {
  if (hasProcFs) return scanOnce(subject, newContext(subject));
  const alive = subject.pid !== undefined && isProcessAlive(subject.pid);
  // Without /proc there is no start time to compare: a live recorded pid is taken at its word.
  const identity: WorkloadIdentity = subject.pid === undefined ? 'none' : alive ? 'plausible' : 'gone';
  const targets: KillTarget[] = alive
    ? [{ pid: subject.pid!, ppid: 0, pgid: subject.pid!, sid: subject.pid!, startTime: 0, reason: 'workload' }]
    : [];
  return { identity, targets };
}

/** The same process as when it was scanned (same start time, not a zombie)? */
function stillSame(t: KillTarget): ProcStat | undefined {
  const now = readProcStat(t.pid);
  return now && now.startTime === t.startTime && now.state !== 'Z' && now.state !== 'X' ? now : undefined;
}

/** `kill(2)`; false when the process is gone or not ours (ESRCH, EPERM). */
function sendSignal(pid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
}

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

const DEFAULT_KILL_WAIT_MS = 2_000;
/** Poll back-off after a signal: there is no event for the exit of a process that is not our child. */
const POLL_DELAYS_MS = [1, 2, 4, 8, 10];
/** How long to wait for zombies to be reaped before giving up removing an empty job cgroup. */
const CGROUP_REMOVE_WAIT_MS = 200;
/** Full /proc rescans (new descendants and escapees) at most this often while waiting. */
const FULL_SCAN_EVERY_MS = 50;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Linux: verified group/descendant/env-tag kill with rescans and escalation. */
class ProcTreeKill {
  private readonly ctx: ScanContext;
  private readonly tracked = new Map<number, KillTarget>();
  readonly signalled: number[] = [];
  private readonly signalledSet = new Set<number>();
  identity: WorkloadIdentity = 'none';
  /** monotonic ms of the first signal sent. */
  firstSignalAt?: number;
  /** The group kill sent before the first scan, and the tick it was sent at. */
  private early?: { sig: NodeJS.Signals; tick: number };
  private scanned = false;

  constructor(private readonly subject: KillSubject) {
    this.ctx = newContext(subject);
  }

  private forgetDead(): void {
    for (const [pid, t] of this.tracked) if (!stillSame(t)) this.tracked.delete(pid);
  }

  private send(pid: number, sig: NodeJS.Signals): boolean {
    this.firstSignalAt ??= monotonicMs();
    return sendSignal(pid, sig);
  }

  /**
   * Signals the workload's process group before any scan when the workload is verified by one
   * stat read: the common case costs one syscall, not a walk of /proc.
   */
  signalGroupEarly(sig: NodeJS.Signals): boolean {
    const { pid: P, pidStartTime } = this.subject;
    if (P === undefined || pidStartTime === undefined || this.ctx.spare.has(P)) return false;
    const stat = readProcStat(P);
    if (!stat || stat.startTime !== pidStartTime || stat.pgid !== P || stat.state === 'Z' || stat.state === 'X') return false;
    // Its cgroup can only be found through a live member: look before the group dies.
    this.ctx.cgroup ??= jobCgroupOf(P, this.subject.jobId);
    const tick = nowTicks();
    if (!this.send(-P, sig)) return false;
    this.early = { sig, tick };
    this.identity = 'verified';
    this.ctx.trustedGroup = true;
    this.tracked.set(P, { pid: P, ppid: stat.ppid, pgid: P, sid: stat.sid, startTime: pidStartTime, reason: 'workload' });
    this.signalledSet.add(P);
    this.signalled.push(P);
    return true;
  }

  /** Rescans, forgets the dead, and signals every live target not yet signalled with `sig` (all of them when `all`). */
  step(sig: NodeJS.Signals, all: boolean): void {
    const scan = scanOnce(this.subject, this.ctx);
    this.scanned = true;
    // What the recorded pid was when the kill began (it is `gone` at the end of a successful kill).
    if (this.signalled.length === 0) this.identity = scan.identity;
    for (const t of scan.targets) if (!this.tracked.has(t.pid)) this.tracked.set(t.pid, t);
    this.forgetDead();
    const due = [...this.tracked.values()].filter((t) => all || !this.signalledSet.has(t.pid));
    if (due.length === 0) return this.continueStopped();
    const P = this.subject.pid;
    // One kill(-pgid) reaches the whole group atomically, including members forked meanwhile;
    // only when the leader is the verified workload (a live leader pins the group id).
    let groupSignalled = false;
    // The job's cgroup takes SIGKILL atomically, forks in flight included.
    if (sig === 'SIGKILL' && this.ctx.cgroup) killCgroup(this.ctx.cgroup);
    const leader = P !== undefined ? this.tracked.get(P) : undefined;
    const leaderDue = due.some((t) => t.pid === P) && this.early?.sig !== sig;
    if (leader && trusted(this.identity) && leader.pgid === P && leaderDue && stillSame(leader)) {
      groupSignalled = this.send(-P, sig);
    }
    for (const t of due) {
      // kill(-P) already reached the members of group P (some may be dead by now), and the
      // early one those that were older than it: no second signal (a second INT often means "force").
      const viaEarly = this.early?.sig === sig && t.pgid === P && (t.pid === P || t.startTime < this.early.tick);
      const viaGroup = (groupSignalled && t.pgid === P) || viaEarly;
      if (!viaGroup && !(stillSame(t) && this.send(t.pid, sig))) continue;
      if (!this.signalledSet.has(t.pid)) {
        this.signalledSet.add(t.pid);
        this.signalled.push(t.pid);
      }
    }
    this.continueStopped();
  }

  /** A stopped process acts on a signal only once continued (what a shell's `kill` does for stopped jobs). */
  private continueStopped(): void {
    for (const t of this.tracked.values()) {
      if (this.signalledSet.has(t.pid) && stillSame(t)?.state === 'T') sendSignal(t.pid, 'SIGCONT');
    }
  }

  get alive(): number[] {
    return [...this.tracked.keys()];
  }

  /** Drops the job's cgroup once its dead are reaped by their parents (bounded wait). */
  async cleanUp(): Promise<void> {
    const dir = this.ctx.cgroup;
    if (!dir) return;
    for (const deadline = monotonicMs() + CGROUP_REMOVE_WAIT_MS; !removeCgroup(dir) && monotonicMs() < deadline; ) await sleep(5);
  }

  /**
   * Waits until a fresh scan finds nothing; true when all are gone. Between full scans (which
   * catch processes forked meanwhile, signalled with `sig`) only the known targets are checked.
   */
  async waitGone(sig: NodeJS.Signals, ms: number): Promise<boolean> {
    const deadline = monotonicMs() + ms;
    let lastFull = monotonicMs();
    for (let i = 0; ; i++) {
      this.forgetDead();
      if (this.tracked.size === 0 || !this.scanned || monotonicMs() - lastFull >= FULL_SCAN_EVERY_MS) {
        this.step(sig, false);
        lastFull = monotonicMs();
        if (this.tracked.size === 0) return true;
      }
      const left = deadline - monotonicMs();
      if (left <= 0) return false;
      await sleep(Math.min(POLL_DELAYS_MS[Math.min(i, POLL_DELAYS_MS.length - 1)], left));
    }
  }
}

async function killLinux(subject: KillSubject, sig: NodeJS.Signals, opts: TreeKillOptions): Promise<TreeKillResult> {
  const k = new ProcTreeKill(subject);
  if (!k.signalGroupEarly(sig) || !opts.wait) k.step(sig, true);
  // After the group signal, give it a moment: then one scan both signals what lives outside the
  // group and, usually, verifies that everything is gone.
  else await sleep(1);
  if (!opts.wait) return { identity: k.identity, signalled: k.signalled, survivors: [], escalated: false };
  let gone = await k.waitGone(sig, opts.graceMs);
  let escalated = false;
  if (!gone && sig !== 'SIGKILL') {
    escalated = true;
    k.step('SIGKILL', true);
    gone = await k.waitGone('SIGKILL', opts.killWaitMs ?? DEFAULT_KILL_WAIT_MS);
  }
  if (gone) await k.cleanUp();
  return {
    identity: k.identity,
    signalled: k.signalled,
    survivors: gone ? [] : k.alive,
    escalated,
    observedMs: k.firstSignalAt !== undefined ? monotonicMs() - k.firstSignalAt : 0,
  };
}

/** Other platforms: no start times, so the recorded pid is trusted while it is alive. */
async function killPortable(subject: KillSubject, sig: NodeJS.Signals, opts: TreeKillOptions): Promise<TreeKillResult> {
  const pid = subject.pid;
  const identity = scanKillTargets(subject).identity;
  if (pid === undefined || identity !== 'plausible' || subject.spare?.includes(pid)) {
    return { identity, signalled: [], survivors: [], escalated: false, observedMs: 0 };
  }
  const signalTree = (s: NodeJS.Signals) =>
    new Promise<void>((resolve) => {
      if (process.platform === 'win32') {
        // No signals on Windows: terminate the whole tree (what agent-exec's Job Object does).
        execFile('taskkill', ['/T', '/F', '/PID', String(pid)], { windowsHide: true }, () => resolve());
        return;
      }
      if (!sendSignal(-pid, s)) sendSignal(pid, s);
      // Descendants that left the group, found through `ps` ppid links.
      treeKill(pid, s, () => resolve());
    });
  const waitGone = async (ms: number) => {
    const deadline = monotonicMs() + ms;
    for (let i = 0; isProcessAlive(pid); i++) {
      if (monotonicMs() >= deadline) return false;
      await sleep(POLL_DELAYS_MS[Math.min(i, POLL_DELAYS_MS.length - 1)]);
    }
    return true;
  };
  const t0 = monotonicMs();
  await signalTree(sig);
  if (!opts.wait) return { identity, signalled: [pid], survivors: [], escalated: false };
  let gone = await waitGone(opts.graceMs);
  let escalated = false;
  if (!gone && sig !== 'SIGKILL') {
    escalated = true;
    await signalTree('SIGKILL');
    gone = await waitGone(opts.killWaitMs ?? DEFAULT_KILL_WAIT_MS);
  }
  return { identity, signalled: [pid], survivors: gone ? [] : [pid], escalated, observedMs: monotonicMs() - t0 };
}

/**
 * Signals every process of the job with `sig`, waits up to `graceMs` for all of them to be gone
 * (rescanning for processes forked meanwhile), then escalates to SIGKILL if needed.
 */
export function killProcessTree(subject: KillSubject, sig: NodeJS.Signals, opts: TreeKillOptions): Promise<TreeKillResult> {
  return hasProcFs ? killLinux(subject, sig, opts) : killPortable(subject, sig, opts);
}
