/**
 * Real processes for kill tests: fixtures from test/fixtures/procs started detached (their own
 * session, like a supervised workload) with AGENT_EXEC_JOB_ID in their environment, hand-made
 * job records pointing at them, and a cleanup that ends everything by pid.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { writeJsonAtomic } from '../../src/core/store/atomicWrite';
import { jobPaths, type JobPaths } from '../../src/core/store/jobDir';
import { newJobId } from '../../src/core/store/jobId';
import { orderState } from '../../src/core/store/stateFile';
import { findEnvTagged, processStartTime, readProcStat } from '../../src/core/process/proc';
import { formatTimestamp, nowTimestamp } from '../../src/core/time';
import { runCli } from './cli';
import { poll } from './poll';
import { tempDir } from './tempRoot';
import type { JobState } from '../../src/core/schema';

export const PROCS = path.resolve('test/fixtures/procs');

export interface Workload {
  jobId: string;
  pid: number;
  /** File the fixtures append "<role> <pid>" lines to. */
  pidsFile: string;
}

/** Starts `argv` (a fixture under test/fixtures/procs, resolved) in a new session, tagged with `jobId`. */
export function startWorkload(dir: string, argv: string[], jobId = newJobId(), extraEnv: NodeJS.ProcessEnv = {}): Workload {
  const pidsFile = path.join(dir, `${jobId}.pids`);
  const [cmd, ...args] = argv;
  const child = spawn(cmd === 'node' ? process.execPath : cmd, args, {
    cwd: PROCS,
    detached: true,
    stdio: 'ignore',
    env: { ...process.env, AGENT_EXEC_JOB_ID: jobId, FIXTURE_PIDS: pidsFile, NODE: process.execPath, ...extraEnv },
  });
  child.unref();
  return { jobId, pid: child.pid!, pidsFile };
}

/** A loopback port nothing listens on right now, for a fixture server to take next (http-server.js with FIXTURE_PORT). */
export async function unusedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as { port: number };
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

/** Polls the pids file until every role has reported (bounded); returns role → pid. */
export async function waitForRoles(w: Workload, roles: string[], timeoutMs = 10_000): Promise<Record<string, number>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let text = '';
    try {
      text = readFileSync(w.pidsFile, 'utf8');
    } catch {
      // Not written yet.
    }
    const found: Record<string, number> = {};
    for (const line of text.split('\n')) {
      const [role, pid] = line.split(' ');
      if (role && pid) found[role] = Number(pid);
    }
    if (roles.every((r) => r in found)) return found;
    if (Date.now() > deadline)
      throw new Error(`fixture roles ${roles.join(', ')} not all reported within ${timeoutMs} ms (got ${text.trim()})`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A job directory whose state.json says `running` with `pid` (and, unless `legacy`, its start time). */
export async function writeRunningJob(
  root: string,
  jobId: string,
  pid: number | undefined,
  extra: Partial<JobState> & { legacy?: boolean } = {},
): Promise<JobPaths> {
  const paths = jobPaths(root, jobId);
  mkdirSync(paths.dir, { recursive: true });
  const now = nowTimestamp();
  const { legacy, ...rest } = extra;
  await writeJsonAtomic(paths.meta, {
    job: { id: jobId },
    schema_version: '0.1',
    command: ['fixture'],
    created_at: now,
    root,
    env_keys: [],
    tags: [],
    inherit_env: true,
    timeout_ms: 0,
    kill_after_ms: 0,
    progress_every_ms: 0,
  });
  const startTime = pid !== undefined && !legacy ? processStartTime(pid) : undefined;
  const state: JobState = {
    job: { id: jobId, status: 'running', started_at: formatTimestamp(Date.now() - 1000) },
    result: { exit_code: null, signal: null, duration_ms: null },
    ...(pid !== undefined ? { pid } : {}),
    updated_at: now,
    ...(startTime !== undefined ? { pid_start_time: startTime } : {}),
    ...rest,
  };
  await writeJsonAtomic(paths.state, orderState(state));
  return paths;
}

/** True while `pid` is a live (non-zombie) process that started at `startTime`. */
export function alive(pid: number, startTime?: number): boolean {
  const st = readProcStat(pid);
  return !!st && st.state !== 'Z' && (startTime === undefined || st.startTime === startTime);
}

/** A process started by a test, known by pid and start time (so a recycled pid is never hit). */
export interface StartedProc {
  pid: number;
  startTime?: number;
}

/**
 * Ends every process tagged with `jobId` (none when undefined) and every `extra` process that is
 * still the same one (pid + start time), with SIGKILL by pid; returns the tagged pids that were
 * alive before that (a test asserts it is empty after a kill).
 */
export async function reap(jobId: string | undefined, extra: StartedProc[] = []): Promise<number[]> {
  const leftover = jobId === undefined ? [] : findEnvTagged(jobId);
  const victims = [...leftover, ...extra.filter((p) => p.startTime !== undefined && alive(p.pid, p.startTime)).map((p) => p.pid)];
  for (const pid of new Set(victims)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  const deadline = Date.now() + 5_000;
  while (jobId !== undefined && findEnvTagged(jobId).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  return leftover;
}

/**
 * A scratch dir for kill tests on processes started here, without a supervisor. A test pushes
 * to `jobs` the ids whose tagged processes must all be gone by its end, to `untagged` what it
 * started without a job tag (`startUntagged` does both for a bystander), and to `expectLeft` the
 * tagged pids it leaves alive on purpose. At the end everything is SIGKILLed by pid, the dir
 * removed, and the test fails if a tagged process other than `expectLeft` was still alive.
 */
export function killScratch(t: { after: (fn: () => unknown) => void }, prefix = 'ae-kill-') {
  const { dir, cleanup } = tempDir(prefix);
  const jobs: string[] = [];
  const untagged: StartedProc[] = [];
  const expectLeft: number[] = [];
  t.after(async () => {
    const leftovers = (await Promise.all(jobs.map((j) => reap(j)))).flat();
    await reap(undefined, untagged);
    cleanup();
    assert.deepEqual(
      leftovers.filter((p) => !expectLeft.includes(p)),
      [],
      'processes tagged with the job survived the test',
    );
  });
  /**
   * Starts `forever.js <role>` with no job tag: a bystander that holds a pid a stale record names,
   * or a workload of agent-exec 0.2.3 (which tags nothing). Killed by pid at the end if still alive.
   */
  const startUntagged = async (role: string): Promise<Required<StartedProc>> => {
    const w = startWorkload(dir, ['node', 'forever.js', role], newJobId(), { AGENT_EXEC_JOB_ID: '' });
    await waitForRoles(w, [role]);
    const proc = { pid: w.pid, startTime: processStartTime(w.pid)! };
    untagged.push(proc);
    return proc;
  };
  return { dir, jobs, untagged, expectLeft, startUntagged };
}

export interface Launched extends Workload {
  supervisorPid: number;
  supervisorStartTime: number;
}

/**
 * A scratch root whose jobs are launched with `run --no-wait` from test/fixtures/procs. At the
 * end of the test every job process still tagged (and every live supervisor) is SIGKILLed by pid,
 * the root removed, and the test fails if anything had been left alive.
 */
export function jobRoot(t: { after: (fn: () => unknown) => void }, prefix = 'ae-jobs-') {
  const { dir: root, cleanup } = tempDir(prefix);
  const launched: Launched[] = [];
  t.after(async () => {
    const leftovers: number[] = [];
    for (const j of launched) {
      leftovers.push(...(await reap(j.jobId)));
      // With its workload gone the supervisor records the end (a short finishing step writes into
      // the job directory): let it finish before the directory is removed; force it only if stuck.
      const supervisor = { pid: j.supervisorPid, startTime: j.supervisorStartTime };
      await poll('the supervisor to finish', () => !alive(supervisor.pid, supervisor.startTime), 10_000).catch(() => undefined);
      await reap(undefined, [supervisor]);
    }
    cleanup();
    assert.deepEqual(leftovers, [], 'processes tagged with a job survived the test');
  });
  const run = async (argv: string[], env: NodeJS.ProcessEnv = {}, flags: string[] = []): Promise<Launched> => {
    const pidsFile = path.join(root, `${launched.length}.pids`);
    const r = await runCli(['--root', root, 'run', '--no-wait', ...flags, '--', ...argv], {
      cwd: PROCS,
      env: { FIXTURE_PIDS: pidsFile, NODE: process.execPath, ...env },
    });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const st = JSON.parse(readFileSync(path.join(root, r.json.job_id, 'state.json'), 'utf8'));
    const job: Launched = {
      jobId: r.json.job_id,
      pid: st.pid,
      pidsFile,
      supervisorPid: st.supervisor_pid,
      supervisorStartTime: st.supervisor_start_time,
    };
    launched.push(job);
    return job;
  };
  const cli = (...args: string[]) => runCli(['--root', root, ...args]);
  return { root, run, cli, launched };
}

/** Every live process's command line (/proc/<pid>/cmdline, NULs kept), for secret scans. */
export function commandLines(): { pid: number; cmdline: string }[] {
  const out: { pid: number; cmdline: string }[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      out.push({ pid: Number(name), cmdline: readFileSync(`/proc/${name}/cmdline`, 'latin1') });
    } catch {
      // Gone since the directory was read.
    }
  }
  return out;
}
