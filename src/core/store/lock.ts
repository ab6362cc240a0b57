/**
 * A per-job mutex (`<job>/.lock`, created with O_EXCL) that serializes read-modify-write of
 * `meta.json` and `state.json` across processes (agent-exec-compat.md §10.17). A lock whose owner died is
 * taken over; waiting is bounded.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { JobError } from '../errors';
import { identify, isProcessAlive } from '../process/proc';

const LOCK_NAME = '.lock';
// Generous: holders keep the lock for milliseconds, but a loaded machine may deschedule them; a dead holder is taken over at once.
const LOCK_TIMEOUT_MS = 30_000;

/** A lock file still without an owner after this long was left by a process that died creating it. */
const UNCLAIMED_STALE_MS = 2000;

async function unclaimedFor(lockFile: string, ms: number): Promise<boolean> {
  const st = await fs.stat(lockFile).catch(() => undefined);
  return st !== undefined && Date.now() - st.mtimeMs > ms;
}

/**
 * Removes a dead owner's lock, but only while it is still the lock that was judged dead: two
 * waiters that both saw it must not remove each other's new lock (both would then hold the job).
 * Takers go one at a time through their own O_EXCL guard, held for microseconds.
 */
async function takeOver(lockFile: string, judged: string): Promise<boolean> {
  const guard = `${lockFile}.takeover`;
  try {
    await (await fs.open(guard, 'wx', 0o600)).close();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    // A taker that died holding the guard leaves it behind.
    if (await unclaimedFor(guard, UNCLAIMED_STALE_MS)) await fs.rm(guard, { force: true });
    return false;
  }
  try {
    const now = await fs.readFile(lockFile, 'utf8').catch(() => undefined);
    if (now !== judged || (judged === '' && !(await unclaimedFor(lockFile, UNCLAIMED_STALE_MS)))) return false;
    await fs.rm(lockFile, { force: true });
    return true;
  } finally {
    await fs.rm(guard, { force: true });
  }
}

export const withJobLock = <T>(jobDir: string, fn: () => Promise<T>): Promise<T> => withLockFile(path.join(jobDir, LOCK_NAME), fn);

/** Runs `fn` holding `lockFile` (the same O_EXCL protocol as the job lock, for other store-wide records). */
export async function withLockFile<T>(lockFile: string, fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + LOCK_TIMEOUT_MS;
  for (let attempt = 0; ; attempt++) {
    try {
      const handle = await fs.open(lockFile, 'wx', 0o600);
      const me = identify(process.pid);
      await handle.writeFile(`${me.pid} ${me.startTime ?? ''}`);
      await handle.close();
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const content = await fs.readFile(lockFile, 'utf8').catch(() => undefined);
      if (content === undefined) continue; // released meanwhile
      const [ownerText, startText] = content.split(' ');
      const owner = Number(ownerText);
      const ownerGone =
        owner > 0 ? !isProcessAlive(owner, startText ? Number(startText) : undefined) : await unclaimedFor(lockFile, UNCLAIMED_STALE_MS);
      if (ownerGone && (await takeOver(lockFile, content))) continue;
      if (Date.now() > deadline)
        throw new JobError(
          'internal_error',
          `${path.basename(lockFile) === LOCK_NAME ? 'job' : path.basename(lockFile)} is locked by process ${owner || 'unknown'}`,
        );
      // Lock holders keep it for a few milliseconds; back off briefly and retry.
      await delay(Math.min(2 + attempt, 20));
    }
  }
  try {
    return await fn();
  } finally {
    await fs.rm(lockFile, { force: true });
  }
}
