/**
 * Attempts (ours): `rerun` starts a new attempt of a finished job under the same id. The latest
 * attempt lives where agent-exec 0.2.3 expects a job's files (state.json, the logs at the top of
 * the job directory), so it still reads the job; earlier attempts are kept, each with its own
 * logs, record and events, in `<job>/attempts/<n>/` (1 = the first run). `delete` and `gc`
 * treat them as part of their job (they sit inside its directory and count in its size).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { JobError } from '../errors';
import { REDACT_FILE } from '../redact';
import { readHead } from '../logs';
import type { JobStatus } from '../schema';
import { jobPaths, resolveJob, type JobPaths } from '../store/jobDir';
import { readCurrentState } from '../store/stateFile';

const ATTEMPTS_DIR = 'attempts';

/** What belongs to one attempt; meta.json, stdin and the input pipe belong to the job. */
const ATTEMPT_FILES = [
  'state.json',
  'stdout.log',
  'stderr.log',
  'full.log',
  'exit.rec',
  'ready.json',
  'activity.json',
  'completion_event.json',
  'notification_events.ndjson',
  'stdin.eof',
];

/** Earlier attempts kept in `<job>/attempts/` (the current one is this + 1). */
export async function archivedAttempts(paths: JobPaths): Promise<number> {
  const names = await fs.readdir(path.join(paths.dir, ATTEMPTS_DIR)).catch(() => [] as string[]);
  return names.filter((n) => /^[1-9]\d*$/.test(n)).length;
}

/** `{attempt: n}` for an answer about attempt `n` of a job that has been rerun (or when one was asked for); `{}` otherwise. */
export async function attemptField(paths: JobPaths, asked?: number): Promise<{ attempt?: number }> {
  if (asked !== undefined) return { attempt: asked };
  const archived = await archivedAttempts(paths);
  return archived > 0 ? { attempt: archived + 1 } : {};
}

/** The number of the current (latest) attempt. */
export const currentAttempt = async (paths: JobPaths): Promise<number> => (await archivedAttempts(paths)) + 1;

/**
 * The files of attempt `n` (1-based) of a job: its own directory for an earlier attempt, the job
 * directory for the latest, or when no attempt is asked. `meta` stays the job's. Out of range →
 * `invalid_request`.
 */
export async function attemptPaths(paths: JobPaths, n: number | undefined): Promise<JobPaths> {
  if (n === undefined) return paths;
  const latest = await currentAttempt(paths);
  if (!Number.isSafeInteger(n) || n < 1 || n > latest)
    throw new JobError('invalid_request', `job ${paths.id} has no attempt ${n} (attempts 1 to ${latest})`, {
      job_id: paths.id,
      attempts: latest,
    });
  if (n === latest) return paths;
  const archived = jobPaths(path.join(paths.dir, ATTEMPTS_DIR), String(n));
  return { ...archived, id: paths.id, meta: paths.meta, stdin: paths.stdin, inputFifo: paths.inputFifo };
}

/**
 * Moves the current attempt's files into `attempts/<n>/` (state.json copied: the job keeps a
 * record until the new attempt's replaces it). Returns the number the new attempt gets.
 */
export async function archiveCurrentAttempt(paths: JobPaths): Promise<number> {
  const n = await currentAttempt(paths);
  const dir = path.join(paths.dir, ATTEMPTS_DIR, String(n));
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  // The masked values are the job's: copied before any log moves, so an earlier attempt's logs
  // are never readable (and masked) without them. A job without masked values has none.
  await fs.copyFile(path.join(paths.dir, REDACT_FILE), path.join(dir, REDACT_FILE)).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });
  for (const name of ATTEMPT_FILES) {
    const from = path.join(paths.dir, name);
    const to = path.join(dir, name);
    const done = name === 'state.json' ? fs.copyFile(from, to) : fs.rename(from, to);
    await done.catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
  }
  return n + 1;
}

export interface AttemptSummary {
  attempt: number;
  state: JobStatus;
  exit_code: number | null;
  signal: string | null;
  started_at?: string;
  finished_at?: string;
  duration_ms: number | null;
}

/** Every attempt of a job, first to latest, with its result and times (the panel's attempts view). */
export async function listAttempts(root: string, input: string): Promise<AttemptSummary[]> {
  const job = await resolveJob(root, input);
  const latest = await currentAttempt(job);
  const out: AttemptSummary[] = [];
  for (let n = 1; n <= latest; n++) {
    const st = await readCurrentState(await attemptPaths(job, n)).catch(() => undefined);
    if (!st) continue;
    out.push({
      attempt: n,
      state: st.job.status,
      exit_code: st.result.exit_code,
      signal: st.result.signal,
      ...(st.job.started_at !== undefined ? { started_at: st.job.started_at } : {}),
      ...(st.finished_at !== undefined ? { finished_at: st.finished_at } : {}),
      duration_ms: st.result.duration_ms,
    });
  }
  return out;
}

export interface OutputDifference {
  /** The attempt compared, and the last successful attempt before it. */
  attempt: number;
  successful_attempt: number;
  /** 1-based line of stdout where they first differ; absent when the outputs are the same. */
  line?: number;
  /** That line in each (masked values hidden); absent past the end of one of them. */
  text?: string;
  successful_text?: string;
}

const COMPARE_MAX_BYTES = 16 * 1024 * 1024;

/**
 * Where the stdout of attempt `n` (default the latest) first differs from that of the last
 * successful attempt before it (exit code 0). Undefined when there is none to compare with.
 * Reads at most 16 MiB of each log.
 */
export async function firstDifference(root: string, input: string, n?: number): Promise<OutputDifference | undefined> {
  const job = await resolveJob(root, input);
  const attempts = await listAttempts(root, input);
  const target = n ?? attempts.length;
  const good = attempts.filter((a) => a.attempt < target && a.exit_code === 0).pop();
  if (!good) return undefined;
  const [mine, theirs] = await Promise.all([target, good.attempt].map(async (k) => (await attemptPaths(job, k)).stdout));
  const read = async (file: string) => (await readHead(file, COMPARE_MAX_BYTES)).text.split('\n');
  const [a, b] = await Promise.all([read(mine), read(theirs)]);
  const base = { attempt: target, successful_attempt: good.attempt };
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] === b[i]) continue;
    return {
      ...base,
      line: i + 1,
      ...(a[i] !== undefined ? { text: a[i] } : {}),
      ...(b[i] !== undefined ? { successful_text: b[i] } : {}),
    };
  }
  return base;
}
