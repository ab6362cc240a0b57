/**
 * Job lookup and record reading (agent-exec-compat.md §1.4, §2). Lookup is exact-then-prefix like
 * agent-exec, but hardened (§10.18): the input must be a plain id token, and only real
 * directories (not symlinks) holding a `meta.json` or `state.json` count as jobs.
 */
import { closeSync, constants as fsConstants, fstatSync, openSync, promises as fs, readSync } from 'node:fs';
import * as path from 'node:path';
import { JobError } from '../errors';
import { JOB_STATUSES, type JobMeta, type JobState, type JobStatus, type ReadySpec } from '../schema';
import { isValidIdInput } from './jobId';

/** Records larger than this are refused rather than parsed (hostile or corrupt files). */
const MAX_RECORD_BYTES = 4 * 1024 * 1024;
const MAX_AMBIGUOUS_CANDIDATES = 20;

export interface JobPaths {
  id: string;
  dir: string;
  meta: string;
  state: string;
  stdout: string;
  stderr: string;
  full: string;
  stdin: string;
  /** `--stdin-pipe` jobs: the input FIFO, and the marker that asks the supervisor to close it (end of input). */
  inputFifo: string;
  inputEof: string;
  completionEvent: string;
  notificationEvents: string;
}

const INPUT_FIFO_NAME = 'stdin.fifo';
/** The shim builds this path itself (shimScript.ts): keep both in step. */
const INPUT_EOF_NAME = 'stdin.eof';

export function jobPaths(root: string, id: string): JobPaths {
  const dir = path.join(root, id);
  return {
    id,
    dir,
    meta: path.join(dir, 'meta.json'),
    state: path.join(dir, 'state.json'),
    stdout: path.join(dir, 'stdout.log'),
    stderr: path.join(dir, 'stderr.log'),
    full: path.join(dir, 'full.log'),
    stdin: path.join(dir, 'stdin.bin'),
    inputFifo: path.join(dir, INPUT_FIFO_NAME),
    inputEof: path.join(dir, INPUT_EOF_NAME),
    completionEvent: path.join(dir, 'completion_event.json'),
    notificationEvents: path.join(dir, 'notification_events.ndjson'),
  };
}

const notFound = (input: string) => new JobError('job_not_found', `job not found: ${input}`);

async function isJobDir(dir: string): Promise<boolean> {
  const st = await fs.lstat(dir).catch(() => undefined);
  if (!st?.isDirectory()) return false;
  for (const name of ['meta.json', 'state.json']) {
    const f = await fs.lstat(path.join(dir, name)).catch(() => undefined);
    if (f?.isFile()) return true;
  }
  return false;
}

/** Resolves a full id or unique prefix to the job's paths; `job_not_found` / `ambiguous_job_id` otherwise. */
export async function resolveJob(root: string, input: string): Promise<JobPaths> {
  if (!isValidIdInput(input)) throw notFound(input);
  if (await isJobDir(path.join(root, input))) return jobPaths(root, input);
  const names = await fs.readdir(root).catch(() => [] as string[]);
  const prefixed = names.filter((n) => n.startsWith(input) && n !== input);
  const candidates: string[] = [];
  for (const name of prefixed) if (await isJobDir(path.join(root, name))) candidates.push(name);
  if (candidates.length === 0) throw notFound(input);
  if (candidates.length === 1) return jobPaths(root, candidates[0]);
  candidates.sort();
  const shown = candidates.slice(0, MAX_AMBIGUOUS_CANDIDATES);
  const more = candidates.length - shown.length;
  throw new JobError(
    'ambiguous_job_id',
    `ambiguous job ID prefix '${input}': matches ${shown.join(', ')}${more > 0 ? `, ... and ${more} more` : ''}`,
    { candidates: shown, truncated: more > 0 },
  );
}

function parseRecord(file: string, text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new JobError('internal_error', `${path.basename(file)}: ${(err as Error).message}`);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw new JobError('internal_error', `${path.basename(file)}: expected a JSON object`);
  }
  return value as Record<string, unknown>;
}

const tooLarge = (file: string, size: number) => new JobError('internal_error', `${path.basename(file)} is too large (${size} bytes)`);

/** Logs hold whatever the workload prints, secrets included: owner-only, like the records. */
export const LOG_FILE_MODE = 0o600;

/**
 * Flags for opening a job's files: a symlink is never followed out of the job directory, and
 * a FIFO planted in its place cannot block the open (it is then refused as not a regular file).
 */
export const SAFE_READ_FLAGS = fsConstants.O_RDONLY | (fsConstants.O_NOFOLLOW ?? 0) | (fsConstants.O_NONBLOCK ?? 0);

function checkRecordStat(file: string, st: { isFile(): boolean; size: number }): void {
  if (!st.isFile()) throw new JobError('internal_error', `${path.basename(file)} is not a regular file`);
  if (st.size > MAX_RECORD_BYTES) throw tooLarge(file, st.size);
}

async function readRecord(file: string): Promise<Record<string, unknown>> {
  const handle = await fs.open(file, SAFE_READ_FLAGS);
  let text: string;
  try {
    checkRecordStat(file, await handle.stat());
    text = (await handle.readFile()).toString('utf8');
  } finally {
    await handle.close();
  }
  return parseRecord(file, text);
}

/** Records are small: one read of this size gets almost all of them without an fstat. */
const FIRST_READ_BYTES = 64 * 1024;
const firstReadBuffer = Buffer.allocUnsafe(FIRST_READ_BYTES);

/**
 * Synchronous twin of readRecord for scans over thousands of jobs (list): each async file read
 * costs four thread-pool round trips, several times slower than open/read/close here. A short
 * first read is the whole file; only larger files get the fstat (type and size checks).
 */
export function readRecordSync(file: string): Record<string, unknown> {
  const fd = openSync(file, SAFE_READ_FLAGS);
  try {
    const got = readSync(fd, firstReadBuffer, 0, FIRST_READ_BYTES, 0);
    if (got < FIRST_READ_BYTES) return parseRecord(file, firstReadBuffer.toString('utf8', 0, got));
    const st = fstatSync(fd);
    checkRecordStat(file, st);
    const buf = Buffer.allocUnsafe(st.size);
    let n = 0;
    while (n < st.size) {
      const more = readSync(fd, buf, n, st.size - n, n);
      if (more === 0) break;
      n += more;
    }
    return parseRecord(file, buf.toString('utf8', 0, n));
  } finally {
    closeSync(fd);
  }
}

const bad = (file: string, field: string) => new JobError('internal_error', `${file}: missing or invalid field \`${field}\``);
const isStr = (v: unknown): v is string => typeof v === 'string';
const isStrArray = (v: unknown): v is string[] => Array.isArray(v) && v.every(isStr);
const optStr = (v: unknown) => (isStr(v) ? v : undefined);
const optNum = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** Parses `meta.json` with agent-exec's tolerance: six mandatory fields, defaults for the rest. */
export const readMeta = async (paths: JobPaths): Promise<JobMeta> => metaFromRecord(await readRecord(paths.meta));

/** Validates a parsed `meta.json` (six mandatory fields, defaults for the rest). */
export function metaFromRecord(raw: Record<string, unknown>): JobMeta {
  const job = raw.job as { id?: unknown } | undefined;
  if (!job || !isStr(job.id)) throw bad('meta.json', 'job.id');
  for (const k of ['schema_version', 'created_at', 'root'] as const) if (!isStr(raw[k])) throw bad('meta.json', k);
  if (!isStrArray(raw.command)) throw bad('meta.json', 'command');
  if (!isStrArray(raw.env_keys)) throw bad('meta.json', 'env_keys');
  return {
    ...(raw as unknown as JobMeta),
    cwd: optStr(raw.cwd),
    tags: isStrArray(raw.tags) ? raw.tags : [],
    inherit_env: typeof raw.inherit_env === 'boolean' ? raw.inherit_env : true,
    timeout_ms: optNum(raw.timeout_ms) ?? 0,
    kill_after_ms: optNum(raw.kill_after_ms) ?? 0,
    progress_every_ms: optNum(raw.progress_every_ms) ?? 0,
    ready: readySpecFrom(raw.ready),
    singleton: optStr(raw.singleton),
    stdin_pipe: raw.stdin_pipe === true ? true : undefined,
    input_prompt: optStr(raw.input_prompt),
    stall_after_ms: optNum(raw.stall_after_ms),
    stall_kill: raw.stall_kill === true ? true : undefined,
  };
}

/** meta.json `ready`, keeping only well-typed fields (a hand-edited record must not break readers). */
function readySpecFrom(v: unknown): ReadySpec | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const r = v as Record<string, unknown>;
  const spec: ReadySpec = {
    ...(optNum(r.port) !== undefined ? { port: optNum(r.port) } : {}),
    ...(optStr(r.http) !== undefined ? { http: optStr(r.http) } : {}),
    ...(optStr(r.log) !== undefined ? { log: optStr(r.log) } : {}),
    ...(optNum(r.timeout_ms) !== undefined ? { timeout_ms: optNum(r.timeout_ms) } : {}),
    ...(r.timeout_kill === true ? { timeout_kill: true } : {}),
  };
  return Object.keys(spec).length > 0 ? spec : undefined;
}

/** Parses `state.json`; accepts every value form agent-exec writes (signal "15", "TERM", "SIGTERM"). */
export const readState = async (paths: JobPaths): Promise<JobState> => stateFromRecord(await readRecord(paths.state));

/** Validates a parsed `state.json`. */
export function stateFromRecord(raw: Record<string, unknown>): JobState {
  const job = raw.job as { id?: unknown; status?: unknown; started_at?: unknown } | undefined;
  if (!job || !isStr(job.id)) throw bad('state.json', 'job.id');
  if (!JOB_STATUSES.includes(job.status as JobStatus)) throw bad('state.json', 'job.status');
  if (!raw.result || typeof raw.result !== 'object') throw bad('state.json', 'result');
  if (!isStr(raw.updated_at)) throw bad('state.json', 'updated_at');
  const result = raw.result as Record<string, unknown>;
  const signal = result.signal;
  // Built field by field (no spread of the raw object): list parses thousands of these, and
  // writers serialize only these fields anyway (orderState).
  const st: JobState = {
    job: isStr(job.started_at)
      ? { id: job.id, status: job.status as JobStatus, started_at: job.started_at }
      : { id: job.id, status: job.status as JobStatus },
    result: {
      exit_code: optNum(result.exit_code) ?? null,
      signal: isStr(signal) ? signal : typeof signal === 'number' ? String(signal) : null,
      duration_ms: optNum(result.duration_ms) ?? null,
    },
    updated_at: raw.updated_at,
  };
  const pid = optNum(raw.pid);
  if (pid !== undefined) st.pid = pid;
  if (isStr(raw.finished_at)) st.finished_at = raw.finished_at;
  if (isStr(raw.windows_job_name)) st.windows_job_name = raw.windows_job_name;
  // Our optional fields feed liveness checks: a wrong type must not pass for a value.
  for (const k of ['pid_start_time', 'supervisor_pid', 'supervisor_start_time'] as const) {
    const v = optNum(raw[k]);
    if (v !== undefined) st[k] = v;
  }
  if (raw.timed_out === true) st.timed_out = true;
  if (isStr(raw.error)) st.error = raw.error;
  return st;
}

/** Size of a file, 0 when it does not exist. */
export async function fileSize(file: string): Promise<number> {
  const st = await fs.stat(file).catch(() => undefined);
  return st?.size ?? 0;
}
