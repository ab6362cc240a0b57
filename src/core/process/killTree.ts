/**
 * Finding and signalling every process of a job, and waiting until they are verifiably gone
 * (agent-exec-compat.md §10.5–§10.7). The rooms: identity.ts (is the recorded pid still the workload?),
 * procScan.ts (which processes are the job's, from /proc), linuxKill.ts (the verified kill with
 * rescans and escalation), portableKill.ts (process group + `tree-kill` or `taskkill`
 * elsewhere), group.ts (the one helper that signals a process group).
 */
import { killLinux } from './linuxKill';
import type { KillSubject } from './identity';
import type { TreeKillOptions, TreeKillResult } from './killWait';
import { killPortable } from './portableKill';
import { hasProcFs } from './proc';

export type { KillSubject, WorkloadIdentity } from './identity';
export type { TreeKillOptions, TreeKillResult } from './killWait';
export { scanKillTargets, type KillTarget, type TargetReason, type TargetScan } from './procScan';

/**
 * Signals every process of the job with `sig`, waits up to `graceMs` for all of them to be gone
 * (rescanning for processes forked meanwhile), then escalates to SIGKILL if needed.
 */
export function killProcessTree(subject: KillSubject, sig: NodeJS.Signals, opts: TreeKillOptions): Promise<TreeKillResult> {
  return hasProcFs ? killLinux(subject, sig, opts) : killPortable(subject, sig, opts);
}
