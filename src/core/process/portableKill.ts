/**
 * The kill where there is no /proc: the process group plus `tree-kill` (it shells out to `ps`
 * for descendants that left the group), or `taskkill /T /F` on Windows.
 */
import { execFile } from 'node:child_process';
import treeKill from 'tree-kill';
import { monotonicMs } from '../time';
import { signalGroup } from './group';
import type { KillSubject } from './identity';
import { DEFAULT_KILL_WAIT_MS, POLL_DELAYS_MS, sleep, type TreeKillOptions, type TreeKillResult } from './killWait';
import { isProcessAlive } from './proc';
import { scanKillTargets } from './procScan';

/** Other platforms: no start times, so the recorded pid is trusted while it is alive. */
export async function killPortable(subject: KillSubject, sig: NodeJS.Signals, opts: TreeKillOptions): Promise<TreeKillResult> {
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
      signalGroup(pid, s, true);
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
