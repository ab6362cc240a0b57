/**
 * Walking the job root for `list`, `gc` and `delete --all`: one entry per real directory
 * (symlinks and files are not jobs), per-entry work done with bounded concurrency so that
 * 10 000 jobs cost a few parallel reads at a time, results kept in directory order.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

/** How many job directories are read at once. */
export const SCAN_CONCURRENCY = 32;

/** Names of the directories directly under `root`; empty when the root does not exist. */
export async function jobDirNames(root: string): Promise<string[]> {
  const entries = await fs.readdir(root, { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return [];
    throw err;
  });
  return entries.filter((e) => e.isDirectory()).map((e) => e.name);
}

/** `fn` over `items` with at most `limit` calls in flight; results in input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** Bytes of every file under `dir` (symlinks counted as links, not followed). */
export async function dirSize(dir: string): Promise<number> {
  let total = 0;
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) total += await dirSize(p);
    else total += (await fs.lstat(p).catch(() => undefined))?.size ?? 0;
  }
  return total;
}
