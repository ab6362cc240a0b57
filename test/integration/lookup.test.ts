/**
 * Lookup hygiene (agent-exec-compat.md §1.4, §10.18) and hostile records. Intentional deviation from
 * agent-exec: a directory without meta.json/state.json is not a job, so it is neither resolved
 * nor a prefix candidate (agent-exec counts any directory; see the transcript harness).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { JobError } from '../../src/core/errors';
import { getStatus } from '../../src/core/ops/status';
import { resolveJob } from '../../src/core/store/jobDir';
import { runCli } from '../helpers/cli';
import { writeFakeJob } from '../helpers/fakeJobs';
import { tempDir, tempStore } from '../helpers/tempRoot';

const notFound = (input: string) => (e: unknown) =>
  e instanceof JobError && e.code === 'job_not_found' && e.message === `job not found: ${input}`;

test('ids that are not plain tokens never resolve, even when the path exists', async (t) => {
  const { dir, root } = tempStore(t);
  // A job-looking directory next to the root and one at the root itself.
  writeFakeJob(dir, { id: 'outside' });
  writeFileSync(path.join(root, 'meta.json'), '{}');
  writeFileSync(path.join(root, 'state.json'), '{}');
  for (const input of ['', '.', '..', '../outside', '/x', `${dir}/outside`, 'a/b', 'a\\b', 'a\0b', 'x'.repeat(200), ' ', '*']) {
    await assert.rejects(resolveJob(root, input), notFound(input), JSON.stringify(input));
  }
  for (const input of ['..', '../outside', '/tmp', '']) {
    const r = await runCli(['--root', root, 'status', input]);
    assert.equal(r.code, 1, input);
    assert.equal(r.json.error.code, 'job_not_found', input);
  }
});

test('a symlinked job directory pointing outside the root is not a job', async (t) => {
  const { dir, root } = tempStore(t);
  const outside = writeFakeJob(dir, { stdout: 'secret\n' });
  symlinkSync(path.join(dir, outside), path.join(root, outside));
  for (const args of [
    ['status', outside],
    ['tail', outside],
    ['status', outside.slice(0, 6)],
    ['tag', 'set', outside, '--tag', 'x'],
    ['delete', outside],
  ]) {
    const r = await runCli(['--root', root, ...args]);
    assert.equal(r.json?.error?.code, 'job_not_found', `${args.join(' ')}: ${r.stdout}`);
    assert.ok(!r.stdout.includes('secret'));
  }
  const list = await runCli(['--root', root, 'list', '--all']);
  assert.deepEqual(list.json.jobs, []);
});

test('files inside a job that are symlinks or FIFOs are refused, not followed or blocked on', async (t) => {
  const { dir, root } = tempStore(t);
  const secret = path.join(dir, 'secret.txt');
  writeFileSync(secret, 'top secret\n');
  const id = writeFakeJob(root);
  const jobDir = path.join(root, id);
  execFileSync('rm', [path.join(jobDir, 'stdout.log')]);
  symlinkSync(secret, path.join(jobDir, 'stdout.log'));
  const tail = await runCli(['--root', root, 'tail', id]);
  assert.equal(tail.code, 1);
  assert.ok(!tail.stdout.includes('top secret'));
  execFileSync('rm', [path.join(jobDir, 'meta.json')]);
  execFileSync('mkfifo', [path.join(jobDir, 'meta.json')]);
  const status = await runCli(['--root', root, 'status', id], { timeoutMs: 10_000 });
  assert.equal(status.code, 1);
  assert.equal(status.json.error.code, 'internal_error');
  assert.match(status.json.error.message, /meta\.json is not a regular file/);
});

test('prefix lookup: unique prefix → full id; ambiguity lists at most 20 sorted candidates', async (t) => {
  const { root } = tempStore(t);
  const ids = Array.from({ length: 23 }, (_, i) => writeFakeJob(root, { id: `abc${String(i).padStart(2, '0')}${'0'.repeat(27)}` }));
  mkdirSync(path.join(root, 'abcnotajob')); // a non-job directory is not a candidate (deviation, see header)
  const unique = writeFakeJob(root, { id: 'ffff' + '1'.repeat(28) });
  assert.equal((await resolveJob(root, 'ffff')).id, unique);
  await assert.rejects(
    resolveJob(root, 'abc'),
    (e: unknown) =>
      e instanceof JobError &&
      e.code === 'ambiguous_job_id' &&
      e.message === `ambiguous job ID prefix 'abc': matches ${ids.slice(0, 20).join(', ')}, ... and 3 more` &&
      JSON.stringify(e.details) === JSON.stringify({ candidates: ids.slice(0, 20), truncated: true }),
  );
  const r = await runCli(['--root', root, 'status', 'abc0']);
  assert.equal(r.json.error.code, 'ambiguous_job_id');
  assert.deepEqual(r.json.error.details, { candidates: ids.slice(0, 10), truncated: false });
  // Case-sensitive, like agent-exec.
  await assert.rejects(resolveJob(root, 'FFFF'), notFound('FFFF'));
  // A non-job directory is not resolved even by its exact name.
  await assert.rejects(resolveJob(root, 'abcnotajob'), notFound('abcnotajob'));
});

test('legacy ULID ids are addressable by exact id and prefix', async (t) => {
  const { root } = tempStore(t);
  const ulid = '01JQXK3M8E5PQRSTVWYZ12ABCD';
  writeFakeJob(root, { id: ulid });
  assert.equal((await getStatus(root, ulid)).job_id, ulid);
  assert.equal((await getStatus(root, '01JQX')).job_id, ulid);
});

test('corrupt, truncated, empty and hostile records: a clear internal_error per job, list keeps every other job', async (t) => {
  const { root } = tempStore(t);
  const good = writeFakeJob(root, { cwd: '/w' });
  const cases: Record<string, { file: 'meta.json' | 'state.json'; content: string | Buffer; message: RegExp }> = {
    truncated: { file: 'state.json', content: '{"job":{"id":"abc', message: /state\.json: .*JSON/ },
    empty: { file: 'state.json', content: '', message: /state\.json: .*JSON/ },
    notObject: { file: 'state.json', content: '[1,2]', message: /state\.json: expected a JSON object/ },
    badStatus: { file: 'state.json', content: '{"job":{"id":"x","status":"zombie"},"result":{},"updated_at":"t"}', message: /job\.status/ },
    wrongTypes: {
      file: 'meta.json',
      content: '{"job":{"id":5},"schema_version":1}',
      message: /meta\.json: missing or invalid field `job\.id`/,
    },
    nested: { file: 'meta.json', content: '['.repeat(500_000) + ']'.repeat(500_000), message: /meta\.json: expected a JSON object/ },
    huge: { file: 'meta.json', content: Buffer.alloc(5 * 1024 * 1024, 0x20), message: /meta\.json is too large/ },
    binary: { file: 'meta.json', content: Buffer.from([0xff, 0x00, 0xfe]), message: /meta\.json: / },
  };
  const ids: Record<string, string> = {};
  for (const [name, c] of Object.entries(cases)) {
    ids[name] = writeFakeJob(root, { cwd: '/w' });
    writeFileSync(path.join(root, ids[name], c.file), c.content);
  }
  for (const [name, c] of Object.entries(cases)) {
    const r = await runCli(['--root', root, 'status', ids[name]]);
    assert.equal(r.code, 1, name);
    assert.equal(r.json.error.code, 'internal_error', name);
    assert.match(r.json.error.message, c.message, name);
  }
  const list = await runCli(['--root', root, 'list', '--all']);
  assert.equal(list.code, 0);
  const states = Object.fromEntries(list.json.jobs.map((j: { job_id: string; state: string }) => [j.job_id, j.state]));
  assert.equal(states[good], 'exited');
  for (const name of ['truncated', 'empty', 'notObject', 'badStatus']) assert.equal(states[ids[name]], 'unknown', name);
  // Unreadable meta.json: skipped (counted, not listed), as agent-exec does.
  assert.equal(list.json.skipped, 4);
});

test('a missing root reads as empty everywhere', async (t) => {
  const { dir, cleanup } = tempDir('ae-noroot-');
  t.after(cleanup);
  const root = path.join(dir, 'missing');
  assert.deepEqual((await runCli(['--root', root, 'list'])).json.jobs, []);
  assert.equal((await runCli(['--root', root, 'status', 'abc'])).json.error.code, 'job_not_found');
  assert.equal((await runCli(['--root', root, 'delete', '--all'])).json.deleted, 0);
});
