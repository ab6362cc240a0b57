/**
 * Shared by the reliability suite: the trial count, a tally printed at the end of each file,
 * loopback port probes, and CLI-launched jobs that are swept by pid at the end of each test
 * (reusing the kill tests' helpers: runCli, waitForRoles, reap).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import * as path from 'node:path';
import type { TestContext } from 'node:test';
import { findEnvTagged, isProcessAlive } from '../../src/core/process/proc';
import { runCli } from '../helpers/cli';
import { PROCS, reap, type Workload } from '../helpers/jobProcs';
import { tempDir } from '../helpers/tempRoot';

/** Trials per case: small in CI, 100 for the full run (`RELIABILITY_TRIALS=100`). */
export const TRIALS = Math.max(1, Number(process.env.RELIABILITY_TRIALS) || 3);

/** Per-area figures, printed as one line each when the file's tests are done. */
export class Tally {
  private rows = new Map<string, Record<string, number>>();
  constructor(private area: string) {}
  add(key: string, field: string, n = 1): void {
    const row = this.rows.get(key) ?? {};
    row[field] = (row[field] ?? 0) + n;
    this.rows.set(key, row);
  }
  print(): void {
    for (const [key, row] of this.rows) {
      const fields = Object.entries(row).map(([k, v]) => `${k}=${v}`).join(' ');
      process.stdout.write(`# reliability ${this.area} ${key}: ${fields}\n`);
    }
  }
}

/** Resolves true when something accepts a TCP connection on 127.0.0.1:port. */
export function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ host: '127.0.0.1', port });
    sock.once('connect', () => {
      sock.destroy();
      resolve(true);
    });
    sock.once('error', () => resolve(false));
  });
}

/** Resolves true when this process can bind 127.0.0.1:port (then releases it). */
export function portBindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** A free loopback port (bound then released). */
export { freePort } from '../e2e/harness/codeServer';

/** Polls `cond` every 10 ms until it holds or `timeoutMs` passes (then fails with `what`). */
export async function poll<T>(what: string, cond: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await cond();
    if (v) return v;
    if (Date.now() > end) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
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
export function jobRoot(t: TestContext, prefix = 'ae-rel-') {
  const { dir: root, cleanup } = tempDir(prefix);
  const launched: Launched[] = [];
  t.after(async () => {
    const leftovers: number[] = [];
    for (const j of launched) leftovers.push(...(await reap(j.jobId, [{ pid: j.supervisorPid, startTime: j.supervisorStartTime }])));
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
    const job: Launched = { jobId: r.json.job_id, pid: st.pid, pidsFile, supervisorPid: st.supervisor_pid, supervisorStartTime: st.supervisor_start_time };
    launched.push(job);
    return job;
  };
  const cli = (...args: string[]) => runCli(['--root', root, ...args]);
  return { root, run, cli, launched };
}

/** Nothing tagged with the job is alive, nor its supervisor (bounded wait for the latter to finish recording). */
export async function assertJobGone(job: Launched, what: string): Promise<void> {
  assert.deepEqual(findEnvTagged(job.jobId), [], `${what}: processes tagged with the job are alive`);
  await poll(`${what}: supervisor to exit`, () => !isProcessAlive(job.supervisorPid, job.supervisorStartTime), 5_000);
}
