/**
 * `start` (agent-exec-compat.md §4.3): launch a `created` job from its persisted definition. The
 * created→running flip happens under the job lock, so two concurrent starts launch it once
 * (§10.17); the second gets `invalid_state`.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { loadConfig } from '../config';
import { invalidState, JobError } from '../errors';
import { maskEnvVars, RUNTIME_ENV_FILE, splitAssignment, supervisorSpec } from '../jobSpec';
import { maskedValues, recordMaskedValues } from '../redact';
import type { JobMeta } from '../schema';
import { readMeta, resolveJob, type JobPaths } from '../store/jobDir';
import { readCurrentState, updateState } from '../store/stateFile';
import { launchJob, recordFailed } from '../supervisor/launch';
import {
  DEFAULT_OBSERVE,
  inlineResult,
  launchingState,
  observeInline,
  startAutoGc,
  type AutoGcFlags,
  type InlineResult,
  type LaunchContext,
  type ObserveOptions,
} from './run';
import { declaresNoReadiness, readySpecOf } from './ready';

export interface StartRequest {
  observe?: ObserveOptions;
  autoGc?: AutoGcFlags;
}

/**
 * The real `--env` list: our private file (written by `create`, and by `run` for reruns), else
 * agent-exec's `env_vars_runtime`, else the unmasked entries of `env_vars` (a job agent-exec ran).
 */
async function runtimeEnvVars(paths: JobPaths, meta: JobMeta): Promise<string[]> {
  const text = await fs.readFile(path.join(paths.dir, RUNTIME_ENV_FILE), 'utf8').catch(() => undefined);
  if (text === undefined)
    return meta.env_vars_runtime ?? (meta.env_vars ?? []).filter((v) => !(meta.mask ?? []).includes(splitAssignment(v)[0]));
  const list = JSON.parse(text) as unknown;
  if (!Array.isArray(list) || !list.every((v) => typeof v === 'string')) {
    throw new JobError('internal_error', `${RUNTIME_ENV_FILE}: expected an array of strings`);
  }
  return list;
}

export async function startJob(root: string, input: string, req: StartRequest, ctx: LaunchContext): Promise<InlineResult> {
  const paths = await resolveJob(root, input);
  const meta = await readMeta(paths);
  if (req.observe?.wait && req.observe.untilReady && !readySpecOf(meta)) throw declaresNoReadiness(paths.id);
  const before = await readCurrentState(paths);
  let flipped = false;
  const now = await updateState(paths, (cur) => {
    if (cur?.job.status !== 'created') return undefined;
    flipped = true;
    return launchingState(paths.id);
  });
  if (!flipped) {
    const status = now?.job.status ?? before.job.status;
    throw invalidState(`job ${input} is in '${status}' state; only 'created' jobs can be started`);
  }
  return observeLaunched(root, paths, meta, await launchPersisted(paths, meta, ctx), req, ctx);
}

/**
 * Launches a job whose record was just flipped to the launching state (`start`, `rerun`) from its
 * persisted definition; returns the real --env list. A launch failure records the job failed.
 */
export async function launchPersisted(paths: JobPaths, meta: JobMeta, ctx: LaunchContext): Promise<string[]> {
  let envVars: string[];
  let spec;
  try {
    envVars = await runtimeEnvVars(paths, meta);
    spec = await supervisorSpec(paths, meta, envVars, ctx);
    await recordMaskedValues(paths.dir, maskedValues(meta.mask ?? [], spec.env));
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    await recordFailed(paths, message);
    throw new JobError('spawn_failed', `failed to start job ${paths.id}: ${message}`, { job_id: paths.id });
  }
  await launchJob(paths, spec, ctx.runtime);
  return envVars;
}

/** After a launch of an existing job: auto-GC (behind the answer), then inline observation and the answer. */
export async function observeLaunched(
  root: string,
  paths: JobPaths,
  meta: JobMeta,
  envVars: string[],
  req: StartRequest,
  ctx: LaunchContext,
): Promise<InlineResult> {
  startAutoGc(root, req.autoGc, await loadConfig(undefined, ctx.env), ctx.warn);
  const observe = req.observe ?? DEFAULT_OBSERVE;
  const seen = await observeInline(root, paths, meta, observe);
  return inlineResult(paths, meta, seen.state, maskEnvVars(envVars, meta.mask ?? []), 0, seen.waitedMs, observe.maxBytes, seen);
}

/**
 * The masked --env keys a launch could not give their values again (a job agent-exec ran keeps
 * them nowhere): those recorded as --env entries that the real --env list lacks. Keys masked
 * from env files are not among them (the files are read again).
 */
export async function lostMaskedEnv(paths: JobPaths, meta: JobMeta): Promise<string[]> {
  const kept = new Set((await runtimeEnvVars(paths, meta)).map((v) => splitAssignment(v)[0]));
  const masked = new Set(meta.mask ?? []);
  return (meta.env_vars ?? []).map((v) => splitAssignment(v)[0]).filter((k) => masked.has(k) && !kept.has(k));
}
