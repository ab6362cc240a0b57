import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, ftruncateSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import * as path from 'node:path';
import { runCli } from '../helpers/cli';
import { writeFakeJob } from '../helpers/fakeJobs';
import { installFixtureJobs, tempStore } from '../helpers/tempRoot';

const KEYS = [
  'schema_version',
  'ok',
  'type',
  'job_id',
  'stdout',
  'stderr',
  'encoding',
  'stdout_log_path',
  'stderr_log_path',
  'stdout_range',
  'stderr_range',
  'stdout_total_bytes',
  'stderr_total_bytes',
];

test("tail: agent-exec's shape on a job it wrote; --tail-lines and --max-bytes", async (t) => {
  const { root } = tempStore(t);
  const { 'exited-1': id } = installFixtureJobs(root, ['exited-1']);
  const r = await runCli(['--root', root, 'tail', id.slice(0, 5)]);
  assert.equal(r.code, 0, r.stdout);
  assert.deepEqual(Object.keys(r.json), KEYS);
  assert.deepEqual([r.json.job_id, r.json.stdout, r.json.stderr, r.json.encoding], [id, 'out\n', 'err\n', 'utf-8-lossy']);
  assert.equal(r.json.stdout_log_path, path.join(root, id, 'stdout.log'));
  const five = writeFakeJob(root, { stdout: 'line1\nline2\nline3\nline4\nline5\n', stderr: Buffer.from([0x78, 0x80]) });
  const two = await runCli(['--root', root, 'tail', '--tail-lines', '2', five]);
  assert.deepEqual([two.json.stdout, two.json.stdout_range, two.json.stdout_total_bytes], ['line4\nline5\n', [18, 30], 30]);
  assert.deepEqual([two.json.stderr, two.json.stderr_range], ['x\uFFFD', [0, 2]]);
  const bytes = await runCli(['--root', root, 'tail', '--max-bytes', '8', five]);
  assert.deepEqual([bytes.json.stdout, bytes.json.stdout_range], ['4\nline5\n', [22, 30]]);
  const none = await runCli(['--root', root, 'tail', '--max-bytes', '0', '--tail-lines', '0', five]);
  assert.deepEqual([none.json.stdout, none.json.stdout_range], ['', [30, 30]]);
});

test('tail works in every state, without state.json, and with logs missing', async (t) => {
  const { root } = tempStore(t);
  const created = writeFakeJob(root, { status: 'created' });
  const corrupt = writeFakeJob(root, { stdout: 'x\n' });
  writeFileSync(path.join(root, corrupt, 'state.json'), '{not json');
  for (const id of [created, corrupt]) assert.equal((await runCli(['--root', root, 'tail', id])).code, 0);
  rmSync(path.join(root, corrupt, 'stderr.log'));
  const r = await runCli(['--root', root, 'tail', corrupt]);
  assert.equal(r.json.stdout, 'x\n');
  assert.deepEqual([r.json.stderr, r.json.stderr_range, r.json.stderr_total_bytes], ['', [0, 0], 0]);
});

test('tail of a 1 GB log through the CLI returns only the last lines', async (t) => {
  const { root } = tempStore(t);
  const id = writeFakeJob(root);
  const fd = openSync(path.join(root, id, 'stdout.log'), 'r+');
  const size = 1024 ** 3;
  ftruncateSync(fd, size - 6);
  writeSync(fd, '\ndone\n', size - 6);
  closeSync(fd);
  const r = await runCli(['--root', root, 'tail', '--tail-lines', '1', id]);
  assert.deepEqual([r.json.stdout, r.json.stdout_range, r.json.stdout_total_bytes], ['done\n', [size - 5, size], size]);
});

test('tail usage: numbers only', async (t) => {
  const { root } = tempStore(t);
  const r = await runCli(['--root', root, 'tail', '--tail-lines', 'x', 'abc']);
  assert.equal(r.code, 2);
  assert.equal(r.stdout, '');
});
