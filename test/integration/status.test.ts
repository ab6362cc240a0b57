import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../helpers/cli';
import { installFixtureJobs, tempDir } from '../helpers/tempRoot';

test('status reads a job written by agent-exec 0.2.3 (exited-0 fixture)', async (t) => {
  const { dir: root, cleanup } = tempDir();
  t.after(cleanup);
  const { 'exited-0': id } = installFixtureJobs(root, ['exited-0']);
  const r = await runCli(['--root', root, 'status', id.slice(0, 6)]);
  assert.equal(r.code, 0);
  assert.deepEqual(Object.keys(r.json), [
    'schema_version',
    'ok',
    'type',
    'job_id',
    'state',
    'exit_code',
    'created_at',
    'started_at',
    'finished_at',
  ]);
  assert.equal(r.json.job_id, id);
  assert.equal(r.json.state, 'exited');
  assert.equal(r.json.exit_code, 0);
});

test('status of an unknown id is a job_not_found envelope with exit 1', async (t) => {
  const { dir: root, cleanup } = tempDir();
  t.after(cleanup);
  const r = await runCli(['--root', root, 'status', '0123456789abcdef0123456789abcdef']);
  assert.equal(r.code, 1);
  assert.equal(
    r.stdout,
    '{"schema_version":"0.1","ok":false,"type":"error","error":{"code":"job_not_found","message":"job not found: 0123456789abcdef0123456789abcdef","retryable":false}}\n',
  );
});

test('usage errors print nothing on stdout and exit 2', async () => {
  const r = await runCli(['status', '--bogus', 'x']);
  assert.equal(r.code, 2);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^error: Found argument '--bogus' which wasn't expected, or isn't valid in this context/);
});
