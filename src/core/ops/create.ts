/**
 * `create` (agent-exec-compat.md §4.2) and the job-directory materialisation shared with `run` (§4.1):
 * everything that can be checked is checked before the directory exists, and a failure after
 * that removes the directory again (no orphan job dirs, §10.14).
 */
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { loadConfig, configuredShellWrapper, type AgentExecConfig } from '../config';
import { JobError, describeError } from '../errors';
import { buildMeta, RUNTIME_ENV_FILE, type CallerContext, type JobDefinition } from '../jobSpec';
import type { JobMeta } from '../schema';
import { writeFileAtomic, writeJsonAtomic } from '../store/atomicWrite';
import { LOG_FILE_MODE, jobPaths, type JobPaths } from '../store/jobDir';
import { newJobId } from '../store/jobId';
import { updateState } from '../store/stateFile';
import { nowTimestamp } from '../time';
import { indexBeforeNewDir, indexNewDir } from './listIndex';

export const DEFAULT_STDIN_MAX_BYTES = 64 * 1024 * 1024;
const MAX_ID_ATTEMPTS = 16;

/** `--stdin <VALUE>`, `--stdin -` (the caller's stdin) or `--stdin-file <PATH>`. */
export type StdinSource =
  | { kind: 'literal'; data: Buffer }
  | { kind: 'caller'; stream: NodeJS.ReadableStream & { isTTY?: boolean } }
  | { kind: 'file'; path: string };

export interface CreateRequest {
  definition: JobDefinition;
  stdin?: StdinSource;
  stdinMaxBytes?: number;
  /** `--config` path (default: the platform config file). */
  configPath?: string;
}

export interface CreateResult {
  job_id: string;
  state: 'created';
  stdout_log_path: string;
  stderr_log_path: string;
}

const tooLarge = (max: number) => new JobError('stdin_too_large', `stdin_too_large: input exceeds ${max} byte limit`);

/** Checks the stdin source without consuming it (a huge file is refused by its size alone). */
async function checkStdin(src: StdinSource | undefined, max: number, caller: CallerContext): Promise<void> {
  if (!src) return;
  if (src.kind === 'caller' && src.stream.isTTY) {
    throw new JobError('stdin_required', 'stdin_required: --stdin - needs piped input, but stdin is a terminal');
  }
  if (src.kind === 'literal' && src.data.length > max) throw tooLarge(max);
  if (src.kind === 'file') {
    const st = await fs.stat(path.resolve(caller.cwd, src.path)).catch((err: unknown) => {
      throw new JobError('internal_error', `cannot read stdin file ${src.path}: ${describeError(err)}`);
    });
    if (st.isFile() && st.size > max) throw tooLarge(max);
  }
}

/** Copies the stdin source into `<job>/stdin.bin` (0600), stopping as soon as it exceeds `max`. */
async function writeStdin(file: string, src: StdinSource, max: number, caller: CallerContext): Promise<void> {
  const out = await fs.open(file, 'wx', 0o600);
  try {
    if (src.kind === 'literal') {
      await out.writeFile(src.data);
      return;
    }
    const input =
      src.kind === 'caller'
        ? src.stream
        : (
            await fs.open(path.resolve(caller.cwd, src.path), 'r').catch((err: unknown) => {
              throw new JobError('internal_error', `cannot read stdin file ${src.path}: ${describeError(err)}`);
            })
          ).createReadStream();
    let total = 0;
    for await (const chunk of input) {
      const b = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
      total += b.length;
      if (total > max) throw tooLarge(max);
      await out.write(b);
    }
  } finally {
    await out.close();
  }
}

/** The input FIFO of a `--stdin-pipe` job (0600; Node has no mkfifo, coreutils does). */
function makeInputFifo(file: string): void {
  try {
    execFileSync('mkfifo', ['-m', '600', file], { stdio: 'ignore' });
  } catch (err) {
    throw new JobError('spawn_failed', `cannot create the input pipe ${file}: ${describeError(err)}`);
  }
}

async function newJobDir(root: string): Promise<JobPaths> {
  await fs.mkdir(root, { recursive: true });
  for (let i = 0; i < MAX_ID_ATTEMPTS; i++) {
    const paths = jobPaths(root, newJobId());
    try {
      const index = indexBeforeNewDir(root);
      // 0700: records, logs and env files are the owner's alone.
      await fs.mkdir(paths.dir, { mode: 0o700 });
      indexNewDir(root, paths.id, index);
      return paths;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  throw new JobError('io_error', `job ID generation failed: ${MAX_ID_ATTEMPTS} consecutive collisions`);
}

export interface MaterializedJob {
  paths: JobPaths;
  meta: JobMeta;
  config: AgentExecConfig;
}

/**
 * Validates the definition, then writes the job directory: stdin.bin, meta.json, empty logs,
 * and whatever `fill` adds (initial state). On any failure the directory is removed.
 */
export async function materializeJob(
  root: string,
  req: CreateRequest,
  caller: CallerContext,
  fill: (job: MaterializedJob) => Promise<void>,
  validate: (config: AgentExecConfig) => Promise<void> = async () => undefined,
): Promise<MaterializedJob> {
  const config = await loadConfig(req.configPath, caller.env);
  const def = { ...req.definition, shellWrapper: req.definition.shellWrapper ?? configuredShellWrapper(config) };
  const max = req.stdinMaxBytes ?? DEFAULT_STDIN_MAX_BYTES;
  if (def.stdinPipe && req.stdin) throw new JobError('invalid_request', '--stdin-pipe cannot be combined with --stdin or --stdin-file');
  await checkStdin(req.stdin, max, caller);
  await validate(config);
  const paths = await newJobDir(root);
  try {
    if (req.stdin) await writeStdin(paths.stdin, req.stdin, max, caller);
    if (def.stdinPipe) makeInputFifo(paths.inputFifo);
    // The FIFO is not recorded as stdin_file: agent-exec 0.2.3 starting such a job would block opening it.
    const meta = buildMeta(paths.id, root, caller.cwd, def, req.stdin ? 'stdin.bin' : undefined);
    await writeJsonAtomic(paths.meta, meta);
    for (const log of [paths.stdout, paths.stderr, paths.full]) await (await fs.open(log, 'a', LOG_FILE_MODE)).close();
    const job = { paths, meta, config };
    await fill(job);
    return job;
  } catch (err) {
    await fs.rm(paths.dir, { recursive: true, force: true }).catch(() => undefined);
    throw err;
  }
}

/** `create`: a job in state `created`; spawns nothing, runs no sinks. */
export async function createJob(root: string, req: CreateRequest, caller: CallerContext): Promise<CreateResult> {
  const { paths } = await materializeJob(root, req, caller, async ({ paths }) => {
    // Real --env values stay out of meta.json; `start` reads them from this private file.
    if (req.definition.env.length > 0) {
      await writeFileAtomic(path.join(paths.dir, RUNTIME_ENV_FILE), JSON.stringify(req.definition.env));
    }
    await updateState(paths, () => ({
      job: { id: paths.id, status: 'created' },
      result: { exit_code: null, signal: null, duration_ms: null },
      updated_at: nowTimestamp(),
    }));
  });
  return { job_id: paths.id, state: 'created', stdout_log_path: paths.stdout, stderr_log_path: paths.stderr };
}
