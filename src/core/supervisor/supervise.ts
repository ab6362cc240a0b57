/**
 * The per-job supervisor (agent-exec-compat.md §3.2–§3.6, hardened per §10): spawns the workload in its own
 * session with its stdout/stderr going straight into the log files, records every state
 * change through `updateState`, enforces `--timeout`/`--kill-after`, follows the logs for
 * `full.log` and output matching, and emits `job.finished`.
 */
import { spawn } from 'node:child_process';
import { constants as fsConstants, closeSync, existsSync, openSync, promises as fs } from 'node:fs';
import { constants as osConstants } from 'node:os';
import * as path from 'node:path';
import { describeError } from '../errors';
import { checkCwd } from '../jobSpec';
import { emitJobFinished } from '../notify';
import { cgroupMembers, killCgroup, removeCgroup, spawnInJobCgroup } from '../process/cgroup';
import { signalGroup, groupExists } from '../process/group';
import { identify, findEnvTagged } from '../process/proc';
import { isTerminal, type JobMeta } from '../schema';
import { exitState } from '../store/exitRecord';
import { LOG_FILE_MODE, jobPaths, readMeta, type JobPaths } from '../store/jobDir';
import { isValidIdInput } from '../store/jobId';
import { updateState } from '../store/stateFile';
import { MAX_TIMER_MS, monotonicMs, nowTimestamp } from '../time';
import { recordFailed, type Handshake, type SupervisorSpec } from './launch';
import { LogFollower } from './logFollower';
import { outputMatcher } from './outputMatch';
import { startProgress } from './progress';

const MAX_SPEC_BYTES = 16 * 1024 * 1024;

async function readSpec(input: NodeJS.ReadableStream): Promise<SupervisorSpec> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of input) {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += b.length;
    if (size > MAX_SPEC_BYTES) throw new Error('supervisor spec too large');
    chunks.push(b);
  }
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as SupervisorSpec;
}

/**
 * The KILL that follows a timeout's TERM after `--kill-after` (0 = at once), sent only if
 * something of the job is still there (agent-exec-compat.md §10.9) — including env-tagged escapees.
 * It runs beside the completion sequence, never in front of it.
 */
class Escalation {
  private timer?: { clear(): void };
  private settle: () => void = () => undefined;
  private pending: Promise<void> = Promise.resolve();

  constructor(
    private readonly jobId: string,
    private readonly pid: number,
    private readonly cgroup: string | undefined,
  ) {}

  /** Anything of the job still alive: its group, its cgroup, env-tagged escapees. */
  anythingLeft(): boolean {
    return (
      groupExists(this.pid) || (this.cgroup !== undefined && cgroupMembers(this.cgroup).length > 0) || findEnvTagged(this.jobId).length > 0
    );
  }

  /** Resolves once the KILL was sent or cancelled (immediately when never armed). */
  get done(): Promise<void> {
    return this.pending;
  }

  arm(afterMs: number): void {
    this.pending = new Promise((resolve) => {
      this.settle = resolve;
      this.timer = setLongTimeout(() => {
        if (groupExists(this.pid)) signalGroup(this.pid, 'SIGKILL', true);
        if (this.cgroup) killCgroup(this.cgroup);
        for (const p of findEnvTagged(this.jobId)) signalGroup(p, 'SIGKILL', true);
        resolve();
      }, afterMs);
    });
  }

  cancel(): void {
    this.timer?.clear();
    this.settle();
  }
}

/** setTimeout for any delay (an absurd `--timeout` must mean "much later", not "now"). */
function setLongTimeout(fn: () => void, ms: number): { clear(): void } {
  let timer: NodeJS.Timeout;
  const arm = (left: number) => {
    timer = setTimeout(() => (left > MAX_TIMER_MS ? arm(left - MAX_TIMER_MS) : fn()), Math.min(left, MAX_TIMER_MS));
  };
  arm(ms);
  return { clear: () => clearTimeout(timer) };
}

interface Workload {
  pid: number;
  /** `--stdin-pipe`: this process's read-write hold on the input FIFO (see SupervisorSpec.stdinPipe). */
  inputHold?: number;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The job's cgroup, where one could be made. */
  cgroup?: string;
}

/** Opens the logs and spawns the workload; throws with a readable reason. */
async function spawnWorkload(spec: SupervisorSpec, paths: JobPaths): Promise<Workload> {
  await checkCwd(spec.cwd);
  // O_APPEND: the workload and every descendant append atomically, even if the file is truncated.
  const logFlags = fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_TRUNC | fsConstants.O_APPEND;
  const fds: number[] = [];
  // Opened first (read-write never blocks on a FIFO), so the workload's read-only open does not wait for a writer.
  const inputHold = spec.stdinPipe && spec.stdinFile !== undefined ? openSync(spec.stdinFile, 'r+') : undefined;
  try {
    const stdinFd = spec.stdinFile !== undefined ? openSync(spec.stdinFile, 'r') : undefined;
    if (stdinFd !== undefined) fds.push(stdinFd);
    const outFd = openSync(paths.stdout, logFlags, LOG_FILE_MODE);
    fds.push(outFd);
    const errFd = openSync(paths.stderr, logFlags, LOG_FILE_MODE);
    fds.push(errFd);
    // Where cgroup v2 is writable the workload is born in its own job cgroup: every
    // descendant stays in it, whatever it does (setsid, double fork, env -i).
    const { result: child, cgroup } = spawnInJobCgroup(spec.jobId, () =>
      spawn(spec.argv[0], spec.argv.slice(1), {
        cwd: spec.cwd,
        env: spec.env,
        detached: process.platform !== 'win32',
        stdio: [stdinFd ?? 'ignore', outFd, errFd],
        windowsHide: true,
      }),
    );
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('exit', (code, signal) => resolve({ code, signal })),
    );
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', (err) => {
        if (cgroup) removeCgroup(cgroup);
        reject(new Error(`cannot run ${spec.argv[0]}: ${describeError(err)}`));
      });
    });
    return { pid: child.pid!, exited, cgroup, inputHold };
  } catch (err) {
    if (inputHold !== undefined) closeSync(inputHold);
    throw err;
  } finally {
    for (const fd of fds) closeSync(fd);
  }
}

function writeHandshake(output: NodeJS.WritableStream, hs: Handshake): Promise<void> {
  return new Promise((resolve) => {
    output.on('error', () => resolve());
    output.end(`${JSON.stringify(hs)}\n`, () => resolve());
  });
}

/**
 * Runs one job to completion. Returns the supervisor's exit code. `output` receives the
 * handshake line and is closed right after it.
 */
export async function supervise(jobId: string, root: string, input: NodeJS.ReadableStream, output: NodeJS.WritableStream): Promise<number> {
  if (!isValidIdInput(jobId)) {
    await writeHandshake(output, { ok: false, error: `invalid job id: ${jobId}` });
    return 1;
  }
  const paths = jobPaths(root, jobId);
  // send-input --eof writes stdin.eof, then signals: end of input for the workload. Installed
  // first: the signal's default action would end this supervisor.
  let inputHold: number | undefined;
  const closeInput = () => {
    if (inputHold !== undefined) closeSync(inputHold);
    inputHold = undefined;
  };
  process.on('SIGUSR1', () => {
    if (existsSync(paths.inputEof)) closeInput();
  });
  const startedAt = nowTimestamp();
  const me = identify(process.pid);
  let spec: SupervisorSpec;
  let meta: JobMeta;
  let workload: Workload;
  let full: fs.FileHandle;
  try {
    spec = await readSpec(input);
    meta = await readMeta(paths);
    await fs.mkdir(path.dirname(path.resolve(spec.fullLog)), { recursive: true });
    full = await fs.open(spec.fullLog, 'w', LOG_FILE_MODE).catch((err: unknown) => {
      throw new Error(`cannot open log ${spec.fullLog}: ${describeError(err)}`);
    });
    try {
      workload = await spawnWorkload(spec, paths);
    } catch (err) {
      await full.close();
      throw err;
    }
  } catch (err) {
    const error = describeError(err);
    await recordFailed(paths, error).catch(() => undefined);
    await writeHandshake(output, { ok: false, error });
    return 1;
  }
  const spawnedAt = monotonicMs();
  const { pid } = workload;
  let recordError = '';
  const running = await updateState(paths, (cur) => {
    if (cur && isTerminal(cur.job.status)) return undefined;
    return {
      job: { id: jobId, status: 'running', started_at: startedAt },
      result: { exit_code: null, signal: null, duration_ms: null },
      pid,
      updated_at: nowTimestamp(),
      pid_start_time: identify(pid).startTime,
      supervisor_pid: me.pid,
      supervisor_start_time: me.startTime,
    };
  }).catch((err: unknown) => {
    recordError = err instanceof Error ? err.message : String(err);
    return undefined;
  });
  if (running?.job.status !== 'running' || running.pid !== pid) {
    // The job was settled meanwhile (e.g. the launcher gave up) or cannot be recorded: a
    // workload nobody accounts for must not run on.
    signalGroup(pid, 'SIGKILL', true);
    if (workload.cgroup) killCgroup(workload.cgroup);
    await writeHandshake(output, {
      ok: false,
      error: running ? `job is already ${running.job.status}` : `cannot record the job state: ${recordError}`,
    });
    await workload.exited;
    await full.close();
    return 1;
  }
  await writeHandshake(output, { ok: true, pid });
  inputHold = workload.inputHold;
  if (existsSync(paths.inputEof)) closeInput();

  const follower = await LogFollower.start(paths, full, outputMatcher(paths, meta, spec.shellWrapper, spec.sinkEnv));

  let timedOut = false;
  const escalation = new Escalation(jobId, pid, workload.cgroup);
  const timeout =
    spec.timeoutMs > 0
      ? setLongTimeout(() => {
          timedOut = true;
          signalGroup(pid, 'SIGTERM', true);
          escalation.arm(spec.killAfterMs);
        }, spec.timeoutMs)
      : undefined;
  const stopProgress = startProgress(paths, spec.progressEveryMs, pid);

  const { code, signal } = await workload.exited;
  const durationMs = monotonicMs() - spawnedAt;
  closeInput();
  timeout?.clear();
  stopProgress();
  // As `_finish`: a record already terminal (a verified kill) stands, and a record of another
  // workload (a new attempt) is not this exit's to settle.
  const final = await updateState(paths, (cur) =>
    (cur?.pid !== undefined && cur.pid !== pid) || (cur && isTerminal(cur.job.status))
      ? undefined
      : exitState(cur, {
          jobId,
          pid,
          code,
          signal: signal ? osConstants.signals[signal] : null,
          durationMs,
          timedOut,
          startedAt,
          supervisor: me,
        }),
  ).catch(() => undefined);

  // Nothing of the job left: no reason to hold a KILL for later.
  if (!escalation.anythingLeft()) escalation.cancel();
  await follower.finish();
  if (final && isTerminal(final.job.status) && final.pid === pid) {
    const current = await readMeta(paths).catch(() => meta);
    await emitJobFinished(paths, current, final, spec.shellWrapper, spec.sinkEnv).catch(() => undefined);
  }
  await escalation.done;
  // An empty job cgroup goes; one still holding descendants stays for `kill` to find.
  if (workload.cgroup) removeCgroup(workload.cgroup);
  return 0;
}

/**
 * `_supervise --job-id <id> --supervise-root <root>` (argv kept so `pgrep -f "_supervise.*<id>"`
 * finds the supervisor). Exits the process when the job is done.
 */
export function runSuperviseCommand(argv: readonly string[]): void {
  const args = argv[0] === '_supervise' ? argv.slice(1) : argv;
  const value = (flag: string) => {
    const i = args.indexOf(flag);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const jobId = value('--job-id');
  const root = value('--supervise-root');
  if (!jobId || !root) {
    process.stderr.write('usage: _supervise --job-id <ID> --supervise-root <ROOT>\n');
    process.exit(2);
  }
  // A stray rejection (e.g. a sink's file vanishing) must not take the job's recorder down.
  process.on('unhandledRejection', () => undefined);
  supervise(jobId, root, process.stdin, process.stdout).then(
    (code) => process.exit(code),
    () => process.exit(1),
  );
}
