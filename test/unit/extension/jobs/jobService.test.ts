/**
 * The extension's JobService on a real job root: it follows the store through fs.watch (root
 * created late, jobs added, state transitions, deletions) and coalesces bursts into few events.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import {
  mkdirSync,
  promises as fsPromises,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
  type PathLike,
  type StatOptions,
} from 'node:fs';
import * as path from 'node:path';
import type { JobService } from '../../../../src/extension/jobs/jobService';
import { testJobService } from '../../../helpers/jobService';
import { tempDir } from '../../../helpers/tempRoot';
import { writeFakeJob } from '../../../helpers/fakeJobs';

function service(root: string) {
  const events: (readonly string[] | undefined)[] = [];
  const svc = testJobService(root);
  svc.onDidChangeJobs((e) => events.push(e));
  return { svc, events };
}

/** Resolves when `cond` holds after a change event (bounded). */
function changed(svc: JobService, cond: () => boolean, timeoutMs = 5000): Promise<void> {
  if (cond()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error('no matching change event'));
    }, timeoutMs);
    const sub = svc.onDidChangeJobs(() => {
      if (!cond()) return;
      clearTimeout(timer);
      sub.dispose();
      resolve();
    });
  });
}

test('follows a root that does not exist yet, new jobs, state changes and deletions', async () => {
  const { dir, cleanup } = tempDir('ae-ext-svc-');
  const root = path.join(dir, 'nested', 'jobs');
  const { svc } = service(root);
  try {
    await svc.start();
    assert.equal(svc.all().length, 0);
    mkdirSync(root, { recursive: true });
    const id = writeFakeJob(root, { status: 'running', pid: process.pid });
    await changed(svc, () => svc.get(id)?.state.job.status === 'running');

    // A transition is written like the core writes it: a new state.json renamed over the old one.
    const state = path.join(root, id, 'state.json');
    writeFileSync(
      `${state}.tmp`,
      JSON.stringify({
        job: { id, status: 'exited', started_at: '2026-11-30T10:00:00Z' },
        result: { exit_code: 3, signal: null, duration_ms: 10 },
        finished_at: '2026-11-30T10:00:01Z',
        updated_at: '2026-11-30T10:00:01Z',
      }),
    );
    renameSync(`${state}.tmp`, state);
    await changed(svc, () => svc.get(id)?.state.result.exit_code === 3);

    rmSync(path.join(root, id), { recursive: true });
    await changed(svc, () => svc.get(id) === undefined);
  } finally {
    svc.dispose();
    cleanup();
  }
});

test('a burst of 200 new jobs arrives in a few coalesced events, not one per file', async () => {
  const { dir: root, cleanup } = tempDir('ae-ext-svc-');
  const { svc, events } = service(root);
  try {
    await svc.start();
    events.length = 0;
    for (let i = 0; i < 200; i++) writeFakeJob(root, { status: 'exited' });
    await changed(svc, () => svc.all().length === 200);
    assert.ok(events.length <= 20, `${events.length} events for 200 jobs`);
  } finally {
    svc.dispose();
    cleanup();
  }
});

test('refresh re-reads finished jobs; setRoot switches stores', async () => {
  const a = tempDir('ae-ext-svc-');
  const b = tempDir('ae-ext-svc-');
  const { svc } = service(a.dir);
  try {
    const idA = writeFakeJob(a.dir, { status: 'exited' });
    const idB = writeFakeJob(b.dir, { status: 'killed' });
    await svc.start();
    assert.ok(svc.get(idA));
    await svc.setRoot(b.dir);
    assert.equal(svc.get(idA), undefined);
    assert.equal(svc.get(idB)?.state.job.status, 'killed');
    assert.equal(svc.root, b.dir);
  } finally {
    svc.dispose();
    a.cleanup();
    b.cleanup();
  }
});

test('the trust gate: a refused start (run, rerun from any surface) rejects before a job directory exists', async () => {
  const { dir: root, cleanup } = tempDir('ae-ext-trust-');
  const finished = writeFakeJob(root, { status: 'exited', meta: { command: ['sh', '-c', 'echo should-not-run'] } });
  const refusal = new Error('starting a process needs a trusted workspace');
  let asked = 0;
  const svc = testJobService(root, {
    requireTrust: () => {
      asked++;
      throw refusal;
    },
  });
  try {
    await svc.start();
    await assert.rejects(svc.rerun(finished), refusal);
    await assert.rejects(svc.run({ command: ['echo should-not-run'], cwd: root }), refusal);
    assert.equal(asked, 2);
    assert.deepEqual(readdirSync(root), [finished], 'no job was created');
  } finally {
    svc.dispose();
    cleanup();
  }
});

test('a job whose files are all written between a failed read and the watch on its directory is still listed', async () => {
  const { dir: root, cleanup } = tempDir('ae-ext-late-');
  const { svc } = service(root);
  const realStat = fsPromises.stat;
  const id = 'ab'.repeat(16);
  let completed = false;
  // The service stats a directory it could not read before it watches it: the job's writer
  // finishes exactly then, so no event of the directory's files reaches the watcher.
  fsPromises.stat = (async (p: PathLike, opts?: StatOptions) => {
    if (!completed && String(p) === path.join(root, id)) {
      completed = true;
      writeFakeJob(root, { id, status: 'exited' });
    }
    return realStat(p, opts);
  }) as typeof fsPromises.stat;
  try {
    await svc.start();
    mkdirSync(path.join(root, id));
    await changed(svc, () => svc.get(id) !== undefined, 5000);
    assert.ok(completed, 'the interleaving under test happened');
  } finally {
    fsPromises.stat = realStat;
    svc.dispose();
    cleanup();
  }
});

test('rerun from the extension is a new attempt of the same job (the first attempt kept), started here', async () => {
  const { dir: root, cleanup } = tempDir('ae-ext-rerun-');
  const svc = testJobService(root);
  try {
    await svc.start();
    const first = await svc.run({ command: ['echo attempt'], cwd: root });
    await changed(svc, () => svc.get(first.job_id)?.state.job.status === 'exited', 15_000);
    const again = await svc.rerun(first.job_id);
    assert.deepEqual([again.job_id, again.attempt], [first.job_id, 2]);
    assert.deepEqual(
      readdirSync(root).filter((n) => /^[0-9a-f]{32}$/.test(n)),
      [first.job_id],
      'no new job',
    );
    assert.equal(JSON.parse(readFileSync(path.join(root, first.job_id, 'attempts', '1', 'state.json'), 'utf8')).job.status, 'exited');
    assert.equal(svc.startedHereWhen(first.job_id), 'now');
    await changed(svc, () => svc.get(first.job_id)?.state.job.status === 'exited', 15_000);
  } finally {
    svc.dispose();
    cleanup();
  }
});
