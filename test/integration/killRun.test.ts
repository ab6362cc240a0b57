/**
 * `kill` end to end: jobs launched by `run --no-wait` (real detached supervisor), killed
 * through the CLI. The supervisor records the exit; kill reports it once the processes are gone.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { CLI, runCli } from '../helpers/cli';
import { alive, jobRoot, waitForRoles, type Launched } from '../helpers/jobProcs';
import { NEEDS_LINUX } from '../helpers/platform';

function setup(t: { after: (fn: () => unknown) => void }) {
  const { root, run } = jobRoot(t, 'ae-kill-run-');
  const kill = (job: Launched, ...flags: string[]) => runCli(['--root', root, 'kill', ...flags, job.jobId]);
  /** The supervisor ends by itself once the job is over (bounded wait). */
  const supervisorExits = async (job: Launched) => {
    for (const deadline = Date.now() + 5_000; alive(job.supervisorPid, job.supervisorStartTime) && Date.now() < deadline;) {
      await new Promise((res) => setTimeout(res, 10));
    }
    assert.equal(alive(job.supervisorPid, job.supervisorStartTime), false, 'supervisor still running after the kill');
  };
  return { root, run, kill, supervisorExits };
}

test(
  'kill right after run --no-wait kills the workload, not just the supervisor (no early-kill race)',
  { skip: NEEDS_LINUX },
  async (t) => {
    const { run, kill, supervisorExits } = setup(t);
    const job = await run([process.execPath, 'forever.js', 'root', 'child', 'grandchild']);
    const r = await kill(job);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(r.json.state, 'killed');
    assert.equal(r.json.terminated_signal, '15', 'recorded by the supervisor from the real exit');
    assert.ok(r.json.signalled.includes(job.pid));
    assert.ok(!r.json.signalled.includes(job.supervisorPid), 'the supervisor must not be signalled');
    assert.deepEqual(r.json.survivors, []);
    assert.equal(alive(job.pid), false);
    await supervisorExits(job);
  },
);

test('INT on a job that traps INT and exits 130 is recorded exited 130', { skip: NEEDS_LINUX }, async (t) => {
  const { run, kill, supervisorExits } = setup(t);
  const job = await run(['sh', 'trap-int.sh']);
  await waitForRoles(job, ['trap']);
  const r = await kill(job, '--signal', 'int');
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(r.json.signal, 'INT');
  assert.equal(r.json.state, 'exited');
  assert.equal(r.json.exit_code, 130);
  assert.equal(r.json.escalated, false);
  assert.deepEqual(r.json.survivors, []);
  await supervisorExits(job);
});

test('TERM on a TERM-ignoring job escalates to KILL and the job is recorded killed by 9', { skip: NEEDS_LINUX }, async (t) => {
  const { run, kill, supervisorExits } = setup(t);
  const job = await run([process.execPath, 'ignore-sigterm.js']);
  await waitForRoles(job, ['stubborn']);
  const r = await kill(job, '--grace', '0.3');
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(r.json.escalated, true);
  assert.equal(r.json.state, 'killed');
  assert.equal(r.json.terminated_signal, '9');
  assert.ok(r.json.observed_within_ms >= 300);
  assert.deepEqual(r.json.survivors, []);
  await supervisorExits(job);
});

test('a setsid escapee, a double-forked daemon and a nohup child are all gone after kill', { skip: NEEDS_LINUX }, async (t) => {
  const { run, kill, supervisorExits } = setup(t);
  // [argv, role, outside the workload's group (so signalled on its own and listed)]
  const cases: [string[], string, boolean][] = [
    [[process.execPath, 'setsid-escapee.js'], 'escapee', true],
    [['sh', 'double-fork.sh'], 'daemon', true],
    [['sh', 'nohup.sh', 'stay'], 'nohup', false],
  ];
  await Promise.all(
    cases.map(async ([argv, role, outside]) => {
      const job = await run(argv);
      const roles = await waitForRoles(job, ['root', role]);
      const r = await kill(job);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.deepEqual(r.json.survivors, [], role);
      if (outside) assert.ok(r.json.signalled.includes(roles[role]), `${role} was not signalled`);
      assert.equal(alive(roles[role]), false, `${role} survived`);
      assert.equal(r.json.state, 'killed', role);
      await supervisorExits(job);
    }),
  );
});

test('kill --no-wait on a launched job signals it; the supervisor then records the exit', { skip: NEEDS_LINUX }, async (t) => {
  const { root, run, kill, supervisorExits } = setup(t);
  const job = await run([process.execPath, 'forever.js', 'root']);
  await waitForRoles(job, ['root']);
  const r = await kill(job, '--no-wait');
  assert.deepEqual(Object.keys(r.json), ['schema_version', 'ok', 'type', 'job_id', 'signal', 'escalated', 'signalled']);
  await supervisorExits(job);
  const st = JSON.parse(readFileSync(path.join(root, job.jobId, 'state.json'), 'utf8'));
  assert.equal(st.job.status, 'killed');
  assert.equal(st.result.signal, '15');
});

test(
  'kill run from inside its own job spares its ancestors (the workload) and does not record the job as over',
  { skip: NEEDS_LINUX },
  async (t) => {
    const { root, run, kill, supervisorExits } = setup(t);
    const out = path.join(root, 'inner-kill.json');
    const script =
      '"$NODE" "$CLI" --root "$ROOT" kill --grace 200ms "$AGENT_EXEC_JOB_ID" > "$OUT"; echo "root $$" >> "$FIXTURE_PIDS"; while :; do sleep 1; done';
    const job = await run(['sh', '-c', script], { CLI, ROOT: root, OUT: out });
    await waitForRoles(job, ['root']);
    const inner = JSON.parse(readFileSync(out, 'utf8'));
    assert.equal(inner.state, 'running');
    assert.deepEqual(inner.survivors, [job.pid]);
    assert.ok(!inner.signalled.includes(job.pid), 'the killer signalled its own ancestor');
    const outer = await kill(job);
    assert.equal(outer.json.state, 'killed');
    assert.deepEqual(outer.json.survivors, []);
    await supervisorExits(job);
  },
);
