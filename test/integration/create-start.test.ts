import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { runCli } from '../helpers/cli';
import { checkTranscript, jobIds, readJson, scratch, transcript, until } from './runHelpers';

test('create then start match the transcripts; start twice is invalid_state', async (t) => {
  const s = scratch(t);
  const created = await checkTranscript('create', s);
  const id = created.json.job_id;
  const idMap = { [id]: /<ID\d+>/.exec(transcript('create').stdout)![0] };
  const dir = path.join(s.root, id);
  const meta = readJson(path.join(dir, 'meta.json'));
  assert.deepEqual(Object.keys(meta), [
    'job',
    'schema_version',
    'command',
    'created_at',
    'root',
    'env_keys',
    'env_vars',
    'mask',
    'cwd',
    'tags',
    'inherit_env',
    'timeout_ms',
    'kill_after_ms',
    'progress_every_ms',
    'shell_wrapper',
    'stdin_file',
  ]);
  assert.deepEqual(meta.env_vars, ['SECRET=***', 'PLAIN=p']);
  // Deviation by design: no env_vars_runtime in clear; the real values sit in a private 0600 file.
  assert.equal(meta.env_vars_runtime, undefined);
  assert.equal(statSync(path.join(dir, 'env.runtime.json')).mode & 0o777, 0o600);
  assert.deepEqual(readJson(path.join(dir, 'state.json')).job, { id, status: 'created' });
  await checkTranscript('start', s, { idMap });
  await checkTranscript('start_again_invalid_state', s, { idMap });
  await checkTranscript('start_not_found', s);
});

test('create_plain and start --no-wait match the transcripts', async (t) => {
  const s = scratch(t);
  await checkTranscript('create_plain', s);
  const r = await checkTranscript('create_then_start_no_wait', s);
  const idMap = { [r.json.job_id]: /<ID\d+>/.exec(transcript('create_then_start_no_wait').stdout)![0] };
  const started = await checkTranscript('start_no_wait', s, { idMap });
  // No early-kill race: when start returns, state.json already names the workload.
  const st = readJson(path.join(s.root, started.json.job_id, 'state.json'));
  assert.ok(st.pid > 0 && st.pid !== st.supervisor_pid && st.pid_start_time > 0);
});

test('two concurrent starts launch the job once; the other gets invalid_state', async (t) => {
  const s = scratch(t);
  const marker = path.join(s.tmp, 'launches');
  const c = await runCli(['--root', s.root, 'create', '--', `echo launched >> '${marker}'`], { cwd: s.cwd, env: s.env });
  const id = c.json.job_id;
  const results = await Promise.all([1, 2, 3].map(() => runCli(['--root', s.root, 'start', '--forever', id], { cwd: s.cwd, env: s.env })));
  const ok = results.filter((r) => r.code === 0);
  assert.equal(ok.length, 1, results.map((r) => r.stdout).join(''));
  for (const r of results.filter((x) => x.code !== 0)) assert.equal(r.json.error.code, 'invalid_state');
  await until('job exit', () => readJson(path.join(s.root, id, 'state.json')).job.status === 'exited');
  assert.equal(readFileSync(marker, 'utf8'), 'launched\n');
});

test('start of a job whose env file vanished records failed with the reason', async (t) => {
  const s = scratch(t);
  const envFile = path.join(s.tmp, 'gone.env');
  writeFileSync(envFile, 'A=1\n');
  const c = await runCli(['--root', s.root, 'create', '--env-file', envFile, '--', 'true'], { cwd: s.cwd, env: s.env });
  rmSync(envFile);
  const r = await runCli(['--root', s.root, 'start', c.json.job_id], { cwd: s.cwd, env: s.env });
  assert.equal(r.code, 1);
  assert.equal(r.json.error.code, 'spawn_failed');
  assert.match(r.json.error.message, /cannot read env file .*gone\.env: No such file or directory/);
  const st = readJson(path.join(s.root, c.json.job_id, 'state.json'));
  assert.equal(st.job.status, 'failed');
  assert.match(st.error, /gone\.env/);
  assert.deepEqual(jobIds(s.root), [c.json.job_id]);
});
