import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { isProcessAlive, processStartTime } from '../../src/core/process/proc';
import { runCli } from '../helpers/cli';
import { writeFakeJob } from '../helpers/fakeJobs';
import { tempStore } from '../helpers/tempRoot';

const deadPid = (): number => spawnSync('true').pid!;

test("delete <id>: finished, created and unreadable jobs go; the answer has agent-exec's shape", async (t) => {
  const { root } = tempStore(t);
  const exited = writeFakeJob(root);
  const created = writeFakeJob(root, { status: 'created' });
  const unknown = writeFakeJob(root);
  writeFileSync(path.join(root, unknown, 'state.json'), '{not json');
  const dry = await runCli(['--root', root, 'rm', '--dry-run', exited.slice(0, 8)]);
  assert.equal(
    dry.stdout,
    `{"schema_version":"0.1","ok":true,"type":"delete","root":"${root}","dry_run":true,"deleted":0,"skipped":0,"out_of_scope":0,"failed":0,"jobs":[{"job_id":"${exited}","state":"exited","action":"would_delete","reason":"explicit_delete"}]}\n`,
  );
  assert.ok(existsSync(path.join(root, exited)));
  for (const [id, state] of [
    [exited, 'exited'],
    [created, 'created'],
    [unknown, 'unknown'],
  ]) {
    const r = await runCli(['--root', root, 'delete', id]);
    assert.equal(r.code, 0, r.stdout);
    assert.deepEqual(r.json.jobs, [{ job_id: id, state, action: 'deleted', reason: 'explicit_delete' }]);
    assert.equal(r.json.deleted, 1);
    assert.ok(!existsSync(path.join(root, id)));
  }
});

test('delete <id> refuses a running job, but a lost one (processes gone) is failed and can go', async (t) => {
  const { root } = tempStore(t);
  const running = writeFakeJob(root, { status: 'running', pid: process.pid });
  const r = await runCli(['--root', root, 'delete', running.slice(0, 10)]);
  assert.equal(r.code, 1);
  assert.deepEqual(r.json.error, {
    code: 'invalid_state',
    message: `invalid job state: cannot delete job ${running.slice(0, 10)}: job is currently running`,
    retryable: false,
  });
  assert.ok(existsSync(path.join(root, running)));
  const lost = writeFakeJob(root, { status: 'running', pid: deadPid() });
  const ok = await runCli(['--root', root, 'delete', lost]);
  assert.equal(ok.code, 0, ok.stdout);
  assert.equal(ok.json.jobs[0].state, 'failed');
  assert.equal((await runCli(['--root', root, 'delete', 'ffff'])).json.error.code, 'job_not_found');
});

test("delete --all: every reason, counts, and only jobs of the caller's directory", async (t) => {
  const { dir, root, cwd } = tempStore(t);
  const sleeper = spawn('sleep', ['30'], { stdio: 'ignore' });
  t.after(() => sleeper.kill('SIGKILL'));
  const done = writeFakeJob(root, { cwd, ageSeconds: 3 });
  const killed = writeFakeJob(root, { cwd, status: 'killed' });
  const running = writeFakeJob(root, { cwd, status: 'running', pid: process.pid });
  const created = writeFakeJob(root, { cwd, status: 'created' });
  const pidAlive = writeFakeJob(root, { cwd, pid: sleeper.pid, state: { pid_start_time: processStartTime(sleeper.pid!) } });
  // The recorded pid now belongs to another process (different start time): not "alive".
  const recycled = writeFakeJob(root, { cwd, pid: sleeper.pid, state: { pid_start_time: 1 } });
  const unreadable = writeFakeJob(root, { cwd });
  writeFileSync(path.join(root, unreadable, 'state.json'), '');
  writeFakeJob(root, { cwd: path.join(dir, 'elsewhere') });
  writeFakeJob(root); // no cwd at all
  mkdirSync(path.join(root, 'not-a-job'));

  const dry = await runCli(['--root', root, 'delete', '--all', '--dry-run'], { cwd });
  assert.equal(dry.code, 0, dry.stdout);
  assert.deepEqual(Object.keys(dry.json), [
    'schema_version',
    'ok',
    'type',
    'root',
    'dry_run',
    'cwd_scope',
    'deleted',
    'skipped',
    'out_of_scope',
    'failed',
    'jobs',
  ]);
  assert.equal(dry.json.cwd_scope, cwd);
  const byId = (jobs: { job_id: string; action: string; reason: string; state: string }[]) =>
    Object.fromEntries(jobs.map((j) => [j.job_id, `${j.state}/${j.action}/${j.reason}`]));
  assert.deepEqual(byId(dry.json.jobs), {
    [done]: 'exited/would_delete/terminal_in_cwd',
    [killed]: 'killed/would_delete/terminal_in_cwd',
    [recycled]: 'exited/would_delete/terminal_in_cwd',
    [running]: 'running/skipped/running',
    [created]: 'created/skipped/created',
    [pidAlive]: 'exited/skipped/pid_alive',
    [unreadable]: 'unknown/skipped/state_unreadable',
  });
  // Listed skips count in skipped and out_of_scope; other cwds (and non-jobs) only in out_of_scope.
  assert.deepEqual([dry.json.deleted, dry.json.skipped, dry.json.out_of_scope, dry.json.failed], [0, 4, 4 + 3, 0]);

  const real = await runCli(['--root', root, 'delete', '--all'], { cwd });
  assert.equal(real.json.deleted, 3);
  for (const id of [done, killed, recycled]) assert.ok(!existsSync(path.join(root, id)));
  for (const id of [running, created, pidAlive, unreadable]) assert.ok(existsSync(path.join(root, id)));

  const elsewhere = await runCli(['--root', root, 'delete', '--all'], { cwd: dir });
  assert.deepEqual([elsewhere.json.cwd_scope, elsewhere.json.deleted, elsewhere.json.jobs], [dir, 0, []]);
});

test('delete usage: exactly one of JOB_ID and --all', async (t) => {
  const { root } = tempStore(t);
  const none = await runCli(['--root', root, 'delete']);
  assert.equal(none.code, 2);
  assert.equal(none.stdout, '');
  assert.equal(none.stderr.split('\n')[0], 'error: The following required arguments were not provided:');
  const both = await runCli(['--root', root, 'delete', '--all', 'abc']);
  assert.equal(both.code, 2);
  assert.equal(both.stderr.split('\n')[0], "error: The argument '--all' cannot be used with '[JOB_ID]'");
});

test('delete right after a job ends waits for its supervisor to finish (a job.finished sink still running) before removing the directory', async (t) => {
  const { root, cwd } = tempStore(t);
  const marker = path.join(cwd, 'sink-done');
  const r = await runCli(['--root', root, 'run', '--notify-command', `sleep 1; echo done > ${marker}`, '--', 'true'], { cwd });
  const id = r.json.job_id;
  assert.equal(r.json.state, 'exited');
  const st = JSON.parse(readFileSync(path.join(root, id, 'state.json'), 'utf8'));
  const d = await runCli(['--root', root, 'delete', id], { cwd });
  assert.deepEqual([d.code, d.json.deleted], [0, 1], d.stdout);
  assert.equal(isProcessAlive(st.supervisor_pid, st.supervisor_start_time), false, 'the supervisor was still at work when delete returned');
  assert.equal(readFileSync(marker, 'utf8'), 'done\n');
  assert.equal(existsSync(path.join(root, id)), false);
});
