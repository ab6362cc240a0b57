/** `wait` (agent-exec-compat.md §4.6), and `wait --until-ready` (ours, ops/ready.ts). */
import { promises as fs } from 'node:fs';
import { isTerminal, type JobStatus } from '../schema';
import { readMeta, resolveJob, type JobPaths } from '../store/jobDir';
import { waitForJob, type WaitOptions } from './jobWatch';
import { declaresNoReadiness, observeReady, readySpecOf, waitUntilReady, type ReadyLook, type ReadyState } from './ready';

export const DEFAULT_WAIT_UNTIL_SECONDS = 30;

export interface WaitResult {
  job_id: string;
  state: JobStatus;
  exit_code?: number;
  stdout_total_bytes?: number;
  stderr_total_bytes?: number;
  updated_at: string;
  /** ours: why a job failed (e.g. its supervisor was lost). */
  error?: string;
  /** ours: readiness of a job that declares how it becomes ready (ops/ready.ts). */
  ready?: ReadyState;
  ready_at?: string;
}

/** Size by stat, undefined when the file is missing (the key is then omitted, as in agent-exec). */
const sizeOf = (file: string) =>
  fs.stat(file).then(
    (s) => s.size,
    () => undefined,
  );

/** Waits for the end (or the deadline); a job that declares readiness has it looked at once then. */
async function waitThenLook(root: string, paths: JobPaths, opts: WaitOptions): Promise<ReadyLook> {
  const { state } = await waitForJob(paths, (s) => isTerminal(s.job.status), opts);
  const meta = await readMeta(paths).catch(() => undefined);
  return meta ? observeReady(root, paths, meta, state) : { state };
}

/**
 * `wait` (agent-exec-compat.md §4.6): returns when the job is terminal or `timeoutMs` has passed
 * (undefined = `--forever`). Event-driven (§10.4): wakes on the state change instead of
 * polling, and a job whose supervisor and workload are gone is reported `failed` rather than
 * waited on forever (§10.1).
 */
export async function waitJob(root: string, input: string, opts: WaitOptions & { untilReady?: boolean } = {}): Promise<WaitResult> {
  const paths = await resolveJob(root, input);
  const meta = opts.untilReady ? await readMeta(paths) : undefined;
  const spec = meta ? readySpecOf(meta) : undefined;
  if (opts.untilReady && !spec) throw declaresNoReadiness(paths.id);
  const { ready, state: st } = meta && spec ? await waitUntilReady(root, paths, meta, spec, opts) : await waitThenLook(root, paths, opts);
  const [out, err] = await Promise.all([sizeOf(paths.stdout), sizeOf(paths.stderr)]);
  return {
    job_id: paths.id,
    state: st.job.status,
    ...(isTerminal(st.job.status) && st.result.exit_code !== null ? { exit_code: st.result.exit_code } : {}),
    ...(out !== undefined ? { stdout_total_bytes: out } : {}),
    ...(err !== undefined ? { stderr_total_bytes: err } : {}),
    updated_at: st.updated_at,
    ...(st.error !== undefined ? { error: st.error } : {}),
    ...ready,
  };
}
