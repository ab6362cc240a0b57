/**
 * Which processes a test run started, found by a marker in their environment (inherited by
 * code-server, its extension host, the jobs it launches and Chromium), and how to end them by pid.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { poll } from '../../helpers/poll';

export const RUN_MARKER = 'AGENT_EXEC_E2E_RUN';

/** Pids (other than this process) whose environment has `RUN_MARKER=<token>`. */
export function markedProcesses(token: string): number[] {
  const needle = Buffer.from(`\0${RUN_MARKER}=${token}\0`);
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const env = Buffer.concat([Buffer.from([0]), readFileSync(`/proc/${name}/environ`)]);
      if (env.includes(needle)) pids.push(Number(name));
    } catch {
      // Gone, or not ours to read.
    }
  }
  return pids;
}

/** Zombies are gone for our purpose: they hold no resources except their pid entry. */
export function isLive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

export function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // Already gone.
  }
}

/** The shared bounded poll (test/helpers/poll.ts) in the argument order the e2e suite uses. */
export async function until(cond: () => boolean | Promise<boolean>, timeoutMs: number, what: string, everyMs = 50): Promise<void> {
  await poll(what, cond, timeoutMs, everyMs);
}

/**
 * Ends every marked process: TERM, then KILL for those still alive after `graceMs`. Returns the
 * pids that had to be ended (a clean run ends with none).
 */
export async function endMarked(token: string, graceMs = 3000): Promise<number[]> {
  const found = markedProcesses(token).filter(isLive);
  for (const pid of found) signal(pid, 'SIGTERM');
  await until(() => found.every((p) => !isLive(p)), graceMs, 'marked processes to exit').catch(() => undefined);
  for (const pid of found.filter(isLive)) signal(pid, 'SIGKILL');
  await until(() => found.every((p) => !isLive(p)), 5000, 'marked processes to die after KILL');
  return found;
}
