/** Error codes of agent-exec 0.2.3 (agent-exec-compat.md §4.0) plus serve-only ones (§6) and the agent surfaces' `not_owner`. */
export type ErrorCode =
  | 'job_not_found'
  | 'ambiguous_job_id'
  | 'invalid_state'
  | 'stdin_required'
  | 'stdin_too_large'
  | 'io_error'
  | 'invalid_tag'
  | 'internal_error'
  | 'invalid_signal'
  | 'invalid_job_id'
  | 'spawn_failed'
  | 'serve_unsafe_bind'
  | 'invalid_config'
  | 'unauthorized'
  | 'not_owner'
  | 'invalid_request'
  // ours: `kill --port`
  | 'port_not_job'
  | 'port_not_listened'
  // ours: `send-input` to a job started without --stdin-pipe
  | 'no_input_channel';

/** A failure that maps to one JSON error envelope. Anything else becomes `internal_error`. */
export class JobError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'JobError';
  }
}

export const invalidState = (message: string): JobError => new JobError('invalid_state', `invalid job state: ${message}`);

/** Node's errno message in the shape Rust's io::Error prints, e.g. "No such file or directory (os error 2)". */
export function describeError(err: unknown): string {
  if (err instanceof Error) {
    const e = err as NodeJS.ErrnoException;
    if (e.code && typeof e.errno === 'number') return `${osErrorText(e.code) ?? e.message} (os error ${-e.errno})`;
    return e.message;
  }
  return String(err);
}

function osErrorText(code: string): string | undefined {
  const texts: Record<string, string> = {
    ENOENT: 'No such file or directory',
    EACCES: 'Permission denied',
    EEXIST: 'File exists',
    ENOTDIR: 'Not a directory',
    EISDIR: 'Is a directory',
    ENOSPC: 'No space left on device',
    EPERM: 'Operation not permitted',
    ENOTEMPTY: 'Directory not empty',
  };
  return texts[code];
}
