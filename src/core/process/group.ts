/**
 * The one place that signals a process group. Every job process tree is started in a group of
 * its own (setsid), so one `kill(-pgid)` reaches all of its members atomically, including those
 * forked meanwhile. Windows has no groups: the process itself is signalled.
 */

/**
 * Signals process group `pgid`; with `orLeader`, the process `pgid` itself when the group is
 * gone (a leader that moved to another group). False when nothing was signalled (ESRCH, EPERM).
 */
export function signalGroup(pgid: number, sig: NodeJS.Signals, orLeader = false): boolean {
  try {
    process.kill(process.platform === 'win32' ? pgid : -pgid, sig);
    return true;
  } catch {
    if (!orLeader || process.platform === 'win32') return false;
  }
  try {
    process.kill(pgid, sig);
    return true;
  } catch {
    return false;
  }
}

/** Whether process group `pgid` still has a member (one we may not signal counts). */
export function groupExists(pgid: number): boolean {
  try {
    process.kill(process.platform === 'win32' ? pgid : -pgid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
