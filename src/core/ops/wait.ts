/** `wait` (agent-exec-compat.md §4.6), and `wait --until-ready` (ours, ops/ready.ts). */
import { promises as fs } from 'node:fs';
import { isTerminal, type JobMeta, type JobStatus } from '../schema';
import { readMeta, resolveJob, type JobPaths } from '../store/jobDir';
import { attemptField } from './attempts';
import { ATTENTION_PROBE_MS, observeAttention, watchesAttention, type Attention } from './attention';
import { waitForJob, type WaitOptions } from './jobWatch';
import { declaresNoReadiness, observeReady, readyDecided, readySpecOf, ReadyProbe, type ReadyLook, type ReadyState } from './ready';

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
  /** ours: the job waits for input or has stalled (ops/attention.ts). */
  attention?: Attention;
  /** ours: which attempt of a rerun job this is (ops/attempts.ts). */
  attempt?: number;
}

/** Size by stat, undefined when the file is missing (the key is then omitted, as in agent-exec). */
const sizeOf = (file: string) =>
  fs.stat(file).then(
    (s) => s.size,
    () => undefined,
  );

/**
 * Waits for the job to end — or, with `untilReady`, to be ready (or its ready timeout to pass),
 * or, with `attention`, to need someone (a prompt, a stall) — or for the deadline. Woken by the
 * job directory's events (state, logs) and, for what makes none (ports, URLs, CPU time), by the
 * probes' tick. The readiness returned is that of the last look, whose state is the one after
 * it (a --ready-timeout-kill look kills the job). The one such loop of `wait` and `run --wait-ready`.
 */
export async function waitForJobOrNeed(
  root: string,
  paths: JobPaths,
  meta: JobMeta | undefined,
  opts: Omit<WaitOptions, 'tickMs'> & { untilReady?: boolean; attention?: boolean },
): Promise<ReadyLook & { attention?: Attention }> {
  const spec = meta ? readySpecOf(meta) : undefined;
  const probe = opts.untilReady && spec ? new ReadyProbe(paths, spec) : undefined;
  const attentive = opts.attention === true && meta !== undefined && watchesAttention(meta);
  let look: ReadyLook | undefined;
  let attention: Attention | undefined;
  const tickMs = Math.min(probe?.pollMs ?? Infinity, attentive ? ATTENTION_PROBE_MS : Infinity);
  const { state, satisfied } = await waitForJob(
    paths,
    async (s) => {
      if (meta && probe) look = await observeReady(root, paths, meta, s, probe);
      const now = look?.state ?? s;
      if (meta && attentive) attention = await observeAttention(root, paths, meta, now);
      return isTerminal(now.job.status) || readyDecided(look?.ready) || attention !== undefined;
    },
    // A log pattern and a prompt are read from the logs; the end and the other conditions are not.
    { ...opts, logs: probe?.spec.log !== undefined || attentive, ...(Number.isFinite(tickMs) ? { tickMs } : {}) },
  );
  const last = satisfied && look ? look : meta ? await observeReady(root, paths, meta, state, probe) : { state };
  return { ...last, attention };
}

/**
 * `wait` (agent-exec-compat.md §4.6): returns when the job is terminal or `timeoutMs` has passed
 * (undefined = `--forever`). Event-driven (§10.4): wakes on the state change instead of
 * polling, and a job whose supervisor and workload are gone is reported `failed` rather than
 * waited on forever (§10.1). Ours: it also returns early when the job needs attention (a prompt
 * waiting for input, a stall: an agent must not wait its whole budget on them), and with
 * `untilReady` as soon as the job is ready.
 */
export async function waitJob(root: string, input: string, opts: WaitOptions & { untilReady?: boolean } = {}): Promise<WaitResult> {
  const paths = await resolveJob(root, input);
  const meta = await readMeta(paths).catch(() => undefined);
  const spec = meta ? readySpecOf(meta) : undefined;
  if (opts.untilReady && !spec) throw declaresNoReadiness(paths.id);
  const { state: st, ready, attention } = await waitForJobOrNeed(root, paths, meta, { ...opts, attention: true });
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
    ...(attention && !isTerminal(st.job.status) ? { attention } : {}),
    ...(await attemptField(paths)),
  };
}
