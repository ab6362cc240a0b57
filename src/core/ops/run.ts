/**
 * `run` (agent-exec-compat.md §4.1, §5): create the job, launch its supervisor, observe inline, auto-GC.
 * Spawn problems are reported, not hidden (§10.3): bad `--cwd`, unreadable env files or `--log`
 * are refused before the job exists; anything that fails at launch records the job `failed`
 * and raises `spawn_failed`.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { AgentExecConfig } from '../config';
import { JobError, describeError } from '../errors';
import { checkCwd, effectiveCwd, maskEnvVars, readEnvFiles, RUNTIME_ENV_FILE, supervisorSpec, type CallerContext } from '../jobSpec';
import { writeFileAtomic } from '../store/atomicWrite';
import { readHead } from '../logs';
import { maskedValues, recordMaskedValues } from '../redact';
import { identify } from '../process/proc';
import { isTerminal, type JobMeta, type JobState, type JobStatus } from '../schema';
import { LOG_FILE_MODE, fileSize, type JobPaths } from '../store/jobDir';
import { readCurrentState, updateState } from '../store/stateFile';
import { launchJob, type SupervisorRuntime } from '../supervisor/launch';
import { monotonicMs, nowTimestamp } from '../time';
import { waitForJob } from './jobWatch';
import { observeAttention, type Attention } from './attention';
import { hasReadyCondition, observeReady, readySpecOf, type ReadyFields, type ReadyState } from './ready';
import { waitForJobOrNeed } from './wait';
import { autoGc, type AutoGcPolicy } from './gc';
import { materializeJob, type CreateRequest, type MaterializedJob } from './create';
import { ensureSingleton } from './singleton';

export interface ObserveOptions {
  /** false = no observation (`--no-wait`, `--wait false`). */
  wait: boolean;
  /** Deadline in seconds (`--until`, default 10); ignored with `forever`. */
  untilSec: number;
  forever: boolean;
  /** Head bytes per stream (`--max-bytes`, default 65536). */
  maxBytes: number;
  /**
   * `--wait-ready` (ours): observe until the job is ready (or ends, or the deadline) instead of its
   * first output. Implied for a singleton that declares a ready condition (runJob).
   */
  untilReady?: boolean;
}

/** How long inline observation waits for the exit after the first output byte. */
export const OUTPUT_SETTLE_MS = 250;

export const DEFAULT_OBSERVE: ObserveOptions = { wait: true, untilSec: 10, forever: false, maxBytes: 65536 };

/** `--no-auto-gc` and `--auto-gc-*` flags (config `[gc]` fills what they leave out). */
export interface AutoGcFlags {
  disabled?: boolean;
  olderThan?: string;
  maxJobs?: number;
  maxBytes?: number;
}

export interface LaunchContext extends CallerContext {
  runtime: SupervisorRuntime;
  /** Receives auto-GC warnings (CLI: stderr). */
  warn?: (message: string) => void;
}

export interface RunRequest extends CreateRequest {
  /** `--log`: where the combined log goes instead of the job's full.log. */
  log?: string;
  observe?: ObserveOptions;
  autoGc?: AutoGcFlags;
}

/** `run`/`start` response payload, keys in agent-exec's order (agent-exec-compat.md §4.1); ours last. */
export interface InlineResult {
  job_id: string;
  state: JobStatus;
  tags: string[];
  env_vars?: string[];
  stdout_log_path: string;
  stderr_log_path: string;
  elapsed_ms: number;
  waited_ms: number;
  stdout: string;
  stderr: string;
  stdout_range: [number, number];
  stderr_range: [number, number];
  stdout_total_bytes: number;
  stderr_total_bytes: number;
  encoding: 'utf-8-lossy';
  exit_code?: number;
  finished_at?: string;
  signal?: string;
  duration_ms?: number;
  timed_out?: boolean;
  error?: string;
  /** ours: readiness of a job that declares how it becomes ready (ops/ready.ts). */
  ready?: ReadyState;
  ready_at?: string;
  /** ours: the job waits for input or has stalled (ops/attention.ts). */
  attention?: Attention;
  /** ours: `--singleton` found this live job and returned it instead of starting another. */
  reused?: boolean;
  /** ours: the attempt this answer is about, once a job has been rerun (ops/attempts.ts). */
  attempt?: number;
}

/** What inline observation saw: the state, how long it waited, and our readiness and attention fields. */
export interface Observed {
  state: JobState;
  waitedMs: number;
  ready?: ReadyFields;
  attention?: Attention;
}

/**
 * Inline observation (agent-exec-compat.md §5.2), event-driven: returns at the first output byte, a
 * terminal state, or the deadline, then reads both log heads (bounded).
 */
export async function observeInline(root: string, paths: JobPaths, meta: JobMeta, opts: ObserveOptions): Promise<Observed> {
  const t0 = monotonicMs();
  const spec = readySpecOf(meta);
  if (opts.wait && opts.untilReady && spec) {
    const timeoutMs = opts.forever ? undefined : opts.untilSec * 1000;
    const { state, ready } = await waitForJobOrNeed(root, paths, meta, { timeoutMs, untilReady: true });
    return { state, waitedMs: monotonicMs() - t0, ready, attention: await observeAttention(root, paths, meta, state) };
  }
  if (opts.wait) {
    const deadline = opts.forever ? undefined : t0 + opts.untilSec * 1000;
    const left = () => (deadline === undefined ? undefined : Math.max(0, deadline - monotonicMs()));
    const hasOutput = async () => (await fileSize(paths.stdout)) > 0 || (await fileSize(paths.stderr)) > 0;
    const first = await waitForJob(paths, async (st) => isTerminal(st.job.status) || (await hasOutput()), {
      timeoutMs: left(),
      logs: true,
    });
    if (first.satisfied && !isTerminal(first.state.job.status)) {
      // Output often comes right before the exit: give the terminal record a moment (§10.21),
      // a little longer than agent-exec's own 100 ms poll, so a finished job is not reported as running.
      const grace = Math.min(OUTPUT_SETTLE_MS, left() ?? OUTPUT_SETTLE_MS);
      if (grace > 0) await waitForJob(paths, (st) => isTerminal(st.job.status), { timeoutMs: grace });
    }
  }
  const { state, ready } = await observeReady(root, paths, meta, await readCurrentState(paths));
  return { state, waitedMs: opts.wait ? monotonicMs() - t0 : 0, ready, attention: await observeAttention(root, paths, meta, state) };
}

export async function inlineResult(
  paths: JobPaths,
  meta: JobMeta,
  state: JobState,
  envVars: string[] | undefined,
  elapsedMs: number,
  waitedMs: number,
  maxBytes: number,
  observed: Pick<Observed, 'ready' | 'attention'> = {},
): Promise<InlineResult> {
  const [out, err] = await Promise.all([readHead(paths.stdout, maxBytes), readHead(paths.stderr, maxBytes)]);
  const r = state.result;
  return {
    job_id: paths.id,
    state: state.job.status,
    tags: meta.tags,
    ...(envVars && envVars.length > 0 ? { env_vars: envVars } : {}),
    stdout_log_path: paths.stdout,
    stderr_log_path: paths.stderr,
    elapsed_ms: elapsedMs,
    waited_ms: waitedMs,
    stdout: out.text,
    stderr: err.text,
    stdout_range: out.range,
    stderr_range: err.range,
    stdout_total_bytes: out.totalBytes,
    stderr_total_bytes: err.totalBytes,
    encoding: 'utf-8-lossy',
    ...(r.exit_code !== null ? { exit_code: r.exit_code } : {}),
    ...(state.finished_at !== undefined ? { finished_at: state.finished_at } : {}),
    ...(r.signal !== null ? { signal: r.signal } : {}),
    ...(r.duration_ms !== null ? { duration_ms: r.duration_ms } : {}),
    ...(state.timed_out ? { timed_out: true } : {}),
    ...(state.error !== undefined ? { error: state.error } : {}),
    ...observed.ready,
    ...(observed.attention ? { attention: observed.attention } : {}),
  };
}

/**
 * The record a launcher writes before its supervisor exists: `running`, with the launcher
 * itself as supervisor of record, so that a launcher dying mid-launch is detected as lost.
 */
export function launchingState(id: string): JobState {
  const me = identify(process.pid);
  return {
    job: { id, status: 'running', started_at: nowTimestamp() },
    result: { exit_code: null, signal: null, duration_ms: null },
    updated_at: nowTimestamp(),
    supervisor_pid: me.pid,
    supervisor_start_time: me.startTime,
  };
}

/**
 * Starts the auto-GC after a launch (agent-exec-compat.md §8.1), behind the answer: the caller
 * has its job without the GC's scan (7 ms of an in-process launch here). It never fails the
 * command, and a CLI process still ends only once it is done.
 */
export function startAutoGc(root: string, flags: AutoGcFlags | undefined, config: AgentExecConfig, warn?: (m: string) => void): void {
  if (flags?.disabled || config.gc.auto === false) return;
  const policy: AutoGcPolicy = {
    olderThan: flags?.olderThan ?? config.gc.older_than,
    maxJobs: flags?.maxJobs ?? config.gc.max_jobs,
    maxBytes: flags?.maxBytes ?? config.gc.max_bytes,
    scanLimit: config.gc.scan_limit,
    deleteLimit: config.gc.delete_limit,
  };
  autoGc(root, policy, warn).catch(() => undefined);
}

async function checkLogPath(log: string, cwd: string): Promise<void> {
  const file = path.resolve(cwd, log);
  try {
    await fs.mkdir(path.dirname(file), { recursive: true });
    await (await fs.open(file, 'a', LOG_FILE_MODE)).close();
  } catch (err) {
    throw new JobError('spawn_failed', `cannot open log ${log}: ${describeError(err)}`);
  }
}

/** Creates and launches a new job (recorded `running` when this returns). */
async function launchNew(root: string, req: RunRequest, ctx: LaunchContext): Promise<MaterializedJob> {
  const def = req.definition;
  const job = await materializeJob(
    root,
    req,
    ctx,
    async ({ paths }) => {
      // The real --env values, private (0600), so that a rerun launches the same definition.
      if (def.env.length > 0) await writeFileAtomic(path.join(paths.dir, RUNTIME_ENV_FILE), JSON.stringify(def.env));
      await updateState(paths, () => launchingState(paths.id));
    },
    async () => {
      await checkCwd(effectiveCwd(ctx.cwd, def.cwd));
      await readEnvFiles(def.envFiles, ctx.cwd);
      if (req.log !== undefined) await checkLogPath(req.log, ctx.cwd);
    },
  );
  const { paths, meta } = job;
  const spec = await supervisorSpec(paths, meta, def.env, ctx, req.log ?? paths.full)
    .then(async (s) => {
      await recordMaskedValues(paths.dir, maskedValues(def.mask, s.env));
      return s;
    })
    .catch(async (err: unknown) => {
      await fs.rm(paths.dir, { recursive: true, force: true });
      throw err;
    });
  await launchJob(paths, spec, ctx.runtime);
  return job;
}

export async function runJob(root: string, req: RunRequest, ctx: LaunchContext): Promise<InlineResult> {
  const t0 = monotonicMs();
  const def = req.definition;
  const key = def.singleton;
  const outcome =
    key === undefined ? { started: await launchNew(root, req, ctx) } : await ensureSingleton(root, key, () => launchNew(root, req, ctx));
  const asked = req.observe ?? DEFAULT_OBSERVE;
  // A singleton with a ready condition returns a ready job, whether it started it or found it.
  const observe = key !== undefined && hasReadyCondition(def.ready) ? { ...asked, untilReady: true } : asked;
  if (outcome.reused) {
    // Someone else's job: its own definition and masked env list; nothing was launched, so no auto-GC.
    const { paths, meta } = outcome.reused;
    const seen = await observeInline(root, paths, meta, observe);
    const result = await inlineResult(paths, meta, seen.state, meta.env_vars, monotonicMs() - t0, seen.waitedMs, observe.maxBytes, seen);
    return { ...result, reused: true };
  }
  const { paths, meta, config } = outcome.started!;
  const seen = await observeInline(root, paths, meta, observe);
  const elapsedMs = monotonicMs() - t0;
  startAutoGc(root, req.autoGc, config, ctx.warn);
  const result = await inlineResult(
    paths,
    meta,
    seen.state,
    maskEnvVars(def.env, def.mask),
    elapsedMs,
    seen.waitedMs,
    observe.maxBytes,
    seen,
  );
  return key === undefined ? result : { ...result, reused: false };
}
