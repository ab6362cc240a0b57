/**
 * Job directories written the way agent-exec 0.2.3 writes them (agent-exec-compat.md §2), with chosen
 * states and timestamps, for tests of the reading commands (list, gc, delete, wait, …).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { formatTimestamp } from '../../src/core/time';

export interface FakeJob {
  id?: string;
  status?: 'created' | 'running' | 'exited' | 'killed' | 'failed';
  cwd?: string;
  tags?: string[];
  /** Seconds before now for created/started/finished/updated (finished only when terminal). */
  ageSeconds?: number;
  exitCode?: number | null;
  pid?: number;
  stdout?: string | Buffer;
  stderr?: string | Buffer;
  /** Extra fields merged into meta.json / state.json. */
  meta?: Record<string, unknown>;
  state?: Record<string, unknown>;
}

export function writeFakeJob(root: string, job: FakeJob = {}): string {
  const id = job.id ?? randomBytes(16).toString('hex');
  const dir = path.join(root, id);
  mkdirSync(dir, { recursive: true });
  const stamp = formatTimestamp(Date.now() - (job.ageSeconds ?? 0) * 1000);
  const status = job.status ?? 'exited';
  const terminal = status === 'exited' || status === 'killed' || status === 'failed';
  const meta = {
    job: { id },
    schema_version: '0.1',
    command: ['true'],
    created_at: stamp,
    root,
    env_keys: [],
    ...(job.cwd !== undefined ? { cwd: job.cwd } : {}),
    tags: job.tags ?? [],
    inherit_env: true,
    timeout_ms: 0,
    kill_after_ms: 0,
    progress_every_ms: 0,
    shell_wrapper: ['sh', '-lc'],
    ...job.meta,
  };
  const state = {
    job: { id, status, ...(status !== 'created' ? { started_at: stamp } : {}) },
    result: {
      exit_code: status === 'exited' ? (job.exitCode ?? 0) : null,
      signal: status === 'killed' ? '15' : null,
      duration_ms: terminal ? 5 : null,
    },
    ...(job.pid !== undefined ? { pid: job.pid } : {}),
    ...(terminal ? { finished_at: stamp } : {}),
    updated_at: stamp,
    ...job.state,
  };
  writeFileSync(path.join(dir, 'meta.json'), JSON.stringify(meta, null, 2));
  writeFileSync(path.join(dir, 'state.json'), JSON.stringify(state, null, 2));
  writeFileSync(path.join(dir, 'stdout.log'), job.stdout ?? '');
  writeFileSync(path.join(dir, 'stderr.log'), job.stderr ?? '');
  writeFileSync(path.join(dir, 'full.log'), '');
  return id;
}
