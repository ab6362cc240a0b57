/**
 * Ports (issue 13 part 3) and the kill preview (part 4) with real processes and real sockets:
 * Node http servers on free loopback ports, as jobs of the store (`run --no-wait`) and as a
 * process the test starts itself outside the store.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { alive, jobRoot, reap, startWorkload, waitForRoles } from '../helpers/jobProcs';

const linux = process.platform === 'linux';

/** A job that is a Node http server on 127.0.0.1; returns its port and its pid. */
async function serverJob(run: ReturnType<typeof jobRoot>['run']) {
  const job = await run(['node', 'http-server.js']);
  const roles = await waitForRoles(job, ['port', 'root']);
  return { job, port: roles.port, pid: roles.root };
}

test(
  "ports: a job's listening port names the job, its pid and command; status lists it; the full listing has it too",
  { skip: !linux },
  async (t) => {
    const { cli, run } = jobRoot(t, 'ae-ports-');
    const { job, port, pid } = await serverJob(run);

    const one = await cli('ports', '--port', String(port));
    assert.equal(one.code, 0, one.stdout + one.stderr);
    assert.equal(one.json.type, 'ports');
    assert.deepEqual(
      one.json.ports.map((p: Record<string, unknown>) => ({ ...p, command: undefined })),
      [{ port, protocol: 'tcp', address: '127.0.0.1', pid, command: undefined, job_id: job.jobId }],
    );
    assert.match(one.json.ports[0].command, /http-server\.js$/);

    const all = await cli('ports');
    assert.equal(all.code, 0);
    assert.ok(all.json.ports.some((p: { port: number; job_id?: string }) => p.port === port && p.job_id === job.jobId));

    const st = await cli('status', job.jobId);
    assert.equal(st.code, 0);
    assert.deepEqual(st.json.ports, [{ port, protocol: 'tcp', address: '127.0.0.1', pid }]);

    const k = await cli('kill', job.jobId);
    assert.equal(k.json.state, 'killed');
    assert.equal((await cli('status', job.jobId)).json.ports, undefined, 'a finished job lists no ports');
  },
);

test('ports / kill --port: a listener outside the store is named by pid and command and is not killed', { skip: !linux }, async (t) => {
  const { root, cli } = jobRoot(t, 'ae-ports-');
  // Tagged with an id that is not in the store: reap() ends it by pid at the end.
  const outsider = startWorkload(root, ['node', 'http-server.js']);
  t.after(async () => assert.deepEqual(await reap(outsider.jobId), [], 'the outside listener must have been ended by the test'));
  const { port, root: pid } = await waitForRoles(outsider, ['port', 'root']);

  const p = await cli('ports', '--port', String(port));
  assert.equal(p.code, 0);
  assert.equal(p.json.ports.length, 1);
  assert.equal(p.json.ports[0].pid, pid);
  assert.equal(p.json.ports[0].job_id, undefined);

  const k = await cli('kill', '--port', String(port));
  assert.equal(k.code, 1, k.stdout);
  assert.equal(k.json.error.code, 'port_not_job');
  assert.match(k.json.error.message, new RegExp(`process ${pid} \\(.*http-server\\.js\\)`));
  assert.equal(k.json.error.details.pid, pid);
  const dry = await cli('kill', '--port', String(port), '--dry-run');
  assert.equal(dry.json.error.code, 'port_not_job', 'the preview refuses the same way');
  assert.equal(alive(pid), true, 'the outside process was not signalled');

  process.kill(pid, 'SIGKILL');
  const deadline = Date.now() + 5_000;
  while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  assert.equal(alive(pid), false);
});

test('kill --port kills the job holding the port; then nobody listens (port_not_listened)', { skip: !linux }, async (t) => {
  const { cli, run } = jobRoot(t, 'ae-ports-');
  const { job, port, pid } = await serverJob(run);
  const k = await cli('kill', '--port', String(port));
  assert.equal(k.code, 0, k.stdout + k.stderr);
  assert.equal(k.json.type, 'kill');
  assert.equal(k.json.job_id, job.jobId);
  assert.equal(k.json.state, 'killed');
  assert.deepEqual(k.json.survivors, []);
  assert.equal(alive(pid), false);
  assert.deepEqual((await cli('ports', '--port', String(port))).json.ports, []);
  const again = await cli('kill', '--port', String(port));
  assert.equal(again.code, 1);
  assert.equal(again.json.error.code, 'port_not_listened');
  assert.equal((await cli('kill', '--port', '0')).code, 2, 'port 0 is a usage error');
  assert.equal((await cli('kill', job.jobId, '--port', String(port))).code, 2, 'a job id and --port together are a usage error');
});

test(
  'kill --dry-run signals nothing and lists exactly the pids the real kill then signals, with ages, ports, owner and run time',
  { skip: !linux },
  async (t) => {
    const { root, cli, run } = jobRoot(t, 'ae-ports-');
    // Two TERM-ignoring children in the workload's group, then the server in the workload's place:
    // every process is still alive when the kill scans, so its `signalled` list is complete.
    const job = await run(['sh', '-c', '"$NODE" ignore-sigterm.js a & "$NODE" ignore-sigterm.js b & exec "$NODE" http-server.js']);
    const roles = await waitForRoles(job, ['a', 'b', 'port', 'root']);
    const metaFile = path.join(root, job.jobId, 'meta.json');
    writeFileSync(metaFile, JSON.stringify({ ...JSON.parse(readFileSync(metaFile, 'utf8')), owner: 'copilot' }));

    const dry = await cli('kill', job.jobId, '--dry-run');
    assert.equal(dry.code, 0, dry.stdout + dry.stderr);
    assert.equal(dry.json.type, 'kill_preview');
    const p = dry.json;
    const pids = [roles.a, roles.b, roles.root].sort();
    assert.deepEqual(p.targets.map((x: { pid: number }) => x.pid).sort(), pids);
    assert.equal(p.targets.find((x: { pid: number }) => x.pid === roles.root).reason, 'workload');
    for (const x of p.targets) {
      assert.ok(Number.isInteger(x.age_s) && x.age_s >= 0, JSON.stringify(x));
      assert.match(x.command, /(ignore-sigterm|http-server)\.js/);
    }
    assert.deepEqual(p.ports, [{ port: roles.port, protocol: 'tcp', address: '127.0.0.1', pid: roles.root }]);
    assert.equal(p.owner, 'copilot');
    assert.ok(Number.isInteger(p.running_for_s) && p.running_for_s >= 0);
    assert.equal(p.identity, 'verified');
    for (const pid of pids) assert.equal(alive(pid), true, `dry-run must not signal ${pid}`);
    assert.equal((await cli('status', job.jobId)).json.state, 'running');

    const byPort = await cli('kill', '--port', String(roles.port), '--dry-run');
    assert.deepEqual(byPort.json.targets.map((x: { pid: number }) => x.pid).sort(), pids, 'kill --port --dry-run previews the same job');

    const k = await cli('kill', job.jobId, '--grace', '300ms');
    assert.equal(k.code, 0, k.stdout + k.stderr);
    assert.deepEqual([...k.json.signalled].sort(), pids, 'the real kill signalled exactly the previewed pids');
    assert.equal(k.json.escalated, true);
    for (const pid of pids) assert.equal(alive(pid), false);
  },
);

test('kill --port refuses (ambiguous_job_id) when two jobs hold the port (TCP and UDP), killing neither', { skip: !linux }, async (t) => {
  const { cli, run } = jobRoot(t, 'ae-ports-');
  const tcp = await serverJob(run);
  const udp = await run([
    'node',
    '-e',
    `require('dgram').createSocket('udp4').bind(${tcp.port}, '127.0.0.1', () => require('./report')('root'))`,
  ]);
  const { root: udpPid } = await waitForRoles(udp, ['root']);
  const k = await cli('kill', '--port', String(tcp.port));
  assert.equal(k.code, 1, k.stdout);
  assert.equal(k.json.error.code, 'ambiguous_job_id');
  assert.deepEqual([...k.json.error.details.job_ids].sort(), [tcp.job.jobId, udp.jobId].sort());
  assert.equal(alive(tcp.pid) && alive(udpPid), true, 'neither job was signalled');
  for (const id of [tcp.job.jobId, udp.jobId]) assert.equal((await cli('kill', id)).json.state, 'killed');
});
