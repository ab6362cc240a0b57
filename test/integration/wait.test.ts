import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { isProcessAlive, processStartTime } from '../../src/core/process/proc';
import { waitForJob } from '../../src/core/ops/jobWatch';
import { jobPaths } from '../../src/core/store/jobDir';
import { updateState } from '../../src/core/store/stateFile';
import { nowTimestamp } from '../../src/core/time';
import { runCli } from '../helpers/cli';
import { writeFakeJob } from '../helpers/fakeJobs';
import { tempStore } from '../helpers/tempRoot';

/** A live process standing in for a job's workload; killed by pid when the test ends. */
function workload(t: { after: (fn: () => void) => void }): { pid: number; startTime?: number } {
  const child = spawn('sleep', ['60'], { stdio: 'ignore' });
  t.after(() => {
    child.kill('SIGKILL');
  });
  return { pid: child.pid!, startTime: processStartTime(child.pid!) };
}

const running = (root: string, w: { pid: number; startTime?: number }) =>
  writeFakeJob(root, { status: 'running', pid: w.pid, stdout: 'out\n', state: { pid_start_time: w.startTime } });

async function finish(root: string, id: string, exitCode: number): Promise<void> {
  await updateState(jobPaths(root, id), (cur) => {
    const now = nowTimestamp();
    return {
      ...cur!,
      job: { ...cur!.job, status: 'exited' },
      result: { exit_code: exitCode, signal: null, duration_ms: 10 },
      finished_at: now,
      updated_at: now,
    };
  });
}

test('wait wakes on the state change, not on --poll; answer shape and log sizes by stat', async (t) => {
  const { root } = tempStore(t);
  const id = running(root, workload(t));
  const waiting = runCli(['--root', root, 'wait', '--poll', '5', '--until', '30', id]);
  await delay(1000); // let the CLI start and arm its watch (an earlier change is caught too)
  const changed = Date.now();
  await finish(root, id, 3);
  const r = await waiting;
  const after = Date.now() - changed;
  assert.equal(r.code, 0, r.stderr);
  assert.ok(after < 3000, `wait returned ${after} ms after the change (--poll 5 must not delay it)`);
  assert.deepEqual(Object.keys(r.json), [
    'schema_version',
    'ok',
    'type',
    'job_id',
    'state',
    'exit_code',
    'stdout_total_bytes',
    'stderr_total_bytes',
    'updated_at',
  ]);
  assert.deepEqual(
    [r.json.job_id, r.json.state, r.json.exit_code, r.json.stdout_total_bytes, r.json.stderr_total_bytes],
    [id, 'exited', 3, 4, 0],
  );
});

test('wait --until: a running or created job comes back as is after the deadline, without exit_code', async (t) => {
  const { root } = tempStore(t);
  const id = running(root, workload(t));
  const t0 = Date.now();
  const r = await runCli(['--root', root, 'wait', '--until', '1', id]);
  assert.ok(Date.now() - t0 >= 1000);
  assert.deepEqual([r.json.state, 'exit_code' in r.json], ['running', false]);
  const zero = await runCli(['--root', root, 'wait', '--until', '0', id]);
  assert.equal(zero.json.state, 'running');
  const created = writeFakeJob(root, { status: 'created' });
  const c = await runCli(['--root', root, 'wait', '--until', '1', created]);
  assert.equal(c.json.state, 'created');
});

test('wait --forever on a lost job returns failed at once; a workload that dies mid-wait ends the wait too', async (t) => {
  const { root } = tempStore(t);
  const dead = writeFakeJob(root, { status: 'running', pid: spawnSync('true').pid! });
  const r = await runCli(['--root', root, 'wait', '--forever', dead], { timeoutMs: 10_000 });
  assert.equal(r.json.state, 'failed');
  assert.match(r.json.error, /gone/);

  const w = workload(t);
  const id = running(root, w);
  const waiting = runCli(['--root', root, 'wait', '--forever', id], { timeoutMs: 15_000 });
  await delay(500);
  process.kill(w.pid, 'SIGKILL');
  const r2 = await waiting;
  assert.equal(isProcessAlive(w.pid, w.startTime), false);
  assert.equal(r2.json.state, 'failed');
});

test('wait: a job deleted while waiting ends the wait with an error; missing logs omit their size', async (t) => {
  const { root } = tempStore(t);
  const id = running(root, workload(t));
  const waiting = runCli(['--root', root, 'wait', '--forever', id], { timeoutMs: 15_000 });
  await delay(500);
  rmSync(path.join(root, id), { recursive: true, force: true });
  const r = await waiting;
  assert.equal(r.code, 1);
  // internal_error when the wait was already armed; job_not_found if the CLI started after the removal.
  assert.ok(['internal_error', 'job_not_found'].includes(r.json.error.code), r.stdout);

  const done = writeFakeJob(root);
  rmSync(path.join(root, done, 'stderr.log'));
  const sizes = await runCli(['--root', root, 'wait', done]);
  assert.ok('stdout_total_bytes' in sizes.json);
  assert.ok(!('stderr_total_bytes' in sizes.json));
});

test('wait usage errors', async (t) => {
  const { root } = tempStore(t);
  const cases: [string[], string][] = [
    [['wait', '--until', '1', '--forever', 'x'], "error: The argument '--until <UNTIL>' cannot be used with '--forever'"],
    [['wait', '--timeout-ms', '5', 'abc'], "error: Found argument '--timeout-ms' which wasn't expected, or isn't valid in this context"],
    [['wait'], 'error: The following required arguments were not provided:'],
  ];
  for (const [args, first] of cases) {
    const r = await runCli(['--root', root, ...args]);
    assert.equal(r.code, 2, args.join(' '));
    assert.equal(r.stdout, '');
    assert.equal(r.stderr.split('\n')[0], first);
  }
});

test("a waiter for the end is not woken by the logs' appends (a burst would have it re-read the state on each); one that looks at them is", async (t) => {
  const { root } = tempStore(t);
  const w = workload(t);
  const id = running(root, w);
  const paths = jobPaths(root, id);
  /** How often `done` ran while the logs grew for 600 ms, one append every 2 ms (no storm). */
  const looksDuringBurst = async (logs: boolean): Promise<number> => {
    let looks = 0;
    const writer = setInterval(() => appendFileSync(paths.stdout, 'line\n'), 2);
    try {
      await waitForJob(
        paths,
        () => {
          looks++;
          return false;
        },
        { timeoutMs: 600, logs },
      );
    } finally {
      clearInterval(writer);
    }
    return looks;
  };
  const endOnly = await looksDuringBurst(false);
  const withLogs = await looksDuringBurst(true);
  // Without log events: the first look, the one after the watch is armed, and the 250 ms liveness ticks.
  assert.ok(endOnly <= 6, `an end waiter looked ${endOnly} times`);
  assert.ok(withLogs > 20, `a log waiter looked only ${withLogs} times`);
});

test('in a storm of log events a waiter looks on a short poll instead of on each event, still sees the end, and watches again after it', async (t) => {
  const { root } = tempStore(t);
  const w = workload(t);
  const id = running(root, w);
  const paths = jobPaths(root, id);
  // Appends as fast as a process can make them, for 1.5 s.
  const writer = spawn(process.execPath, [
    '-e',
    `const fs = require('fs'); const end = Date.now() + 1500; while (Date.now() < end) fs.appendFileSync(${JSON.stringify(paths.stdout)}, 'x\\n');`,
  ]);
  const writerDone = new Promise((resolve) => writer.on('exit', resolve));
  t.after(() => writer.kill('SIGKILL'));
  let looks = 0;
  const t0 = performance.now();
  const ended = setTimeout(() => void finish(root, id, 0), 700);
  const r = await waitForJob(
    paths,
    (st) => {
      looks++;
      return st.job.status === 'exited';
    },
    { timeoutMs: 5000, logs: true },
  );
  clearTimeout(ended);
  assert.equal(r.satisfied, true);
  assert.ok(performance.now() - t0 < 2000, 'the end was seen during the storm');
  assert.ok(looks < 40, `looked ${looks} times in a storm`);
  await writerDone;

  // A waiter through a whole storm watches again after it: the end that comes later is seen at
  // once, not on its (here 60 s) liveness tick.
  const later = running(root, w);
  const laterPaths = jobPaths(root, later);
  const second = spawn(process.execPath, [
    '-e',
    `const fs = require('fs'); const end = Date.now() + 800; while (Date.now() < end) fs.appendFileSync(${JSON.stringify(laterPaths.stdout)}, 'x\\n');`,
  ]);
  t.after(() => second.kill('SIGKILL'));
  const t1 = performance.now();
  const seen = waitForJob(laterPaths, (st) => st.job.status === 'exited', { timeoutMs: 8000, tickMs: 60_000, logs: true });
  await new Promise((resolve) => second.on('exit', resolve));
  await delay(400);
  await finish(root, later, 0);
  assert.equal((await seen).satisfied, true);
  assert.ok(performance.now() - t1 < 4000);
});
