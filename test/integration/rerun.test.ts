/**
 * Attempts (issue 14 part 2) with real processes: `rerun` keeps every attempt's logs, exit and
 * timing under the same job id; the latest attempt is where agent-exec 0.2.3 looks.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { firstDifference, listAttempts } from '../../src/core/ops/attempts';
import { rerunJob } from '../../src/core/ops/rerun';
import { runJob, type LaunchContext } from '../../src/core/ops/run';
import { removeFinishedJob } from '../../src/core/ops/gc';
import { supervisorFinished } from '../../src/core/ops/jobWatch';
import { jobPaths } from '../../src/core/store/jobDir';
import { runCli } from '../helpers/cli';
import { NEEDS_LINUX } from '../helpers/platform';
import { definition, jobIds, readJson, scratch, SUPERVISOR, until, type Scratch } from './runHelpers';

const cli = (s: Scratch, args: string[]) => runCli(['--root', s.root, ...args], { cwd: s.cwd, env: s.env });

test(
  'rerun: same id and definition, a new attempt; each attempt keeps its logs, exit and times; --attempt reads an earlier one',
  { skip: NEEDS_LINUX },
  async (t) => {
    const s = scratch(t);
    const counter = path.join(s.tmp, 'count');
    // Each run prints its number, a masked value and fails the first time only.
    const script = `n=$(( $(cat '${counter}' 2>/dev/null || echo 0) + 1 )); echo $n > '${counter}'; echo "run $n $TOKEN"; [ $n -gt 1 ]`;
    const first = await cli(s, ['run', '--env', 'TOKEN=sesame42', '--mask', 'TOKEN', '--until', '20', '--', 'sh', '-c', script]);
    const id: string = first.json.job_id;
    assert.deepEqual([first.json.exit_code, first.json.stdout, 'attempt' in first.json], [1, 'run 1 ***\n', false]);

    const second = await cli(s, ['rerun', id, '--until', '20']);
    assert.equal(second.code, 0, second.stderr);
    assert.deepEqual(
      [second.json.type, second.json.job_id, second.json.state, second.json.exit_code, second.json.stdout, second.json.attempt],
      ['rerun', id, 'exited', 0, 'run 2 ***\n', 2],
      'the masked --env value is given again (and masked again)',
    );
    assert.deepEqual(jobIds(s.root), [id], 'no second job');

    // The latest attempt is where agent-exec reads a job.
    assert.equal(readFileSync(path.join(s.root, id, 'stdout.log'), 'utf8'), 'run 2 sesame42\n');
    assert.equal(readJson(path.join(s.root, id, 'state.json')).result.exit_code, 0);
    const status = await cli(s, ['status', id]);
    assert.deepEqual([status.json.state, status.json.exit_code, status.json.attempt], ['exited', 0, 2]);

    const old = await cli(s, ['status', id, '--attempt', '1']);
    assert.deepEqual([old.json.state, old.json.exit_code, old.json.attempt], ['exited', 1, 1]);
    assert.ok(old.json.started_at <= status.json.started_at);
    const oldTail = await cli(s, ['tail', id, '--attempt', '1']);
    assert.deepEqual([oldTail.json.stdout, oldTail.json.attempt], ['run 1 ***\n', 1]);
    assert.equal(oldTail.json.stdout_log_path, path.join(s.root, id, 'attempts', '1', 'stdout.log'));

    const missing = await cli(s, ['status', id, '--attempt', '3']);
    assert.deepEqual([missing.code, missing.json.error.code], [1, 'invalid_request']);
    assert.equal((await cli(s, ['status', id, '--attempt', '0'])).code, 2);

    // delete takes the attempts with the job.
    assert.equal((await cli(s, ['delete', id])).json.deleted, 1);
    assert.equal(existsSync(path.join(s.root, id)), false);
  },
);

test('rerun refuses a running or created job (invalid_state) and starts one attempt when two race', { skip: NEEDS_LINUX }, async (t) => {
  const s = scratch(t);
  const running = await cli(s, ['run', '--no-wait', '--', 'sleep', '30']);
  const busy = await cli(s, ['rerun', running.json.job_id]);
  assert.deepEqual([busy.code, busy.json.error.code], [1, 'invalid_state']);
  assert.equal((await cli(s, ['kill', running.json.job_id])).json.state, 'killed');

  const created = await cli(s, ['create', '--', 'true']);
  const notYet = await cli(s, ['rerun', created.json.job_id]);
  assert.equal(notYet.json.error.code, 'invalid_state');
  assert.match(notYet.json.error.message, /start it instead/);

  const done = await cli(s, ['run', '--until', '20', '--', 'sh', '-c', 'sleep 0.5']);
  const id: string = done.json.job_id;
  const both = await Promise.all([cli(s, ['rerun', id, '--no-wait']), cli(s, ['rerun', id, '--no-wait'])]);
  assert.deepEqual(both.map((r) => r.code).sort(), [0, 1], JSON.stringify(both.map((r) => r.json)));
  assert.equal(both.find((r) => r.code === 1)!.json.error.code, 'invalid_state');
  assert.deepEqual(readdirSync(path.join(s.root, id, 'attempts')), ['1']);
  await until('the rerun finished', async () => (await cli(s, ['status', id])).json.state === 'exited');
});

test(
  'listAttempts and firstDifference: each attempt with its result; where the latest output first differs from the last success',
  { skip: NEEDS_LINUX },
  async (t) => {
    const s = scratch(t);
    const counter = path.join(s.tmp, 'count');
    const script = `n=$(( $(cat '${counter}' 2>/dev/null || echo 0) + 1 )); echo $n > '${counter}'; echo same; if [ $n -eq 3 ]; then echo broken; exit 2; fi; echo fine; echo tail`;
    const id: string = (await cli(s, ['run', '--until', '20', '--', 'sh', '-c', script])).json.job_id;
    assert.equal(await firstDifference(s.root, id), undefined, 'nothing to compare with before a rerun');
    await cli(s, ['rerun', id, '--until', '20']);
    assert.deepEqual(await firstDifference(s.root, id), { attempt: 2, successful_attempt: 1 }, 'same output');
    await cli(s, ['rerun', id, '--until', '20']);
    assert.deepEqual(
      (await listAttempts(s.root, id)).map((a) => [a.attempt, a.state, a.exit_code]),
      [
        [1, 'exited', 0],
        [2, 'exited', 0],
        [3, 'exited', 2],
      ],
    );
    assert.deepEqual(await firstDifference(s.root, id), {
      attempt: 3,
      successful_attempt: 2,
      line: 2,
      text: 'broken',
      successful_text: 'fine',
    });
  },
);

test(
  'a rerun the moment the exit is recorded (the supervisor still finishing the attempt) starts cleanly: every attempt runs and is recorded',
  { skip: NEEDS_LINUX },
  async (t) => {
    const s = scratch(t);
    const counter = path.join(s.tmp, 'count');
    const launch: LaunchContext = {
      cwd: s.cwd,
      env: { ...process.env, ...s.env },
      runtime: { execPath: process.execPath, script: SUPERVISOR },
    };
    const job = definition([`sleep 0.2; echo run >> '${counter}'`]);
    const noWait = { wait: false, untilSec: 0, forever: false, maxBytes: 0 };
    const first = await runJob(s.root, { definition: job, observe: noWait }, launch);
    const exitRecord = path.join(s.root, first.job_id, 'exit.rec');
    const ATTEMPTS = 6;
    for (let n = 2; n <= ATTEMPTS; n++) {
      // The shim writes exit.rec, then starts a Node step that records the final state: rerun
      // in between, as an agent does that reruns as soon as its wait sees the exit.
      await until('the exit record', () => existsSync(exitRecord), 20_000, 1);
      const r = await rerunJob(s.root, first.job_id, { observe: noWait }, launch);
      assert.deepEqual([r.attempt, r.state], [n, 'running'], `attempt ${n}: ${JSON.stringify(r)}`);
    }
    await until('the last attempt to end', () => existsSync(exitRecord), 20_000);
    const attempts = await until(
      'every attempt recorded as exited',
      async () => {
        const all = await listAttempts(s.root, first.job_id);
        return all.length === ATTEMPTS && all.every((a) => a.state === 'exited') ? all : undefined;
      },
      20_000,
    );
    assert.deepEqual(
      attempts.map((a) => a.exit_code),
      Array(ATTEMPTS).fill(0),
    );
    assert.equal(readFileSync(counter, 'utf8'), 'run\n'.repeat(ATTEMPTS), 'every attempt ran its command');
  },
);

test(
  'rerun keeps its promises: a singleton key held by another running job refuses it; lost masked values refuse it; gc and delete spare a job running again',
  { skip: NEEDS_LINUX },
  async (t) => {
    const s = scratch(t);
    const first = await cli(s, ['run', '--singleton', 'web', '--until', '20', '--', 'sh', '-c', 'sleep 1.5']);
    await until('the first job finished', async () => (await cli(s, ['status', first.json.job_id])).json.state === 'exited');
    const holder = await cli(s, ['run', '--singleton', 'web', '--no-wait', '--', 'sleep', '30']);
    assert.equal(holder.json.reused, false, 'a finished job does not hold the key');
    const refused = await cli(s, ['rerun', first.json.job_id]);
    assert.deepEqual([refused.code, refused.json.error.code], [1, 'invalid_state']);
    assert.match(refused.json.error.message, new RegExp(holder.json.job_id));
    assert.equal(existsSync(path.join(s.root, first.json.job_id, 'attempts')), false, 'nothing archived');
    assert.equal((await cli(s, ['kill', holder.json.job_id])).json.state, 'killed');

    const masked = await cli(s, ['run', '--env', 'TOKEN=sesame42', '--mask', 'TOKEN', '--until', '20', '--', 'true']);
    rmSync(path.join(s.root, masked.json.job_id, 'env.runtime.json'));
    const lost = await cli(s, ['rerun', masked.json.job_id]);
    assert.equal(lost.json.error.code, 'invalid_state');
    assert.match(lost.json.error.message, /masked --env values that were not kept \(TOKEN\)/);
    // A value masked from an env file is read from the file again: nothing is lost.
    writeFileSync(path.join(s.cwd, 'app.env'), 'FILE_SECRET=from-file-42\n');
    const fromFile = await cli(s, [
      'run',
      '--env-file',
      'app.env',
      '--mask',
      'FILE_SECRET',
      '--until',
      '20',
      '--',
      'sh',
      '-c',
      'echo "$FILE_SECRET"',
    ]);
    const rerunFromFile = await cli(s, ['rerun', fromFile.json.job_id, '--until', '20']);
    assert.equal(rerunFromFile.code, 0, rerunFromFile.stdout);
    assert.equal(rerunFromFile.json.stdout, '***\n');

    // A job gc chose while finished but running again by removal time is kept.
    const again = await cli(s, ['rerun', first.json.job_id, '--no-wait']);
    assert.equal(again.json.attempt, 2);
    assert.deepEqual(await removeFinishedJob(jobPaths(s.root, first.json.job_id)), { skip: 'running' });
    assert.equal(existsSync(path.join(s.root, first.json.job_id, 'meta.json')), true);
    await until('the rerun finished', async () => (await cli(s, ['status', first.json.job_id])).json.state === 'exited');
    // Its supervisor may still be finishing in the directory: gc leaves the job to its next round.
    assert.equal(await supervisorFinished(jobPaths(s.root, first.json.job_id)), true);
    assert.deepEqual(await removeFinishedJob(jobPaths(s.root, first.json.job_id)), {});
    assert.equal(existsSync(path.join(s.root, first.json.job_id)), false);
  },
);
