/**
 * The Linux kill: the job's processes found by /proc scans (procScan.ts), each re-identified by
 * its start time right before it is signalled (a recycled pid never receives a signal), rescans
 * for processes forked meanwhile, escalation to SIGKILL, and the wait until all are verifiably
 * gone.
 */
import { monotonicMs } from '../time';
import { jobCgroupOf, killCgroup, removeCgroup } from './cgroup';
import { signalGroup } from './group';
import { trusted, nowTicks, type KillSubject, type WorkloadIdentity } from './identity';
import { DEFAULT_KILL_WAIT_MS, POLL_DELAYS_MS, sleep, type TreeKillOptions, type TreeKillResult } from './killWait';
import { readProcStat } from './proc';
import { newContext, scanOnce, stillSame, type KillTarget, type ScanContext } from './procScan';

/** How long to wait for zombies to be reaped before giving up removing an empty job cgroup. */
const CGROUP_REMOVE_WAIT_MS = 200;
/** Full /proc rescans (new descendants and escapees) at most this often while waiting. */
const FULL_SCAN_EVERY_MS = 50;

/** `kill(2)`; false when the process is gone or not ours (ESRCH, EPERM). */
function sendSignal(pid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
}

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

  private sendGroup(pgid: number, sig: NodeJS.Signals): boolean {
    this.firstSignalAt ??= monotonicMs();
    return signalGroup(pgid, sig);
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
    if (!this.sendGroup(P, sig)) return false;
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
      groupSignalled = this.sendGroup(P, sig);
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
    for (const deadline = monotonicMs() + CGROUP_REMOVE_WAIT_MS; !removeCgroup(dir) && monotonicMs() < deadline;) await sleep(5);
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

export async function killLinux(subject: KillSubject, sig: NodeJS.Signals, opts: TreeKillOptions): Promise<TreeKillResult> {
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
