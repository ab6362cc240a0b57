import { SCHEMA_VERSION } from './schema';
import { describeError, JobError } from './errors';

export interface ErrorBody {
  code: string;
  message: string;
  retryable: boolean;
  details?: Record<string, unknown>;
}

export interface ErrorEnvelope {
  schema_version: string;
  ok: false;
  type: 'error';
  error: ErrorBody;
}

/** `{schema_version, ok: true, type, ...payload}` with payload keys kept in order. */
export function okEnvelope<T extends object>(type: string, payload: T): { schema_version: string; ok: true; type: string } & T {
  return { schema_version: SCHEMA_VERSION, ok: true, type, ...payload };
}

export function errorEnvelope(err: unknown): ErrorEnvelope {
  const error: ErrorBody =
    err instanceof JobError
      ? { code: err.code, message: err.message, retryable: false, ...(err.details ? { details: err.details } : {}) }
      : { code: 'internal_error', message: describeError(err), retryable: false };
  return { schema_version: SCHEMA_VERSION, ok: false, type: 'error', error };
}
