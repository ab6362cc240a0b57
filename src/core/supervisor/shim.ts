/**
 * Launching a job under the Perl shim (shimScript.ts) instead of a Node supervisor: the shim is
 * started detached (its own session), gets the workload's argv and environment on a stdin pipe
 * (never in argv: `--env` values are secrets), and answers one line once the workload runs:
 * `ok <pid> <pid start> <shim pid> <shim start> <started ms>` or `error <reason>`. The
 * launcher then records `running`, so that when it returns state.json names the workload.
 */
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { JobError } from '../errors';
import { checkCwd } from '../jobSpec';
import { prepareJobCgroup } from '../process/cgroup';
import { signalGroup } from '../process/group';
import { readHandshake } from './handshake';
import { isTerminal } from '../schema';
import { jobPaths } from '../store/jobDir';
import { updateState } from '../store/stateFile';
import { formatTimestamp, nowTimestamp } from '../time';
import type { LaunchResult, SupervisorRuntime, SupervisorSpec } from './launch';
import { SHIM_BOOT, SHIM_SCRIPT } from './shimScript';

/** `AGENT_EXEC_SUPERVISOR=node` in the launcher's environment: every job gets a Node supervisor. */
const SUPERVISOR_SWITCH = 'AGENT_EXEC_SUPERVISOR';

/** Whether the shim can supervise jobs here: POSIX, unless the switch asks for the Node supervisor. */
export function shimCanSupervise(env: NodeJS.ProcessEnv): boolean {
  return process.platform !== 'win32' && env[SUPERVISOR_SWITCH] !== 'node';
}

/** setsid's syscall number by Node's `process.arch`, on Linux (perl-base has no syscall.ph). */
const SETSID_SYSCALL: Partial<Record<NodeJS.Architecture, number>> = { x64: 112, arm64: 157, riscv64: 157, ia32: 66, arm: 66 };

/**
 * `<setsid nr>,<SIGCHLD>` for the shim on Linux, which then forks the workload with clone3 into
 * its cgroup and calls setsid without loading POSIX; '' elsewhere (plain fork and POSIX::setsid).
 */
export function linuxSyscalls(): string {
  const setsid = SETSID_SYSCALL[process.arch];
  return process.platform === 'linux' ? `${setsid ?? ''},${os.constants.signals.SIGCHLD}` : '';
}

/** The perl program: PATH lookup, as for any wrapper. */
const PERL = 'perl';

/**
 * What the shim reads on stdin: its script (SHIM_BOOT), then argv count, argv and `KEY=VALUE`
 * entries, NUL-separated (none can contain a NUL).
 */
function stdinFor(spec: SupervisorSpec): Buffer {
  const script = Buffer.from(SHIM_SCRIPT);
  const env = Object.entries(spec.env).map(([k, v]) => `${k}=${v}`);
  return Buffer.concat([
    Buffer.from(String(script.length).padStart(9, '0')),
    script,
    Buffer.from(`${[String(spec.argv.length), ...spec.argv, ...env].join('\0')}\0`),
  ]);
}

interface ShimAnswer {
  pid: number;
  pidStartTime?: number;
  shimPid: number;
  shimStartTime?: number;
  startedMs: number;
}

function parseAnswer(line: string): ShimAnswer {
  if (line.startsWith('error ')) throw new JobError('spawn_failed', line.slice('error '.length));
  const [ok, pid, pidStart, shimPid, shimStart, started] = line.split(' ');
  const n = (s: string | undefined) => (s && /^\d+$/.test(s) ? Number(s) : undefined);
  if (ok !== 'ok' || !n(pid) || !n(shimPid) || n(started) === undefined)
    throw new JobError('spawn_failed', `unreadable supervisor handshake: ${line}`);
  return { pid: n(pid)!, pidStartTime: n(pidStart), shimPid: n(shimPid)!, shimStartTime: n(shimStart), startedMs: n(started)! };
}

/** Runs the shim and reads its answer (bounded); ENOENT when there is no perl. */
function startShim(
  spec: SupervisorSpec,
  runtime: SupervisorRuntime,
  env: NodeJS.ProcessEnv,
  args: string[],
  timeoutMs: number,
): Promise<ShimAnswer> {
  const child = spawn(PERL, ['-e', SHIM_BOOT, '_supervise', '--job-id', spec.jobId, '--supervise-root', spec.root, ...args], {
    detached: true,
    stdio: ['pipe', 'pipe', 'ignore'],
    env,
    cwd: runtime.cwd,
  });
  return readHandshake(child, stdinFor(spec), timeoutMs, parseAnswer, (err) => err);
}

/**
 * Starts the job under the shim and records it `running`. Throws `spawn_failed` with the reason;
 * an error with code ENOENT means there is no perl (the caller then uses the Node supervisor).
 */
export async function launchShim(
  spec: SupervisorSpec,
  runtime: SupervisorRuntime,
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
  outputMatch: boolean,
  syscalls = linuxSyscalls(),
): Promise<LaunchResult> {
  const paths = jobPaths(spec.root, spec.jobId);
  await checkCwd(spec.cwd);
  await fs.mkdir(path.dirname(path.resolve(spec.fullLog)), { recursive: true }).catch(() => undefined);
  const cgroup = prepareJobCgroup(spec.jobId) ?? '';
  const args = [
    paths.dir,
    path.resolve(spec.fullLog),
    spec.cwd,
    spec.stdinFile ?? '',
    String(spec.timeoutMs),
    String(spec.killAfterMs),
    cgroup,
    runtime.execPath,
    runtime.script,
    outputMatch ? '1' : '0',
    spec.stdinPipe ? '1' : '0',
    syscalls,
    String(spec.progressEveryMs),
  ];
  const a = await startShim(spec, runtime, env, args, timeoutMs);
  let recordError = '';
  const running = await updateState(paths, (cur) => {
    if (cur && isTerminal(cur.job.status)) return undefined;
    return {
      job: { id: spec.jobId, status: 'running', started_at: formatTimestamp(a.startedMs) },
      result: { exit_code: null, signal: null, duration_ms: null },
      pid: a.pid,
      updated_at: nowTimestamp(),
      pid_start_time: a.pidStartTime,
      supervisor_pid: a.shimPid,
      supervisor_start_time: a.shimStartTime,
    };
  }).catch((err: unknown) => {
    recordError = err instanceof Error ? err.message : String(err);
    return undefined;
  });
  // Already finished (a quick job whose exit the shim recorded first) is fine; anything else
  // unrecorded must not run on unaccounted for.
  const recorded = running?.pid === a.pid;
  if (!recorded) {
    signalGroup(a.pid, 'SIGKILL', true);
    throw new JobError('spawn_failed', running ? `job is already ${running.job.status}` : `cannot record the job state: ${recordError}`);
  }
  return { pid: a.pid, supervisorPid: a.shimPid };
}
