/**
 * The extension's AttentionWatcher on real jobs (launched by the CLI, followed by a real
 * JobService): a --stdin-pipe job at a prompt needs input (announced once per prompt), clears
 * when answered; a silent --stall-after job is stalled; jobs that ask for neither are never
 * probed, and nothing is probed once the jobs end.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { sendInput } from '../../src/core/ops/input';
import { AttentionWatcher } from '../../src/extension/jobs/attentionWatcher';
import { jobRoot } from '../helpers/jobProcs';
import { testJobService } from '../helpers/jobService';
import { NEEDS_LINUX } from '../helpers/platform';
import { poll } from '../helpers/poll';

/** JobService + AttentionWatcher on a root, disposed before the root's cleanup (see readyWatcher.test.ts). */
function watchers(t: { after(fn: () => void): void }) {
  const made: { dispose(): void }[] = [];
  t.after(() => made.forEach((m) => m.dispose()));
  return (root: string) => {
    const svc = testJobService(root);
    const watcher = new AttentionWatcher(svc, (m) => assert.fail(m), 50);
    made.push(watcher, svc);
    const asked: string[] = [];
    watcher.onDidNeedInput((e) => asked.push(e.attention.last_line));
    return { svc, watcher, asked };
  };
}

test(
  'a --stdin-pipe job at a prompt needs input, announced once per prompt, and clears when answered',
  { skip: NEEDS_LINUX },
  async (t) => {
    const watch = watchers(t);
    const { root, run, cli } = jobRoot(t, 'ae-attention-watch-');
    const job = await run(
      ['sh', '-c', 'printf "package name: "; read a; echo "got $a"; printf "Continue? [y/N] "; read b; echo "ok $b"'],
      {},
      ['--stdin-pipe'],
    );
    const w = watch(root);
    await w.svc.start();

    const first = await poll('the job to need input', () => w.watcher.get(job.jobId));
    assert.deepEqual([first.kind, first.last_line], ['needs_input', 'package name: ']);
    assert.equal(w.watcher.watching, true);
    await sendInput(root, job.jobId, { text: 'web' });
    const second = await poll('the next prompt', () => {
      const a = w.watcher.get(job.jobId);
      return a?.last_line === 'Continue? [y/N] ' ? a : undefined;
    });
    assert.equal(second.kind, 'needs_input');
    assert.deepEqual(w.asked, ['package name: ', 'Continue? [y/N] ']);

    await sendInput(root, job.jobId, { text: 'y' });
    await poll('the job to finish', () => w.svc.get(job.jobId)?.state.job.status === 'exited');
    await poll('its attention to clear', () => w.watcher.get(job.jobId) === undefined && !w.watcher.watching);
    assert.match((await cli('tail', job.jobId)).stdout, /got web/);
  },
);

test('a silent --stall-after job is stalled; a job that asks for nothing is never probed', { skip: NEEDS_LINUX }, async (t) => {
  const watch = watchers(t);
  const { root, run, cli } = jobRoot(t, 'ae-attention-watch-');
  const plain = await run(['sleep', '300']);
  const w = watch(root);
  await w.svc.start();
  await poll('the plain job listed', () => w.svc.get(plain.jobId));
  assert.equal(w.watcher.watching, false, 'no job asks for attention: no timer');

  const quiet = await run(['sh', '-c', 'echo started; sleep 300'], {}, ['--stall-after', '1s']);
  const stalled = await poll('the quiet job stalled', () => w.watcher.get(quiet.jobId), 30_000);
  assert.deepEqual([stalled.kind, stalled.last_line], ['stalled', 'started']);
  assert.equal(w.watcher.get(plain.jobId), undefined);
  assert.deepEqual(w.asked, [], 'a stall is not a question');

  await cli('kill', '--signal', 'KILL', quiet.jobId);
  await cli('kill', '--signal', 'KILL', plain.jobId);
  await poll('nothing watched any more', () => !w.watcher.watching && w.watcher.get(quiet.jobId) === undefined);
});
