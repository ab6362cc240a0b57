/**
 * Job definitions (agent-exec-compat.md §2.1, §3.3, §4.1, §4.2): from user flags to `meta.json`, and from
 * `meta.json` to what the workload is spawned with (argv, env, cwd). Pure data work plus the
 * few reads needed to validate a definition before any job directory exists.
 */
import { promises as fs, realpathSync } from 'node:fs';
import * as path from 'node:path';
import { JobError, describeError } from './errors';
import { SCHEMA_VERSION, type JobMeta, type MatchStream, type MatchType, type Notification, type ReadySpec } from './schema';
import { nowTimestamp } from './time';
import { DEFAULT_SHELL_WRAPPER } from './config';
import type { JobPaths } from './store/jobDir';
import type { SupervisorSpec } from './supervisor/launch';

/** Everything `run`/`create` accept that ends up in `meta.json`. */
export interface JobDefinition {
  command: string[];
  /** `--cwd` as given (relative to the caller's cwd); undefined = the caller's cwd. */
  cwd?: string;
  /** `--env` entries as given (`KEY=VALUE` or `KEY`). */
  env: string[];
  envFiles: string[];
  inheritEnv: boolean;
  mask: string[];
  tags: string[];
  timeoutSec: number;
  killAfterSec: number;
  progressEverySec: number;
  notifyCommand?: string;
  notifyFile?: string;
  outputMatch?: { pattern: string; matchType?: MatchType; stream?: MatchStream; command?: string; file?: string };
  /** Resolved wrapper argv; undefined = config `[shell]` or the platform default. */
  shellWrapper?: string[];
  owner?: string;
  /** `--ready-*`: how the job becomes ready. */
  ready?: ReadySpec;
  /** `--singleton`: the key under which a live job is reused. */
  singleton?: string;
  /** `--stdin-pipe`: stdin is a pipe kept open, fed by `send-input`. */
  stdinPipe?: boolean;
  /** `--input-prompt`: an extra prompt pattern. */
  inputPrompt?: string;
  /** `--stall-after` in ms, `--stall-kill`. */
  stallAfterMs?: number;
  stallKill?: boolean;
}

/** A definition of `command` with agent-exec's defaults (no env or env files, the caller's environment inherited, no tags, no limits); `extra` overrides. */
export function definitionOf(command: string[], extra: Partial<JobDefinition> = {}): JobDefinition {
  return {
    command,
    env: [],
    envFiles: [],
    inheritEnv: true,
    mask: [],
    tags: [],
    timeoutSec: 0,
    killAfterSec: 0,
    progressEverySec: 0,
    ...extra,
  };
}

/** `KEY=VALUE` → [KEY, VALUE]; a bare `KEY` has an empty value (agent-exec-compat.md §3.3). */
export function splitAssignment(entry: string): [string, string] {
  const eq = entry.indexOf('=');
  return eq < 0 ? [entry, ''] : [entry.slice(0, eq), entry.slice(eq + 1)];
}

/** `KEY=VALUE` list with the values of masked keys replaced by `***`. */
export function maskEnvVars(vars: readonly string[], mask: readonly string[]): string[] {
  return vars.map((v) => {
    const [k, value] = splitAssignment(v);
    return mask.includes(k) ? `${k}=***` : `${k}=${value}`;
  });
}

/** Env-file grammar: trimmed lines, `#` comments and blanks skipped, split at the first `=`, no unquoting. */
export function parseEnvFile(text: string): [string, string][] {
  const out: [string, string][] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    out.push(splitAssignment(line));
  }
  return out;
}

/** Reads every env file (relative to `baseDir`) in order; an unreadable one is a `spawn_failed`. */
export async function readEnvFiles(files: readonly string[], baseDir: string): Promise<[string, string][]> {
  const out: [string, string][] = [];
  for (const f of files) {
    let text: string;
    try {
      text = await fs.readFile(path.resolve(baseDir, f), 'utf8');
    } catch (err) {
      throw new JobError('spawn_failed', `cannot read env file ${f}: ${describeError(err)}`);
    }
    out.push(...parseEnvFile(text));
  }
  return out;
}

/**
 * The workload's environment: the caller's (or nothing), then env files, then `--env`, then
 * `AGENT_EXEC_JOB_ID` so that processes that escape the job's process group can be found.
 */
export function workloadEnv(
  jobId: string,
  base: NodeJS.ProcessEnv,
  inherit: boolean,
  fromFiles: readonly [string, string][],
  vars: readonly string[],
): Record<string, string> {
  const env: Record<string, string> = inherit ? definedEnv(base) : {};
  for (const [k, v] of fromFiles) env[k] = v;
  for (const entry of vars) {
    const [k, v] = splitAssignment(entry);
    env[k] = v;
  }
  env.AGENT_EXEC_JOB_ID = jobId;
  return env;
}

/** Effective cwd as agent-exec records it: canonical when it exists, else merely absolute. */
export function effectiveCwd(callerCwd: string, flag?: string): string {
  const abs = path.resolve(callerCwd, flag ?? '.');
  try {
    return realpathSync(abs);
  } catch {
    return abs;
  }
}

/** Refuses a cwd the workload could not be started in (agent-exec-compat.md §10.3). */
export async function checkCwd(dir: string): Promise<void> {
  const st = await fs.stat(dir).catch((err: unknown) => {
    throw new JobError('spawn_failed', `working directory ${dir}: ${describeError(err)}`);
  });
  if (!st.isDirectory()) throw new JobError('spawn_failed', `working directory ${dir}: Not a directory (os error 20)`);
}

/**
 * The argv that runs `command` under `wrapper` (agent-exec-compat.md §3.3): one element = shell string;
 * several = `sh -lc 'exec "$@"' -- argv…` on Unix, a joined string for `cmd /C` on Windows.
 */
export function workloadArgv(wrapper: readonly string[], command: readonly string[], platform = process.platform): string[] {
  if (command.length === 1) return [...wrapper, command[0]];
  if (platform === 'win32') return [...wrapper, command.map((a) => (a.includes(' ') ? `"${a}"` : a)).join(' ')];
  return [...wrapper, 'exec "$@"', '--', ...command];
}

function notificationOf(def: JobDefinition): Notification | undefined {
  const n: Notification = {};
  if (def.notifyCommand !== undefined) n.notify_command = def.notifyCommand;
  if (def.notifyFile !== undefined) n.notify_file = def.notifyFile;
  const m = def.outputMatch;
  if (m && m.pattern !== '') {
    n.on_output_match = {
      pattern: m.pattern,
      match_type: m.matchType ?? 'contains',
      stream: m.stream ?? 'either',
      ...(m.command !== undefined ? { command: m.command } : {}),
      ...(m.file !== undefined ? { file: m.file } : {}),
    };
  }
  return Object.keys(n).length > 0 ? n : undefined;
}

/**
 * `meta.json` for a new job, keys in agent-exec's order. Secrets: values of masked keys appear
 * only as `***`; `env_vars_runtime` is never written (a `create`d job keeps its real values in
 * a private 0600 file instead, see `RUNTIME_ENV_FILE`).
 */
export function buildMeta(
  id: string,
  root: string,
  callerCwd: string,
  def: JobDefinition & { shellWrapper: string[] },
  stdinFile?: string,
): JobMeta {
  const envKeys = def.env.map((e) => splitAssignment(e)[0]);
  const meta: JobMeta = {
    job: { id },
    schema_version: SCHEMA_VERSION,
    command: def.command,
    created_at: nowTimestamp(),
    root,
    env_keys: envKeys,
  } as JobMeta;
  if (def.env.length > 0) meta.env_vars = maskEnvVars(def.env, def.mask);
  if (def.mask.length > 0) meta.mask = def.mask;
  meta.cwd = effectiveCwd(callerCwd, def.cwd);
  const notification = notificationOf(def);
  if (notification) meta.notification = notification;
  meta.tags = def.tags;
  meta.inherit_env = def.inheritEnv;
  if (def.envFiles.length > 0) meta.env_files = def.envFiles;
  meta.timeout_ms = def.timeoutSec * 1000;
  meta.kill_after_ms = def.killAfterSec * 1000;
  meta.progress_every_ms = def.progressEverySec * 1000;
  meta.shell_wrapper = def.shellWrapper;
  if (stdinFile !== undefined) meta.stdin_file = stdinFile;
  if (def.owner !== undefined) meta.owner = def.owner;
  if (def.ready !== undefined) meta.ready = def.ready;
  if (def.singleton !== undefined) meta.singleton = def.singleton;
  if (def.stdinPipe) meta.stdin_pipe = true;
  if (def.inputPrompt !== undefined) meta.input_prompt = def.inputPrompt;
  if (def.stallAfterMs !== undefined) meta.stall_after_ms = def.stallAfterMs;
  if (def.stallKill) meta.stall_kill = true;
  return meta;
}

/** Private (0600) file in a `create`d job holding the real `--env` list that `start` applies. */
export const RUNTIME_ENV_FILE = 'env.runtime.json';

/** Where the job is launched from: the caller's cwd and environment. */
export interface CallerContext {
  cwd: string;
  env: NodeJS.ProcessEnv;
}

/**
 * The supervisor spec for a job, from its persisted definition (agent-exec-compat.md §4.3: launches use only
 * persisted values, env files re-read now) plus the real `--env` values.
 */
export async function supervisorSpec(
  paths: JobPaths,
  meta: JobMeta,
  envVars: readonly string[],
  caller: CallerContext,
  fullLog: string = paths.full,
): Promise<SupervisorSpec> {
  const wrapper = shellWrapperOf(meta);
  const fromFiles = await readEnvFiles(meta.env_files ?? [], caller.cwd);
  return {
    jobId: paths.id,
    root: path.dirname(paths.dir),
    argv: workloadArgv(wrapper, meta.command),
    env: workloadEnv(paths.id, caller.env, meta.inherit_env, fromFiles, envVars),
    cwd: meta.cwd ?? caller.cwd,
    ...(meta.stdin_pipe
      ? { stdinFile: paths.inputFifo, stdinPipe: true }
      : meta.stdin_file !== undefined
        ? { stdinFile: path.resolve(paths.dir, meta.stdin_file) }
        : {}),
    fullLog: path.resolve(caller.cwd, fullLog),
    timeoutMs: meta.timeout_ms,
    killAfterMs: meta.kill_after_ms,
    progressEveryMs: meta.progress_every_ms,
    shellWrapper: wrapper,
    sinkEnv: definedEnv(caller.env),
    outputMatch: meta.notification?.on_output_match !== undefined,
  };
}

/** The wrapper a job's commands (workload, notification sinks) run under. */
export const shellWrapperOf = (meta: JobMeta): string[] =>
  meta.shell_wrapper && meta.shell_wrapper.length > 0 ? meta.shell_wrapper : [...DEFAULT_SHELL_WRAPPER];

/** `env` without undefined values and without the job tag (a base for workload and sink environments). */
export function definedEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && k !== 'AGENT_EXEC_JOB_ID') out[k] = v;
  return out;
}
