/**
 * `agent-exec kill` through the CLI against job records written by hand (no supervisor): the
 * workloads are fixtures started here, detached and tagged like a supervised workload.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { newJobId } from '../../src/core/store/jobId';
import { describeKillTargets, killJob } from '../../src/core/ops/kill';
import { runCli } from '../helpers/cli';
import { alive, killScratch, startWorkload, waitForRoles, writeRunningJob } from '../helpers/jobProcs';
import { installFixtureJobs } from '../helpers/tempRoot';
import { NEEDS_LINUX } from '../helpers/platform';

const AGENT_EXEC_KEYS = ['schema_version', 'ok', 'type', 'job_id', 'signal', 'state', 'terminated_signal', 'observed_within_ms'];

const stateOf = (root: string, id: string) => JSON.parse(readFileSync(`${root}/${id}/state.json`, 'utf8'));

test('kill TERM: whole tree gone, then recorded killed; agent-exec keys first, then ours', { skip: NEEDS_LINUX }, async (t) => {
  const { dir: root, jobs } = killScratch(t, 'ae-kill-cli-');
  const w = startWorkload(root, ['node', 'forever.js', 'root', 'child', 'grandchild']);
  jobs.push(w.jobId);
  const roles = await waitForRoles(w, ['root', 'child', 'grandchild']);
  await writeRunningJob(root, w.jobId, w.pid);
  const r = await runCli(['--root', root, 'kill', w.jobId.slice(0, 8)]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.deepEqual(Object.keys(r.json), [...AGENT_EXEC_KEYS, 'escalated', 'signalled', 'survivors']);
  assert.equal(r.json.job_id, w.jobId);
  assert.equal(r.json.signal, 'TERM');
  assert.equal(r.json.state, 'killed');
  assert.equal(r.json.terminated_signal, 'TERM');
  assert.equal(r.json.escalated, false);
  assert.deepEqual(r.json.survivors, []);
  assert.equal(r.json.signalled[0], w.pid, 'the workload (and with it its group) is signalled first');
  assert.ok(r.json.signalled.every((pid: number) => Object.values(roles).includes(pid)));
  assert.ok(r.json.observed_within_ms >= 0 && r.json.observed_within_ms < 5000);
  for (const pid of Object.values(roles)) assert.equal(alive(pid), false);
  const st = stateOf(root, w.jobId);
  assert.equal(st.job.status, 'killed');
  assert.deepEqual(st.result, { exit_code: null, signal: 'TERM', duration_ms: null });
  assert.match(st.finished_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
});

test('kill --signal term --grace 300ms on a TERM-ignoring job escalates to KILL and records KILL', { skip: NEEDS_LINUX }, async (t) => {
  const { dir: root, jobs } = killScratch(t, 'ae-kill-cli-');
  const w = startWorkload(root, ['node', 'ignore-sigterm.js']);
  jobs.push(w.jobId);
  await waitForRoles(w, ['stubborn']);
  await writeRunningJob(root, w.jobId, w.pid);
  const r = await runCli(['--root', root, 'kill', '--signal', 'term', '--grace', '300ms', w.jobId]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(r.json.signal, 'TERM');
  assert.equal(r.json.escalated, true);
  assert.equal(r.json.state, 'killed');
  assert.equal(r.json.terminated_signal, 'KILL');
  assert.ok(r.json.observed_within_ms >= 300);
  assert.deepEqual(r.json.survivors, []);
  assert.equal(alive(w.pid), false);
});

test('kill --no-wait signals and answers job_id, signal and ours without observing', { skip: NEEDS_LINUX }, async (t) => {
  const { dir: root, jobs } = killScratch(t, 'ae-kill-cli-');
  const w = startWorkload(root, ['node', 'forever.js', 'root']);
  jobs.push(w.jobId);
  await waitForRoles(w, ['root']);
  await writeRunningJob(root, w.jobId, w.pid);
  const r = await runCli(['--root', root, 'kill', '--no-wait', '--signal', 'SIGINT', w.jobId]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.deepEqual(r.json, {
    schema_version: '0.1',
    ok: true,
    type: 'kill',
    job_id: w.jobId,
    signal: 'SIGINT',
    escalated: false,
    signalled: [w.pid],
  });
  // The INT does end it, just not under the CLI's observation.
  for (const deadline = Date.now() + 5_000; alive(w.pid) && Date.now() < deadline;) await new Promise((res) => setTimeout(res, 10));
  assert.equal(alive(w.pid), false);
});

test('a record whose pid was recycled: no signal to the live process, the job is recorded killed', { skip: NEEDS_LINUX }, async (t) => {
  const { dir: root, jobs, startUntagged } = killScratch(t, 'ae-kill-cli-');
  const bystander = await startUntagged('bystander');
  const jobId = newJobId();
  jobs.push(jobId);
  await writeRunningJob(root, jobId, bystander.pid, { pid_start_time: bystander.startTime + 7 });
  const r = await runCli(['--root', root, 'kill', '--signal', 'KILL', jobId]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.deepEqual(r.json.signalled, []);
  assert.equal(r.json.state, 'killed');
  assert.equal(r.json.observed_within_ms, 0);
  assert.equal(alive(bystander.pid, bystander.startTime), true, 'the recycled pid was signalled');
});

test('the stale agent-exec 0.2.3 running-stale job is recorded killed without signalling anything', async (t) => {
  const { dir: root } = killScratch(t, 'ae-kill-cli-');
  const { 'running-stale': id } = installFixtureJobs(root, ['running-stale']);
  const r = await runCli(['--root', root, 'kill', id]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.deepEqual(Object.keys(r.json), [...AGENT_EXEC_KEYS, 'escalated', 'signalled', 'survivors']);
  assert.deepEqual(r.json.signalled, []);
  assert.equal(r.json.state, 'killed');
  assert.equal(r.json.terminated_signal, 'TERM');
  const st = stateOf(root, id);
  assert.equal(st.job.status, 'killed');
  assert.equal(st.result.signal, 'TERM');
  assert.equal(st.pid, 1152, 'the recorded pid is kept');
});

test('kill on a finished job answers exactly like agent-exec 0.2.3 and writes nothing', async (t) => {
  const { dir: root } = killScratch(t, 'ae-kill-cli-');
  const { 'killed-by-kill-term': id } = installFixtureJobs(root, ['killed-by-kill-term']);
  const before = readFileSync(`${root}/${id}/state.json`, 'utf8');
  const r = await runCli(['--root', root, 'kill', id]);
  assert.equal(r.code, 0);
  assert.equal(
    r.stdout,
    `{"schema_version":"0.1","ok":true,"type":"kill","job_id":"${id}","signal":"TERM","state":"killed","terminated_signal":"15","observed_within_ms":0}\n`,
  );
  const nw = await runCli(['--root', root, 'kill', '--no-wait', id]);
  assert.equal(nw.stdout, `{"schema_version":"0.1","ok":true,"type":"kill","job_id":"${id}","signal":"TERM"}\n`);
  assert.equal(readFileSync(`${root}/${id}/state.json`, 'utf8'), before);
});

test('kill on a created job is invalid_state with agent-exec message, with and without --no-wait', async (t) => {
  const { dir: root } = killScratch(t, 'ae-kill-cli-');
  const { created: id } = installFixtureJobs(root, ['created']);
  for (const extraArgs of [[], ['--no-wait']]) {
    const r = await runCli(['--root', root, 'kill', ...extraArgs, id]);
    assert.equal(r.code, 1);
    assert.equal(
      r.stdout,
      `{"schema_version":"0.1","ok":false,"type":"error","error":{"code":"invalid_state","message":"invalid job state: job ${id} is in 'created' state and has not been started; cannot send signal","retryable":false}}\n`,
    );
  }
});

test('an unknown signal is an invalid_signal error envelope (not a silent KILL); a bad --grace is a usage error', async (t) => {
  const { dir: root } = killScratch(t, 'ae-kill-cli-');
  const { 'running-stale': id } = installFixtureJobs(root, ['running-stale']);
  const r = await runCli(['--root', root, 'kill', '--signal', 'FOO', id]);
  assert.equal(r.code, 1);
  assert.equal(r.json.error.code, 'invalid_signal');
  assert.match(r.json.error.message, /^invalid signal 'FOO': use one of TERM \(15\), INT \(2\), KILL \(9\)/);
  assert.equal(stateOf(root, id).job.status, 'running', 'nothing was written');
  for (const grace of ['-1s', 'soon', '5h']) {
    const g = await runCli(['--root', root, 'kill', '--grace', grace, id]);
    assert.equal(g.code, 2, grace);
    assert.equal(g.stdout, '');
    assert.match(g.stderr, /^error: Invalid value '.*' for '--grace <GRACE>'/);
  }
});

test('kill of an unknown job is job_not_found', async (t) => {
  const { dir: root } = killScratch(t, 'ae-kill-cli-');
  const r = await runCli(['--root', root, 'kill', '0000000000000000000000000000000f']);
  assert.equal(r.code, 1);
  assert.equal(
    r.stdout,
    '{"schema_version":"0.1","ok":false,"type":"error","error":{"code":"job_not_found","message":"job not found: 0000000000000000000000000000000f","retryable":false}}\n',
  );
});

test(
  'core API: describeKillTargets lists the processes with reasons and command lines, signalling none; killJob kills them',
  { skip: NEEDS_LINUX },
  async (t) => {
    const { dir: root, jobs } = killScratch(t, 'ae-kill-cli-');
    const w = startWorkload(root, ['node', 'setsid-escapee.js']);
    jobs.push(w.jobId);
    const roles = await waitForRoles(w, ['root', 'escapee']);
    await writeRunningJob(root, w.jobId, w.pid);
    const d = await describeKillTargets(root, w.jobId.slice(0, 10));
    assert.equal(d.job_id, w.jobId);
    assert.equal(d.state, 'running');
    assert.equal(d.identity, 'verified');
    assert.deepEqual(
      d.targets.map((x) => [x.pid, x.reason]).sort(),
      [
        [roles.root, 'workload'],
        [roles.escapee, 'env_tag'],
      ].sort(),
    );
    assert.match(d.targets.find((x) => x.pid === roles.escapee)!.command, /forever\.js escapee$/);
    assert.equal(alive(roles.root) && alive(roles.escapee), true, 'describe must not signal');

    const r = await killJob(root, w.jobId, { signal: 'HUP', graceMs: 2_000 });
    assert.equal(r.signal, 'HUP');
    assert.equal(r.state, 'killed');
    assert.deepEqual(r.survivors, []);
    assert.equal(alive(roles.root) || alive(roles.escapee), false);
    assert.deepEqual((await describeKillTargets(root, w.jobId)).targets, []);
  },
);
