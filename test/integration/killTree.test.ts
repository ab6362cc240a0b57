import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newJobId } from '../../src/core/store/jobId';
import { processStartTime, readProcStat } from '../../src/core/process/proc';
import { killProcessTree, scanKillTargets } from '../../src/core/process/killTree';
import { createJobCgroup, removeCgroup, spawnInJobCgroup } from '../../src/core/process/cgroup';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { existsSync, readFileSync } from 'node:fs';
import { alive, killScratch, PROCS, startWorkload, waitForRoles } from '../helpers/jobProcs';
import { NEEDS_LINUX, needsWritableCgroup2 } from '../helpers/platform';

const opts = { graceMs: 2_000, wait: true };

test('TERM reaches root, child and grandchild; all verified gone without escalation', { skip: NEEDS_LINUX }, async (t) => {
  const { dir, jobs } = killScratch(t);
  const w = startWorkload(dir, ['node', 'forever.js', 'root', 'child', 'grandchild']);
  jobs.push(w.jobId);
  const roles = await waitForRoles(w, ['root', 'child', 'grandchild']);
  const scan = scanKillTargets({ jobId: w.jobId, pid: w.pid, pidStartTime: processStartTime(w.pid) });
  assert.equal(scan.identity, 'verified');
  assert.deepEqual(scan.targets.map((x) => x.pid).sort(), Object.values(roles).sort());
  assert.equal(scan.targets.find((x) => x.pid === w.pid)?.reason, 'workload');

  const r = await killProcessTree({ jobId: w.jobId, pid: w.pid, pidStartTime: processStartTime(w.pid) }, 'SIGTERM', opts);
  assert.equal(r.identity, 'verified');
  assert.equal(r.escalated, false);
  assert.deepEqual(r.survivors, []);
  // The group is signalled before any scan: members that died before it are covered, not listed.
  assert.equal(r.signalled[0], w.pid);
  assert.ok(r.signalled.every((pid) => Object.values(roles).includes(pid)));
  assert.ok(r.observedMs !== undefined && r.observedMs < opts.graceMs);
  for (const pid of Object.values(roles)) assert.equal(alive(pid), false, `pid ${pid} survived`);
});

test('a TERM-ignoring process is escalated to KILL after the grace period', { skip: NEEDS_LINUX }, async (t) => {
  const { dir, jobs } = killScratch(t);
  const w = startWorkload(dir, ['node', 'ignore-sigterm.js']);
  jobs.push(w.jobId);
  await waitForRoles(w, ['stubborn']);
  const r = await killProcessTree({ jobId: w.jobId, pid: w.pid, pidStartTime: processStartTime(w.pid) }, 'SIGTERM', {
    graceMs: 200,
    wait: true,
  });
  assert.equal(r.escalated, true);
  assert.deepEqual(r.survivors, []);
  assert.ok(r.observedMs! >= 200);
  assert.equal(alive(w.pid), false);
});

test('a stopped (SIGSTOP) workload is continued so that its INT handler runs, without escalation', { skip: NEEDS_LINUX }, async (t) => {
  const { dir, jobs } = killScratch(t);
  const w = startWorkload(dir, ['sh', 'trap-int.sh']);
  jobs.push(w.jobId);
  await waitForRoles(w, ['trap']);
  process.kill(w.pid, 'SIGSTOP');
  for (const deadline = Date.now() + 5_000; readProcStat(w.pid)?.state !== 'T' && Date.now() < deadline;)
    await new Promise((res) => setTimeout(res, 5));
  const r = await killProcessTree({ jobId: w.jobId, pid: w.pid, pidStartTime: processStartTime(w.pid) }, 'SIGINT', {
    graceMs: 3_000,
    wait: true,
  });
  assert.equal(r.escalated, false);
  assert.deepEqual(r.survivors, []);
});

test('a setsid escapee (new session, still a descendant) is found and killed', { skip: NEEDS_LINUX }, async (t) => {
  const { dir, jobs } = killScratch(t);
  const w = startWorkload(dir, ['node', 'setsid-escapee.js']);
  jobs.push(w.jobId);
  const roles = await waitForRoles(w, ['root', 'escapee']);
  const scan = scanKillTargets({ jobId: w.jobId, pid: w.pid, pidStartTime: processStartTime(w.pid) });
  assert.ok(
    scan.targets.some((x) => x.pid === roles.escapee && x.sid === roles.escapee),
    'escapee in its own session is a target',
  );
  const r = await killProcessTree({ jobId: w.jobId, pid: w.pid, pidStartTime: processStartTime(w.pid) }, 'SIGTERM', opts);
  assert.deepEqual(r.survivors, []);
  assert.ok(r.signalled.includes(roles.escapee));
  assert.equal(alive(roles.escapee), false);
});

test('a double-forked daemon (reparented, own session) is found by its env tag and killed', { skip: NEEDS_LINUX }, async (t) => {
  const { dir, jobs } = killScratch(t);
  const w = startWorkload(dir, ['sh', 'double-fork.sh']);
  jobs.push(w.jobId);
  const roles = await waitForRoles(w, ['root', 'daemon']);
  const scan = scanKillTargets({ jobId: w.jobId, pid: w.pid, pidStartTime: processStartTime(w.pid) });
  assert.equal(scan.targets.find((x) => x.pid === roles.daemon)?.reason, 'env_tag');
  const r = await killProcessTree({ jobId: w.jobId, pid: w.pid, pidStartTime: processStartTime(w.pid) }, 'SIGTERM', opts);
  assert.deepEqual(r.survivors, []);
  assert.equal(alive(roles.daemon), false);
});

test('a nohup child that outlived its workload is killed though the recorded pid is gone', { skip: NEEDS_LINUX }, async (t) => {
  const { dir, jobs } = killScratch(t);
  const w = startWorkload(dir, ['sh', 'nohup.sh']);
  jobs.push(w.jobId);
  const start = processStartTime(w.pid);
  const roles = await waitForRoles(w, ['nohup']);
  const r = await killProcessTree({ jobId: w.jobId, pid: w.pid, pidStartTime: start ?? 1 }, 'SIGTERM', opts);
  assert.deepEqual(r.survivors, []);
  assert.ok(r.signalled.includes(roles.nohup));
  assert.equal(alive(roles.nohup), false);
});

test('a recycled pid (live, other start time) gets no signal', { skip: NEEDS_LINUX }, async (t) => {
  const { jobs, startUntagged } = killScratch(t);
  // An unrelated, untagged process stands in for whatever now holds the job's old pid.
  const bystander = await startUntagged('bystander');
  const jobId = newJobId();
  jobs.push(jobId);
  const subject = { jobId, pid: bystander.pid, pidStartTime: bystander.startTime - 1 };
  assert.equal(scanKillTargets(subject).identity, 'recycled');
  assert.deepEqual(scanKillTargets(subject).targets, []);
  const r = await killProcessTree(subject, 'SIGKILL', opts);
  assert.equal(r.identity, 'recycled');
  assert.deepEqual(r.signalled, []);
  assert.equal(alive(bystander.pid, bystander.startTime), true, 'the bystander was signalled');
});

test(
  'agent-exec records (no start time): a session leader started near started_at is plausible, one started long before is not',
  { skip: NEEDS_LINUX },
  async (t) => {
    const { jobs, startUntagged } = killScratch(t);
    const w = await startUntagged('legacy');
    const jobId = newJobId();
    jobs.push(jobId);
    const hourAgo = { jobId, pid: w.pid, startedAtMs: Date.now() - 3_600_000 };
    assert.equal(scanKillTargets(hourAgo).identity, 'implausible');
    const r0 = await killProcessTree(hourAgo, 'SIGTERM', opts);
    assert.deepEqual(r0.signalled, []);
    assert.equal(alive(w.pid, w.startTime), true);

    const justNow = { jobId, pid: w.pid, startedAtMs: Date.now() - 1_000 };
    assert.equal(scanKillTargets(justNow).identity, 'plausible');
    const r1 = await killProcessTree(justNow, 'SIGTERM', opts);
    assert.deepEqual(r1.signalled, [w.pid]);
    assert.equal(alive(w.pid, w.startTime), false);
  },
);

test('spared pids (the supervisor) are never signalled even when tagged', { skip: NEEDS_LINUX }, async (t) => {
  const { dir, jobs, expectLeft } = killScratch(t);
  const w = startWorkload(dir, ['node', 'forever.js', 'root']);
  jobs.push(w.jobId);
  const sup = startWorkload(dir, ['node', 'forever.js', 'supervisor'], w.jobId);
  await waitForRoles(w, ['root']);
  await waitForRoles(sup, ['supervisor']);
  const supStart = processStartTime(sup.pid)!;
  expectLeft.push(sup.pid);
  const r = await killProcessTree({ jobId: w.jobId, pid: w.pid, pidStartTime: processStartTime(w.pid), spare: [sup.pid] }, 'SIGTERM', opts);
  assert.deepEqual(r.signalled, [w.pid]);
  assert.deepEqual(r.survivors, []);
  assert.equal(alive(sup.pid, supStart), true, 'the supervisor was signalled');
});

test('--no-wait semantics: signals and returns at once without observing', { skip: NEEDS_LINUX }, async (t) => {
  const { dir, jobs, expectLeft } = killScratch(t);
  const w = startWorkload(dir, ['node', 'ignore-sigterm.js']);
  jobs.push(w.jobId);
  expectLeft.push(w.pid);
  await waitForRoles(w, ['stubborn']);
  const r = await killProcessTree({ jobId: w.jobId, pid: w.pid, pidStartTime: processStartTime(w.pid) }, 'SIGTERM', {
    graceMs: 5_000,
    wait: false,
  });
  assert.deepEqual(r.signalled, [w.pid]);
  assert.equal(r.observedMs, undefined);
  assert.equal(alive(w.pid), true, 'TERM-ignoring process should still be alive (no escalation without waiting)');
});

for (const workloadGone of [false, true]) {
  test(
    `with a job cgroup (cgroup v2, where writable): an env -i, setsid, reparented daemon is found and killed${workloadGone ? ' after its workload exited' : ''}`,
    { skip: needsWritableCgroup2() },
    async (t) => {
      const jobId = newJobId();
      const cg = createJobCgroup(jobId);
      assert.ok(cg, 'cgroup v2 is writable here, yet no job cgroup was made');
      const { dir, jobs, untagged } = killScratch(t);
      t.after(() => removeCgroup(cg));
      jobs.push(jobId);
      // What a supervisor does: the workload enters the job cgroup before it runs anything.
      const script = `echo $$ > "$CG/cgroup.procs" && exec sh env-scrub.sh${workloadGone ? ' exit' : ''}`;
      const w = startWorkload(dir, ['sh', '-c', script], jobId, { CG: cg });
      const roles = await waitForRoles(w, ['root', 'scrubbed']);
      const workloadStart = processStartTime(w.pid);
      if (workloadGone) {
        for (const deadline = Date.now() + 5_000; alive(w.pid) && Date.now() < deadline;) await new Promise((res) => setTimeout(res, 10));
      }
      const scrubbedStart = processStartTime(roles.scrubbed)!;
      untagged.push({ pid: roles.scrubbed, startTime: scrubbedStart });
      const subject = { jobId, pid: w.pid, pidStartTime: workloadStart ?? 1 };
      assert.equal(scanKillTargets(subject).targets.find((x) => x.pid === roles.scrubbed)?.reason, 'cgroup');
      const r = await killProcessTree(subject, 'SIGTERM', opts);
      assert.deepEqual(r.survivors, []);
      assert.ok(r.signalled.includes(roles.scrubbed));
      assert.equal(alive(roles.scrubbed, scrubbedStart), false);
      assert.equal(existsSync(cg), false, 'the empty job cgroup is removed');
    },
  );
}

test(
  'spawnInJobCgroup: the child is born in the job cgroup, the caller is back in its own, kill uses it',
  { skip: needsWritableCgroup2() },
  async (t) => {
    const jobId = newJobId();
    const cgroupLine = (pid: number | 'self') => readFileSync(`/proc/${pid}/cgroup`, 'utf8').match(/^0::(.*)$/m)?.[1];
    const before = cgroupLine('self');
    const { dir, jobs } = killScratch(t);
    jobs.push(jobId);
    const pidsFile = path.join(dir, 'pids');
    const { result: child, cgroup } = spawnInJobCgroup(jobId, () =>
      spawn(process.execPath, ['forever.js', 'root'], {
        cwd: PROCS,
        detached: true,
        stdio: 'ignore',
        env: { ...process.env, AGENT_EXEC_JOB_ID: jobId, FIXTURE_PIDS: pidsFile },
      }),
    );
    child.unref();
    assert.ok(cgroup, 'cgroup v2 is writable here, yet the child was not spawned in a job cgroup');
    t.after(() => removeCgroup(cgroup));
    assert.equal(cgroupLine('self'), before, 'the caller did not move back to its own cgroup');
    assert.equal(cgroupLine(child.pid!), `${before === '/' ? '' : before}/agent-exec/${jobId}`);
    await waitForRoles({ jobId, pid: child.pid!, pidsFile }, ['root']);
    const r = await killProcessTree({ jobId, pid: child.pid!, pidStartTime: processStartTime(child.pid!) }, 'SIGTERM', opts);
    assert.deepEqual(r.survivors, []);
    assert.equal(existsSync(cgroup), false);
  },
);
