/**
 * `run --singleton <KEY>` (ours): ensure running, no duplicates. Under a store-wide lock for the
 * key, the job last started with it is looked up in `<root>/.singleton-<hash>` (a file, which
 * agent-exec 0.2.3's listing skips); while it is running it is returned instead of starting
 * another, whoever started it. Racing callers, in any process, start one job.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { JobMeta } from '../schema';
import { writeFileAtomic } from '../store/atomicWrite';
import { jobPaths, readMeta, type JobPaths } from '../store/jobDir';
import { isValidIdInput } from '../store/jobId';
import { withLockFile } from '../store/lock';
import { readCurrentState } from '../store/stateFile';

export interface SingletonOutcome<T> {
  /** The live job that holds the key (reused), or what `start` returned. */
  reused?: { paths: JobPaths; meta: JobMeta };
  started?: T;
}

/** What is wrong with a singleton key (every surface checks keys with it). */
export const singletonKeyProblem = (key: string): string | undefined => (key.trim() === '' ? 'expected a non-empty key' : undefined);

const registryOf = (root: string, key: string) =>
  path.join(root, `.singleton-${createHash('sha256').update(key).digest('hex').slice(0, 32)}`);

/** The running job last started under `key`, if any (a finished or lost one does not count). */
async function liveHolder(root: string, key: string, registry: string): Promise<{ paths: JobPaths; meta: JobMeta } | undefined> {
  const id = (await fs.readFile(registry, 'utf8').catch(() => '')).trim();
  if (!isValidIdInput(id)) return undefined;
  const paths = jobPaths(root, id);
  const [meta, st] = await Promise.all([readMeta(paths).catch(() => undefined), readCurrentState(paths).catch(() => undefined)]);
  return meta?.singleton === key && st?.job.status === 'running' ? { paths, meta } : undefined;
}

/**
 * Returns the live job holding `key`, or runs `start` (which must leave its job recorded
 * `running`) and registers the job it started. Both under the key's lock.
 */
export async function ensureSingleton<T extends { paths: JobPaths }>(
  root: string,
  key: string,
  start: () => Promise<T>,
): Promise<SingletonOutcome<T>> {
  await fs.mkdir(root, { recursive: true });
  const registry = registryOf(root, key);
  return withLockFile(`${registry}.lock`, async () => {
    const holder = await liveHolder(root, key, registry);
    if (holder) return { reused: holder };
    const started = await start();
    await writeFileAtomic(registry, started.paths.id);
    return { started };
  });
}
