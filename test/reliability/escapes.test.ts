/**
 * Escapes: for each workload that spreads in its own way, TRIALS launches with `run --no-wait`,
 * a bounded wait until it has spread (pids reported, port open), `kill` through the CLI (TERM in
 * every trial, plus one trial with INT and one with KILL), then: no process carrying the job's
 * AGENT_EXEC_JOB_ID is alive, every pid it reported is gone (same start time), and its port is
 * free (connection refused and bindable). Prints per-workload trials and escapes caught.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { killJob } from '../../src/core/ops/kill';
import { processStartTime } from '../../src/core/process/proc';
import { newJobId } from '../../src/core/store/jobId';
import { alive, reap, startWorkload, waitForRoles, writeRunningJob } from '../helpers/jobProcs';
import { tempDir } from '../helpers/tempRoot';
import { jobRoot, type Launched } from '../helpers/jobProcs';
import { assertJobGone, freePort, poll, portBindable, portOpen, Tally, TRIALS } from './reliability';
import { NEEDS_LINUX } from '../helpers/platform';

const tally = new Tally('escapes');
after(() => tally.print());

const hasPython = spawnSync('python3', ['-c', '0']).status === 0;

interface Workload {
  name: string;
  /** argv for `run --no-wait --`, given a free port (used by servers that need one chosen). */
  argv: (port: number) => string[];
  /** Roles the pids file must list once it has spread (besides the port). */
  roles: string[];
  /** The workload binds this port (chosen, or reported as the `port` role). */
  port?: 'chosen' | 'reported';
  env?: NodeJS.ProcessEnv;
}

const node = process.execPath;
const WORKLOADS: Workload[] = [
  {
    name: 'pipeline a|b|c',
    argv: () => ['sh', '-c', '"$NODE" forever.js a | "$NODE" forever.js b | "$NODE" forever.js c'],
    roles: ['a', 'b', 'c'],
  },
  {
    name: 'bash -c with & children',
    argv: () => ['bash', '-c', '"$NODE" forever.js bg1 & "$NODE" forever.js bg2 & echo "root $$" >> "$FIXTURE_PIDS"; wait'],
    roles: ['root', 'bg1', 'bg2'],
  },
  { name: 'setsid child', argv: () => [node, 'setsid-escapee.js'], roles: ['root', 'escapee'] },
  { name: 'double-forked daemon', argv: () => ['sh', 'double-fork.sh'], roles: ['root', 'daemon'] },
  { name: 'nohup &', argv: () => ['sh', 'nohup.sh', 'stay'], roles: ['root', 'nohup'] },
  {
    name: 'disown',
    argv: () => ['bash', '-c', '"$NODE" forever.js disowned & disown; echo "root $$" >> "$FIXTURE_PIDS"; while :; do sleep 1; done'],
    roles: ['root', 'disowned'],
  },
  { name: 'TERM-ignoring', argv: () => [node, 'ignore-sigterm.js'], roles: ['stubborn'] },
  { name: 'fork storm (200 + continuous)', argv: () => ['sh', 'fork-storm.sh'], roles: ['root'] },
  { name: 'node http server', argv: () => [node, 'http-server.js'], roles: ['root'], port: 'reported' },
  { name: 'env -i daemon (setsid, reparented)', argv: () => ['sh', 'env-scrub.sh'], roles: ['root', 'scrubbed'] },
];
if (hasPython) {
  WORKLOADS.push({
    name: 'python3 -m http.server',
    argv: (port) => ['python3', '-m', 'http.server', '--bind', '127.0.0.1', String(port)],
    roles: [],
    port: 'chosen',
  });
}

/** The signal of trial i: INT once, KILL once, TERM otherwise. */
const signalOf = (i: number) => (i === 1 ? 'INT' : i === 2 ? 'KILL' : 'TERM');

async function oneTrial(
  run: (argv: string[]) => Promise<Launched>,
  cli: (...a: string[]) => Promise<any>,
  w: Workload,
  signal: string,
): Promise<void> {
  const chosen = await freePort();
  const job = await run(w.argv(chosen));
  const roles = await waitForRoles(job, w.port === 'reported' ? [...w.roles, 'port'] : w.roles, 15_000);
  const port = w.port === 'reported' ? roles.port : w.port === 'chosen' ? chosen : undefined;
  if (port !== undefined) await poll(`${w.name}: port ${port} open`, () => portOpen(port), 15_000);
  // Identities taken now: after the kill a pid may be reused, its start time will not match.
  const pids = Object.entries(roles)
    .filter(([role]) => role !== 'port')
    .map(([role, pid]) => ({ role, pid, startTime: processStartTime(pid) }));
  const r = await cli('kill', '--signal', signal, '--grace', '0.5', job.jobId);
  const what = `${w.name} (${signal})`;
  assert.equal(r.code, 0, `${what}: ${r.stdout}${r.stderr}`);
  assert.deepEqual(r.json.survivors, [], `${what}: survivors`);
  assert.ok(['killed', 'exited'].includes(r.json.state), `${what}: state ${r.json.state}`);
  for (const p of pids) assert.equal(alive(p.pid, p.startTime), false, `${what}: ${p.role} (pid ${p.pid}) survived`);
  await assertJobGone(job, what);
  if (port !== undefined) {
    assert.equal(await portOpen(port), false, `${what}: port ${port} still accepts connections`);
    assert.equal(await portBindable(port), true, `${what}: port ${port} cannot be bound`);
  }
  tally.add(w.name, 'trials');
  tally.add(w.name, 'escapes_caught', pids.length - 1 + (w.roles.includes('root') ? 0 : 1));
  tally.add(w.name, `by_${signal}`);
  if (r.json.escalated) tally.add(w.name, 'escalated');
}

for (const w of WORKLOADS) {
  test(`escape: ${w.name} — ${TRIALS} TERM trials (+1 INT, +1 KILL) leave nothing alive`, { skip: NEEDS_LINUX }, async (t) => {
    const { run, cli } = jobRoot(t, 'ae-rel-esc-');
    const total = TRIALS + 2;
    for (let i = 0; i < total; i++) await oneTrial(run, cli, w, signalOf(i));
  });
}

test('escape: a TERM-ignoring workload is escalated to KILL after the grace period', { skip: NEEDS_LINUX }, async (t) => {
  const { run, cli } = jobRoot(t, 'ae-rel-esc-');
  const job = await run([node, 'ignore-sigterm.js']);
  await waitForRoles(job, ['stubborn']);
  const r = await cli('kill', '--grace', '0.3', job.jobId);
  assert.equal(r.json.escalated, true);
  assert.equal(r.json.terminated_signal, '9');
  assert.ok(r.json.observed_within_ms >= 300);
  await assertJobGone(job, 'TERM-ignoring');
});

// Without the job cgroup (a workload started outside a supervisor, as on a machine without a
// writable cgroup2): the `env -i` daemon has no env tag, no ppid link, its own session — nothing
// ties it to the job. Recorded, not asserted; the daemon is then ended by pid.
test('escape: what is caught without a cgroup (env -i daemon of a workload started outside one)', { skip: NEEDS_LINUX }, async (t) => {
  const { dir, cleanup } = tempDir('ae-rel-nocg-');
  const id = newJobId();
  const w = startWorkload(dir, ['sh', 'env-scrub.sh'], id);
  let daemon: { pid: number; startTime?: number } | undefined;
  t.after(async () => {
    await reap(id, daemon ? [daemon] : []);
    cleanup();
  });
  const roles = await waitForRoles(w, ['root', 'scrubbed']);
  daemon = { pid: roles.scrubbed, startTime: processStartTime(roles.scrubbed) };
  const root = path.join(dir, 'root');
  await writeRunningJob(root, id, w.pid);
  const r = await killJob(root, id, { graceMs: 300 });
  assert.deepEqual(r.survivors, [], 'the workload itself is always caught');
  const caught = !alive(daemon.pid, daemon.startTime);
  tally.add('env -i daemon without cgroup', 'trials');
  tally.add('env -i daemon without cgroup', caught ? 'escapes_caught' : 'escaped', 1);
  process.stdout.write(
    `# reliability escapes: env -i daemon without a cgroup ${caught ? 'was caught' : 'ESCAPED (expected: no env tag, no ppid, own session)'}\n`,
  );
  assert.ok(existsSync(w.pidsFile) && readFileSync(w.pidsFile, 'utf8').includes('scrubbed'));
});
