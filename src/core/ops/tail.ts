import { readTail } from '../logs';
import { resolveJob } from '../store/jobDir';
import { attemptField, attemptPaths } from './attempts';

export const DEFAULT_TAIL_LINES = 50;
export const DEFAULT_TAIL_MAX_BYTES = 65_536;

export interface TailResult {
  job_id: string;
  stdout: string;
  stderr: string;
  encoding: 'utf-8-lossy';
  stdout_log_path: string;
  stderr_log_path: string;
  stdout_range: [number, number];
  stderr_range: [number, number];
  stdout_total_bytes: number;
  stderr_total_bytes: number;
  /** ours: which attempt of a rerun job these logs are (ops/attempts.ts). */
  attempt?: number;
}

/**
 * `tail` (agent-exec-compat.md §4.5, §5.4): the last lines of both logs within a byte window, reading only
 * that window (§10.13). Works in every state; state.json is not read.
 */
export async function tailJob(
  root: string,
  input: string,
  opts: { tailLines?: number; maxBytes?: number; attempt?: number } = {},
): Promise<TailResult> {
  const job = await resolveJob(root, input);
  const paths = await attemptPaths(job, opts.attempt);
  const lines = opts.tailLines ?? DEFAULT_TAIL_LINES;
  const maxBytes = opts.maxBytes ?? DEFAULT_TAIL_MAX_BYTES;
  const [out, err] = await Promise.all([readTail(paths.stdout, lines, maxBytes), readTail(paths.stderr, lines, maxBytes)]);
  return {
    job_id: paths.id,
    stdout: out.text,
    stderr: err.text,
    encoding: 'utf-8-lossy',
    stdout_log_path: paths.stdout,
    stderr_log_path: paths.stderr,
    stdout_range: out.range,
    stderr_range: err.range,
    stdout_total_bytes: out.totalBytes,
    stderr_total_bytes: err.totalBytes,
    ...(await attemptField(job, opts.attempt)),
  };
}
