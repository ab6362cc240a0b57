import { readCurrentState } from '../store/stateFile';
import { readMeta, resolveJob } from '../store/jobDir';
import type { JobStatus } from '../schema';
import type { PortListener } from '../process/ports';
import { jobPorts } from './ports';
import { observeAttention, type Attention } from './attention';
import { attemptField, attemptPaths } from './attempts';
import { observeReady, type ReadyState } from './ready';

export interface StatusResult {
  job_id: string;
  state: JobStatus;
  exit_code?: number;
  created_at: string;
  started_at?: string;
  finished_at?: string;
  /** ours: why a job failed (e.g. its supervisor was lost). */
  error?: string;
  /** ours: the ports a running job's processes listen on; absent when none (agent-exec's answer unchanged). */
  ports?: PortListener[];
  /** ours: readiness of a job that declares how it becomes ready (ops/ready.ts). */
  ready?: ReadyState;
  ready_at?: string;
  /** ours: the job waits for input or has stalled (ops/attention.ts). */
  attention?: Attention;
  /** ours: which attempt of a rerun job this is (ops/attempts.ts). */
  attempt?: number;
}

/**
 * `status` (agent-exec-compat.md §4.4), with lost jobs reported as `failed` instead of `running`
 * forever. Ours: `attempt` picks an earlier attempt of a rerun job (ops/attempts.ts).
 */
export async function getStatus(root: string, input: string, opts: { attempt?: number } = {}): Promise<StatusResult> {
  const job = await resolveJob(root, input);
  const paths = await attemptPaths(job, opts.attempt);
  const meta = await readMeta(paths);
  // Readiness first: a look that records the ready timeout may kill the job (--ready-timeout-kill).
  const { ready, state: st } = await observeReady(root, paths, meta, await readCurrentState(paths));
  const ports = jobPorts(st);
  const attention = await observeAttention(root, paths, meta, st);
  return {
    job_id: paths.id,
    state: st.job.status,
    ...(st.result.exit_code !== null ? { exit_code: st.result.exit_code } : {}),
    created_at: meta.created_at,
    ...(st.job.started_at !== undefined ? { started_at: st.job.started_at } : {}),
    ...(st.finished_at !== undefined ? { finished_at: st.finished_at } : {}),
    ...(st.error !== undefined ? { error: st.error } : {}),
    ...(ports.length > 0 ? { ports } : {}),
    ...ready,
    ...(attention ? { attention } : {}),
    ...(await attemptField(job, opts.attempt)),
  };
}
