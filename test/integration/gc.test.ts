import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { autoGc, runGc } from '../../src/core/ops/gc';
import { dirSize } from '../../src/core/ops/scan';
import { runCli } from '../helpers/cli';
import { writeFakeJob } from '../helpers/fakeJobs';
import { tempStore } from '../helpers/tempRoot';

/** A pid that belonged to a process which has exited. */
const deadPid = (): number => spawnSync('true').pid!;

test('gc keeps recent and active jobs and reports every skip reason', async (t) => {
  const { root, dir } = tempStore(t);
  const old = writeFakeJob(root, { ageSeconds: 100 });
  const recent = writeFakeJob(root, { ageSeconds: 2 });
  const running = writeFakeJob(root, { status: 'running', ageSeconds: 500, pid: process.pid });
  const created = writeFakeJob(root, { status: 'created', ageSeconds: 500 });
  mkdirSync(path.join(root, 'not-a-job'));
  writeFileSync(path.join(root, 'stray-file'), 'x');
  symlinkSync(dir, path.join(root, 'link-outside'));
  const r = await runCli(['--root', root, 'gc', '--older-than', '30s', '--dry-run']);
  assert.equal(r.code, 0, r.stderr);
  const byId = Object.fromEntries(r.json.jobs.map((j: { job_id: string }) => [j.job_id, j]));
  assert.deepEqual(Object.keys(r.json), [
    'schema_version',
    'ok',
    'type',
    'root',
    'dry_run',
    'older_than',
    'older_than_source',
    'deleted',
    'skipped',
    'out_of_scope',
    'failed',
    'freed_bytes',
    'scanned_dirs',
    'candidate_count',
    'jobs',
  ]);
  assert.equal(r.json.scanned_dirs, 5, 'files and symlinks are not scanned');
  assert.deepEqual(byId[recent], { job_id: recent, state: 'exited', action: 'skipped', reason: 'too_recent', bytes: 0 });
  assert.deepEqual(byId[running], { job_id: running, state: 'running', action: 'skipped', reason: 'active_job', bytes: 0 });
  assert.deepEqual(byId[created], { job_id: created, state: 'created', action: 'skipped', reason: 'active_job', bytes: 0 });
  assert.deepEqual(byId['not-a-job'], { job_id: 'not-a-job', state: 'unknown', action: 'skipped', reason: 'state_unreadable', bytes: 0 });
  const bytes = await dirSize(path.join(root, old));
  assert.deepEqual(byId[old], { job_id: old, state: 'exited', action: 'would_delete', reason: 'older_than', bytes });
  assert.equal(r.json.jobs.at(-1).job_id, old, 'candidates come after the skips');
  assert.deepEqual([r.json.skipped, r.json.out_of_scope, r.json.candidate_count, r.json.freed_bytes, r.json.deleted], [4, 4, 1, bytes, 0]);
  assert.equal(r.json.older_than_source, 'flag');
  assert.ok(existsSync(path.join(root, old)), 'dry run deletes nothing');
});

test('gc deletes expired jobs oldest first; --max-jobs spares the newest within the expired set', async (t) => {
  const { root } = tempStore(t);
  const ids = [300, 200, 100].map((age) => writeFakeJob(root, { ageSeconds: age, stdout: 'x'.repeat(age) }));
  const recent = writeFakeJob(root, { ageSeconds: 1 });
  const r = await runGc(root, { olderThan: '60s', maxJobs: 1 });
  assert.deepEqual(
    r.jobs.map((j) => [j.job_id, j.action, j.reason]),
    [
      [recent, 'skipped', 'too_recent'],
      [ids[2], 'skipped', 'policy_not_matched'],
      [ids[0], 'deleted', 'older_than+max_jobs'],
      [ids[1], 'deleted', 'older_than+max_jobs'],
    ],
  );
  assert.ok(r.jobs[1].bytes > 0, 'policy_not_matched reports the bytes');
  assert.deepEqual([r.deleted, r.skipped, r.out_of_scope, r.candidate_count], [2, 2, 2, 2]);
  assert.equal(r.freed_bytes, r.jobs[2].bytes + r.jobs[3].bytes);
  assert.deepEqual(readdirSync(root).sort(), [ids[2], recent].sort());
});

test('gc --max-bytes deletes oldest first until the expired set fits, even jobs --max-jobs spared', async (t) => {
  const { root } = tempStore(t);
  const a = writeFakeJob(root, { ageSeconds: 300, stdout: 'a'.repeat(5000) });
  const b = writeFakeJob(root, { ageSeconds: 200, stdout: 'b'.repeat(5000) });
  const c = writeFakeJob(root, { ageSeconds: 100, stdout: 'c'.repeat(5000) });
  const size = await dirSize(path.join(root, c));
  // Budget for one job: the two oldest go. With --max-jobs 2 the oldest is already max_jobs.
  const r = await runGc(root, { olderThan: '60s', maxJobs: 2, maxBytes: size + 10, dryRun: true });
  assert.deepEqual(
    r.jobs.map((j) => [j.job_id, j.action, j.reason]),
    [
      [c, 'skipped', 'policy_not_matched'],
      [a, 'would_delete', 'older_than+max_jobs+max_bytes'],
      [b, 'would_delete', 'max_bytes'],
    ],
  );
  // Within budget: nothing is added.
  const none = await runGc(root, { olderThan: '60s', maxBytes: 10 ** 9, dryRun: true });
  assert.deepEqual(
    none.jobs.map((j) => j.reason),
    ['older_than', 'older_than', 'older_than'],
  );
});

test('gc: a lost running job is settled to failed instead of blocking collection as active', async (t) => {
  const { root } = tempStore(t);
  const id = writeFakeJob(root, { status: 'running', ageSeconds: 1000, pid: deadPid() });
  const r = await runGc(root, { olderThan: '30s', dryRun: true });
  assert.equal(r.jobs[0].job_id, id);
  assert.equal(r.jobs[0].state, 'failed');
  assert.notEqual(r.jobs[0].reason, 'active_job');
});

test('gc duration grammar: invalid values are internal_error only when the root exists', async (t) => {
  const { root, dir } = tempStore(t);
  const bad = await runCli(['--root', root, 'gc', '--older-than', '5x']);
  assert.equal(bad.code, 1);
  assert.equal(bad.json.error.message, 'invalid duration: 5x; expected formats: 30d, 24h, 60m, 3600s');
  const missing = await runCli(['--root', path.join(dir, 'nope'), 'gc', '--older-than', '5x']);
  assert.equal(missing.code, 0);
  assert.equal(missing.json.scanned_dirs, 0);
  const ok = await runCli(['--root', root, 'gc', '--older-than', ' 2h ']);
  assert.equal(ok.code, 0);
  assert.equal(ok.json.older_than, ' 2h ');
});

test('autoGc honours scan_limit and delete_limit exactly, and removes its lock', async (t) => {
  const { root } = tempStore(t);
  for (let i = 0; i < 5; i++) writeFakeJob(root, { ageSeconds: 1000 + i });
  const r = await autoGc(root, { olderThan: '1s', scanLimit: 3, deleteLimit: 1 });
  assert.ok(r);
  assert.equal(r.scanned_dirs, 3);
  assert.equal(r.deleted, 1);
  assert.deepEqual(r.jobs.map((j) => j.reason).sort(), ['delete_budget_exhausted', 'delete_budget_exhausted', 'older_than']);
  assert.equal(readdirSync(root).length, 4);
  assert.ok(!existsSync(path.join(root, '.gc.lock')));
});

test('autoGc skips while a live process holds .gc.lock, and takes over a dead or expired lock', async (t) => {
  const { root } = tempStore(t);
  writeFakeJob(root, { ageSeconds: 1000 });
  const lock = path.join(root, '.gc.lock');
  writeFileSync(lock, `${process.pid}`);
  assert.equal(await autoGc(root, { olderThan: '1s' }), undefined);
  assert.ok(existsSync(lock), 'a live owner keeps its lock');

  writeFileSync(lock, `${deadPid()} 1`);
  const afterDead = await autoGc(root, { olderThan: '1s' });
  assert.equal(afterDead?.deleted, 1);
  assert.ok(!existsSync(lock));

  writeFakeJob(root, { ageSeconds: 1000 });
  writeFileSync(lock, ''); // agent-exec's lock: no owner recorded, expires by age only
  assert.equal(await autoGc(root, { olderThan: '1s' }), undefined);
  const old = (Date.now() - 11 * 60 * 1000) / 1000;
  utimesSync(lock, old, old);
  assert.equal((await autoGc(root, { olderThan: '1s' }))?.deleted, 1);
});

test('autoGc never throws: a bad policy is reported through warn', async (t) => {
  const { root } = tempStore(t);
  const warnings: string[] = [];
  assert.equal(await autoGc(root, { olderThan: 'soon' }, (m) => warnings.push(m)), undefined);
  assert.match(warnings[0], /invalid duration: soon/);
  assert.ok(!existsSync(path.join(root, '.gc.lock')));
});
