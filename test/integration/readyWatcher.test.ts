/**
 * The extension's ReadyWatcher on real jobs (launched by the CLI, followed by a real JobService):
 * "starting…" while the declared port is not bound, "ready" once the job's own process listens
 * on it, the job's ports, the one announcement per job, and no probing of jobs that are decided
 * or not running.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { browserUrl, jobPort, ReadyWatcher, type JobLive } from '../../src/extension/jobs/readyWatcher';
import { freePort } from '../helpers/freePort';
import { jobRoot } from '../helpers/jobProcs';
import { testJobService } from '../helpers/jobService';
import { poll } from '../helpers/poll';

/** A job that prints "waiting", binds `port` once `go` exists, then prints "listening" and lives on. */
const serverOnGo = (go: string, port: number) => [
  'node',
  '-e',
  `const fs=require('fs');console.log('waiting');const t=setInterval(()=>{if(!fs.existsSync(${JSON.stringify(go)}))return;clearInterval(t);require('net').createServer().listen(${port},'127.0.0.1',()=>console.log('listening'))},20);`,
];

/**
 * Makes JobService + ReadyWatcher pairs on a root, all disposed at the end of the test. Call it
 * before jobRoot(): its cleanup then runs first, so no fs.watch outlives a failed test (an
 * after hook that throws skips the ones after it).
 */
function watchers(t: { after(fn: () => void): void }) {
  const made: { dispose(): void }[] = [];
  t.after(() => made.forEach((m) => m.dispose()));
  return (root: string) => {
    const svc = testJobService(root);
    const watcher = new ReadyWatcher(svc, (m) => assert.fail(m), 50);
    made.push(watcher, svc);
    const announced: string[] = [];
    watcher.onDidBecomeReady((e) => announced.push(`${e.job.id}${e.sawPending ? ' after pending' : ''}`));
    return { svc, watcher, announced };
  };
}

const liveOf = (watcher: ReadyWatcher, id: string, what: string, ok: (l: JobLive) => boolean) =>
  poll(what, () => {
    const l = watcher.get(id);
    return l && ok(l) ? l : undefined;
  });

test('a job with --ready-port is pending until its process listens on the port, then ready once, with the port', async (t) => {
  const watch = watchers(t);
  const { root, run, cli } = jobRoot(t, 'ae-ready-watch-');
  const port = await freePort();
  const go = path.join(root, 'go');
  const job = await run(serverOnGo(go, port), {}, ['--ready-port', String(port)]);
  const w = watch(root);
  await w.svc.start();

  const pending = await liveOf(w.watcher, job.jobId, 'the job pending', (l) => l.ready?.ready === 'pending');
  assert.deepEqual(pending.ports, []);
  assert.equal(w.watcher.polling, true, 'a pending port is probed on the tick');
  const snap = w.svc.get(job.jobId)!;
  assert.equal(browserUrl(snap.meta, pending), undefined, 'nothing to open before it is ready');

  writeFileSync(go, '');
  const ready = await liveOf(w.watcher, job.jobId, 'the job ready', (l) => l.ready?.ready === 'ready' && l.ports.length > 0);
  assert.ok(ready.ready?.ready_at, 'ready_at is recorded');
  assert.deepEqual(
    ready.ports.map((p) => p.port),
    [port],
  );
  assert.equal(jobPort(snap.meta, ready), port);
  assert.equal(browserUrl(snap.meta, ready), `http://localhost:${port}`);
  assert.deepEqual(w.announced, [`${job.jobId} after pending`]);
  assert.equal(w.watcher.polling, false, 'a decided job is not probed any more');
  // Every observer reads the same verdict: the CLI's status sees it ready too.
  assert.equal((await cli('status', job.jobId)).json.ready, 'ready');

  // Another window (a reload) finds it ready already: seen ready, never pending.
  const again = watch(root);
  await again.svc.start();
  await liveOf(again.watcher, job.jobId, 'the job ready in a second window', (l) => l.ready?.ready === 'ready');
  assert.deepEqual(again.announced, [job.jobId]);

  // Once the job ends, nothing is known or probed of it.
  await cli('kill', '--signal', 'KILL', job.jobId);
  await poll('the job to leave the watcher', () => w.watcher.get(job.jobId) === undefined);
  assert.equal(w.watcher.polling, false);
  assert.deepEqual(w.announced, [`${job.jobId} after pending`], 'announced once');
});

test('a running job without readiness gets its ports and no probe; a log-ready job waits on its log, not a tick', async (t) => {
  const watch = watchers(t);
  const { root, run, cli } = jobRoot(t, 'ae-ready-watch-');
  const port = await freePort();
  const go = path.join(root, 'go');
  const plain = await run(serverOnGo(go, port));
  const logReady = await run(['node', '-e', "console.log('booting');setInterval(()=>{},1<<30)"], {}, ['--ready-log', 'never printed']);
  const w = watch(root);
  await w.svc.start();

  const plainLive = await liveOf(w.watcher, plain.jobId, 'the plain job looked at', () => true);
  assert.equal(plainLive.ready, undefined, 'no readiness declared, none shown');
  await liveOf(w.watcher, logReady.jobId, 'the log job pending', (l) => l.ready?.ready === 'pending');
  assert.equal(w.watcher.polling, false, 'no port or URL to wait on: no tick');

  // The plain job binds and says so: its log change brings the port in.
  writeFileSync(go, '');
  const bound = await liveOf(w.watcher, plain.jobId, 'the plain job with its port', (l) => l.ports.length > 0);
  assert.deepEqual(
    bound.ports.map((p) => p.port),
    [port],
  );
  assert.equal(browserUrl(w.svc.get(plain.jobId)!.meta, bound), undefined, 'not a ready job');
  assert.deepEqual(w.announced, []);
  await cli('kill', '--signal', 'KILL', plain.jobId);
  await cli('kill', '--signal', 'KILL', logReady.jobId);
  await poll('both jobs to leave the watcher', () => !w.watcher.get(plain.jobId) && !w.watcher.get(logReady.jobId));
});
