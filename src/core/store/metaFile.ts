/**
 * Read-modify-write of `meta.json` (`tag set`, `notify set`) under the job lock, so concurrent
 * updates are serialized instead of losing each other (agent-exec-compat.md §10.17), written atomically
 * in agent-exec's key order (§2.1).
 */
import type { JobMeta } from '../schema';
import { writeJsonAtomic } from './atomicWrite';
import { readMeta, type JobPaths } from './jobDir';
import { withJobLock } from './lock';

/** Serialization order of `meta.json` (agent-exec-compat.md §2.1), our optional `owner` last. */
const META_KEYS: readonly (keyof JobMeta)[] = [
  'job',
  'schema_version',
  'command',
  'created_at',
  'root',
  'env_keys',
  'env_vars',
  'env_vars_runtime',
  'mask',
  'cwd',
  'notification',
  'tags',
  'inherit_env',
  'env_files',
  'timeout_ms',
  'kill_after_ms',
  'progress_every_ms',
  'shell_wrapper',
  'stdin_file',
  'owner',
  'ready',
  'singleton',
  'stdin_pipe',
  'input_prompt',
  'stall_after_ms',
  'stall_kill',
];

/** `meta` with its known keys in agent-exec's order; unknown keys (from newer writers) are kept, after them. */
export function orderMeta(meta: JobMeta): JobMeta {
  const out: Record<string, unknown> = {};
  for (const k of META_KEYS) if (meta[k] !== undefined) out[k] = meta[k];
  for (const [k, v] of Object.entries(meta)) if (!(k in out) && v !== undefined) out[k] = v;
  return out as unknown as JobMeta;
}

/** Applies `change` to the current meta under the job lock and writes the result; returns it. */
export async function updateMeta(paths: JobPaths, change: (meta: JobMeta) => JobMeta): Promise<JobMeta> {
  return withJobLock(paths.dir, async () => {
    const next = orderMeta(change(await readMeta(paths)));
    await writeJsonAtomic(paths.meta, next);
    return next;
  });
}
