import { readCurrentState } from '../store/stateFile';
import { readMeta, resolveJob } from '../store/jobDir';
import type { JobStatus } from '../schema';
import type { PortListener } from '../process/ports';
import { jobPorts } from './ports';
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
}

/** `status` (agent-exec-compat.md §4.4), with lost jobs reported as `failed` instead of `running` forever. */
export async function getStatus(root: string, input: string): Promise<StatusResult> {
  const paths = await resolveJob(root, input);
  const meta = await readMeta(paths);
  // Readiness first: a look that records the ready timeout may kill the job (--ready-timeout-kill).
  const { ready, state: st } = await observeReady(root, paths, meta, await readCurrentState(paths));
  const ports = jobPorts(st);
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
  };
}
