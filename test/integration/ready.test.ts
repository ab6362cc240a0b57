/**
 * Ready state and ensure-running (issue 13 parts 1–2) through the built CLI, with real processes
 * and real sockets: jobs that listen on free loopback ports, print ready lines, answer HTTP; a
 * listener outside the store; 20 racing `run --singleton` processes. Every job is ended by pid
 * (scratch's sweep fails the test if a job process is left).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import * as path from 'node:path';
import { findEnvTagged, listProcesses, readCommandLine } from '../../src/core/process/proc';
import { ageMs } from '../../src/core/process/identity';
import { runCli, type CliRun } from '../helpers/cli';
import { NEEDS_LINUX } from '../helpers/platform';
import { jobIds, readIf, readJson, scratch, until, type Scratch } from './runHelpers';

const TS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const NODE = process.execPath;

const cli = (s: Scratch, ...args: string[]): Promise<CliRun> => runCli(['--root', s.root, ...args], { cwd: s.cwd, env: s.env });

/** `run` that must succeed; the job is ended by pid at the end of the test. */
async function run(s: Scratch, ...args: string[]): Promise<CliRun> {
  const r = await cli(s, 'run', ...args);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  s.killAtEnd.add(r.json.job_id);
  return r;
}

/** A free loopback port: bound to port 0, then released. */
async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as { port: number };
  await new Promise((r) => srv.close(r));
  return port;
}

/** A job command: Node listening on `port` after `afterMs`. */
const listenLater = (port: number, afterMs = 300) => [
  NODE,
  '-e',
  `setTimeout(() => require('net').createServer().listen(${port}, '127.0.0.1'), ${afterMs})`,
];

/** A job command: Node answering every request with `status` on `port`; prints "up" once it listens. */
const httpServer = (port: number, status: number) => [
  NODE,
  '-e',
  `require('http').createServer((q, r) => { r.statusCode = ${status}; r.end(); }).listen(${port}, '127.0.0.1', () => console.log('up'))`,
];

const statusOf = async (s: Scratch, id: string) => (await cli(s, 'status', id)).json;

/** The job's processes are gone (its supervisor recorded the end). */
async function allGone(id: string): Promise<void> {
  await until(`job ${id}'s processes to be gone`, () => findEnvTagged(id).length === 0);
}

test(
  '--ready-port: run --wait-ready answers ready with ready_at once the job listens; status and wait carry it; the verdict stands after the kill',
  { skip: NEEDS_LINUX },
  async (t) => {
    const s = scratch(t);
    const port = await freePort();
    const r = await run(s, '--ready-port', String(port), '--wait-ready', '--until', '30', '--', ...listenLater(port));
    const id = r.json.job_id;
    assert.equal(r.json.state, 'running');
    assert.equal(r.json.ready, 'ready');
    assert.match(r.json.ready_at, TS);
    assert.deepEqual(readJson(path.join(s.root, id, 'meta.json')).ready, { port });
    assert.deepEqual(
      readJson(path.join(s.root, id, 'ready.json')),
      { state: 'ready', at: r.json.ready_at, pid: readJson(path.join(s.root, id, 'state.json')).pid },
      'the verdict names the workload it is about (a late one about an earlier attempt is ignored)',
    );

    const st = await statusOf(s, id);
    assert.equal(st.ready, 'ready');
    assert.equal(st.ready_at, r.json.ready_at);
    assert.ok(
      st.ports.some((p: { port: number }) => p.port === port),
      JSON.stringify(st.ports),
    );
    const w = await cli(s, 'wait', '--until-ready', id);
    assert.equal(w.code, 0);
    assert.equal(w.json.state, 'running');
    assert.equal(w.json.ready, 'ready');
    assert.equal(w.json.ready_at, r.json.ready_at);

    assert.equal((await cli(s, 'kill', id)).json.state, 'killed');
    const after = await statusOf(s, id);
    assert.equal(after.state, 'killed');
    assert.equal(after.ready, 'ready', 'the job was ready: a later kill does not undo it');
    await allGone(id);
  },
);

test('--ready-port: a port held by a process outside the job does not make it ready', { skip: NEEDS_LINUX }, async (t) => {
  const s = scratch(t);
  const port = await freePort();
  const outsider = spawn(NODE, ['-e', `require('net').createServer().listen(${port}, '127.0.0.1', () => console.log('up'))`], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = once(outsider, 'exit');
  t.after(async () => {
    outsider.kill('SIGKILL');
    await exited;
  });
  await once(outsider.stdout, 'data');

  const r = await run(s, '--no-wait', '--ready-port', String(port), '--ready-timeout', '2', '--', 'sleep', '30');
  const id = r.json.job_id;
  const w = await cli(s, 'wait', '--until-ready', id);
  assert.equal(w.code, 0, w.stdout + w.stderr);
  assert.equal(w.json.state, 'running');
  assert.equal(w.json.ready, 'timed_out', 'the listener is not a process of the job');
  assert.equal((await statusOf(s, id)).ready, 'timed_out');
  assert.equal(outsider.exitCode, null, 'the outside listener was not touched');
});

test('--ready-log: a line of stdout, or an ANSI-coloured line of stderr, makes the job ready', async (t) => {
  const s = scratch(t);
  const out = await run(s, '--no-wait', '--ready-log', '^READY$', '--', 'sh', '-c', 'echo starting; sleep 0.3; echo READY; exec sleep 30');
  const w = await cli(s, 'wait', '--until-ready', '--until', '30', out.json.job_id);
  assert.equal(w.json.ready, 'ready', w.stdout);
  assert.equal(w.json.state, 'running');

  // Anchored: it matches only once the colour codes around the text are stripped.
  const err = await run(
    s,
    '--ready-log',
    '^listening on port \\d+$',
    '--wait-ready',
    '--until',
    '30',
    '--',
    'sh',
    '-c',
    'sleep 0.3; printf "\\033[32mlistening on port 8080\\033[0m\\n" >&2; exec sleep 30',
  );
  assert.equal(err.json.ready, 'ready', err.stdout);
  assert.ok(err.json.stderr.startsWith('\u001b[32mlistening on port 8080'), err.json.stderr);
});

test('--ready-http: a status below 500 counts (404), a 503 does not', { skip: NEEDS_LINUX }, async (t) => {
  const s = scratch(t);
  const okPort = await freePort();
  const ok = await run(
    s,
    '--ready-http',
    `http://127.0.0.1:${okPort}/health`,
    '--wait-ready',
    '--until',
    '30',
    '--',
    ...httpServer(okPort, 404),
  );
  assert.equal(ok.json.ready, 'ready', ok.stdout);

  const badPort = await freePort();
  const bad = await run(s, '--no-wait', '--ready-http', `http://127.0.0.1:${badPort}/`, '--', ...httpServer(badPort, 503));
  const id = bad.json.job_id;
  await until('the 503 server to listen', () => readIf(path.join(s.root, id, 'stdout.log')) === 'up\n');
  const w = await cli(s, 'wait', '--until-ready', '--until', '1', id);
  assert.equal(w.json.state, 'running');
  assert.equal(w.json.ready, 'pending', 'a server answering 503 is not ready');
  assert.equal(existsSync(path.join(s.root, id, 'ready.json')), false);
  assert.equal((await fetch(`http://127.0.0.1:${badPort}/`)).status, 503);
});

/** `skip` when there is no openssl to make a self-signed certificate with. */
const NEEDS_OPENSSL = spawnSync('openssl', ['version']).status === 0 ? false : 'needs openssl (a self-signed certificate)';

test(
  '--ready-http https://: a dev server with a self-signed certificate counts (the probe checks the answer, not the certificate)',
  { skip: NEEDS_LINUX || NEEDS_OPENSSL },
  async (t) => {
    const s = scratch(t);
    const key = path.join(s.tmp, 'key.pem');
    const cert = path.join(s.tmp, 'cert.pem');
    const made = spawnSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
      ],
      { encoding: 'utf8' },
    );
    assert.equal(made.status, 0, made.stderr);
    const port = await freePort();
    const server = `const fs = require('fs'); require('https').createServer({ key: fs.readFileSync(${JSON.stringify(key)}), cert: fs.readFileSync(${JSON.stringify(cert)}) }, (q, r) => r.end('ok')).listen(${port}, '127.0.0.1');`;
    const r = await run(s, '--ready-http', `https://127.0.0.1:${port}/`, '--wait-ready', '--until', '10', '--', NODE, '-e', server);
    assert.equal(r.json.state, 'running');
    assert.equal(r.json.ready, 'ready', r.stdout);
  },
);

test('several conditions: ready only when all hold (the log line alone is not enough)', { skip: NEEDS_LINUX }, async (t) => {
  const s = scratch(t);
  const port = await freePort();
  const go = path.join(s.tmp, 'go');
  const script = `console.log('ready'); const i = setInterval(() => { if (require('fs').existsSync(${JSON.stringify(go)})) { clearInterval(i); require('net').createServer().listen(${port}, '127.0.0.1'); } }, 20);`;
  const r = await run(s, '--no-wait', '--ready-log', '^ready$', '--ready-port', String(port), '--', NODE, '-e', script);
  const id = r.json.job_id;
  await until('the ready line', () => readIf(path.join(s.root, id, 'stdout.log')) === 'ready\n');
  const before = await cli(s, 'wait', '--until-ready', '--until', '1', id);
  assert.equal(before.json.ready, 'pending', 'the log matched but the port is not bound');

  writeFileSync(go, '');
  const w = await cli(s, 'wait', '--until-ready', '--until', '30', id);
  assert.equal(w.json.ready, 'ready', w.stdout);
  assert.match(w.json.ready_at, TS);
});

test('--ready-timeout: not ready in time → wait --until-ready returns timed_out, never before the timeout has passed', async (t) => {
  const s = scratch(t);
  // Jobs started in each quarter of a wall-clock second: a timeout counted from the whole second
  // of `started_at` would pass early for those started late in theirs.
  const trials: Promise<{ id: string; w: CliRun; age: number }>[] = [];
  for (let quarter = 0; quarter < 4; quarter++) {
    await until(`quarter ${quarter} of a second`, () => Math.floor((Date.now() % 1000) / 250) === quarter, 2000, 5);
    const id = (await run(s, '--no-wait', '--ready-log', 'never', '--ready-timeout', '1', '--', 'sleep', '30')).json.job_id;
    const started = readJson(path.join(s.root, id, 'state.json')).pid_start_time;
    trials.push(cli(s, 'wait', '--until-ready', id).then((w) => ({ id, w, age: ageMs(started) })));
  }
  for (const { id, w, age } of await Promise.all(trials)) {
    assert.equal(w.code, 0, w.stdout + w.stderr);
    assert.equal(w.json.ready, 'timed_out');
    assert.equal(w.json.state, 'running', 'without --ready-timeout-kill the job keeps running');
    assert.ok(age >= 1000, `timed_out ${age} ms after the start, before the 1 s timeout`);
    assert.equal((await statusOf(s, id)).ready, 'timed_out');
  }
});

test('--ready-timeout-kill: the job is killed when its ready timeout passes; no process is left', async (t) => {
  const s = scratch(t);
  const r = await run(s, '--no-wait', '--ready-log', 'never', '--ready-timeout', '1', '--ready-timeout-kill', '--', 'sleep', '30');
  const id = r.json.job_id;
  const w = await cli(s, 'wait', '--until-ready', id);
  assert.equal(w.json.ready, 'timed_out', w.stdout);
  assert.equal(w.json.state, 'killed', 'the waiter that killed it reports it killed');
  const st = await statusOf(s, id);
  assert.equal(st.state, 'killed');
  assert.equal(st.ready, 'timed_out');
  await allGone(id);
});

test('run --wait-ready with --ready-timeout-kill answers the killed job', async (t) => {
  const s = scratch(t);
  const r = await run(s, '--ready-log', 'never', '--ready-timeout', '1', '--ready-timeout-kill', '--wait-ready', '--', 'sleep', '30');
  assert.equal(r.json.ready, 'timed_out', r.stdout);
  assert.equal(r.json.state, 'killed');
  await allGone(r.json.job_id);
});

test('wait --until-ready: a job without a ready condition is refused; a job that exits first returns at the exit, pending', async (t) => {
  const s = scratch(t);
  const plain = await run(s, '--no-wait', '--', 'sleep', '30');
  const refused = await cli(s, 'wait', '--until-ready', plain.json.job_id);
  assert.equal(refused.code, 1);
  assert.equal(refused.json.ok, false);
  assert.equal(refused.json.error.code, 'invalid_state');
  assert.match(refused.json.error.message, /declares no ready condition/);

  const early = await run(s, '--no-wait', '--ready-log', 'never', '--', 'sh', '-c', 'echo bye; sleep 0.3; exit 3');
  const w = await cli(s, 'wait', '--until-ready', '--until', '30', early.json.job_id);
  assert.equal(w.code, 0);
  assert.equal(w.json.state, 'exited');
  assert.equal(w.json.exit_code, 3);
  assert.equal(w.json.ready, 'pending');
});

test('create --ready-* then start --wait-ready: ready; start --wait-ready on a job without a condition is refused before it starts', async (t) => {
  const s = scratch(t);
  const created = await cli(s, 'create', '--ready-log', '^up$', '--', 'sh', '-c', 'sleep 0.3; echo up; exec sleep 30');
  assert.equal(created.code, 0, created.stdout + created.stderr);
  s.killAtEnd.add(created.json.job_id);
  assert.deepEqual(readJson(path.join(s.root, created.json.job_id, 'meta.json')).ready, { log: '^up$' });
  const started = await cli(s, 'start', '--wait-ready', created.json.job_id);
  assert.equal(started.code, 0, started.stdout + started.stderr);
  assert.equal(started.json.ready, 'ready', started.stdout);
  assert.equal(started.json.stdout, 'up\n');

  const plain = await cli(s, 'create', '--', 'sleep', '30');
  const id = plain.json.job_id;
  s.killAtEnd.add(id);
  const refused = await cli(s, 'start', '--wait-ready', id);
  assert.equal(refused.code, 1);
  assert.equal(refused.json.error.code, 'invalid_state');
  assert.match(refused.json.error.message, /declares no ready condition/);
  assert.equal((await statusOf(s, id)).state, 'created', 'the refused start did not launch it');
  const startedPlain = await cli(s, 'start', '--no-wait', id);
  assert.equal(startedPlain.json.state, 'running', 'it can still be started');
});

test('bad ready and singleton values are usage errors: exit 2, empty stdout, no job', async (t) => {
  const s = scratch(t);
  const cases: string[][] = [
    ['--ready-port', '0'],
    ['--ready-port', '70000'],
    ['--ready-port', 'http'],
    ['--ready-http', 'ftp://example.com/'],
    ['--ready-http', 'not a url'],
    ['--ready-log', '('],
    ['--ready-timeout', '5'],
    ['--ready-timeout-kill'],
    ['--ready-port', '3000', '--ready-timeout', 'abc'],
    ['--ready-port', '3000', '--ready-timeout', '0'],
    ['--singleton', ''],
    ['--singleton', '  '],
    ['--wait-ready'],
    ['--wait-ready', '--singleton', 'web'],
    ['--wait-ready', '--no-wait', '--ready-log', 'up'],
  ];
  for (const flags of cases) {
    const r = await cli(s, 'run', ...flags, '--', 'true');
    assert.equal(r.code, 2, `${flags.join(' ')}: ${r.stdout}${r.stderr}`);
    assert.equal(r.stdout, '', flags.join(' '));
    assert.match(r.stderr, /^error: /, flags.join(' '));
  }
  const created = await cli(s, 'create', '--ready-timeout', '5', '--', 'true');
  assert.equal(created.code, 2);
  assert.equal(created.stdout, '');
  assert.deepEqual(jobIds(s.root), [], 'a refused command leaves no job');
});

test('agent-exec compatibility: without the new flags no ready/singleton key in meta.json, no ready/reused key in answers', async (t) => {
  const s = scratch(t);
  const r = await run(s, '--', 'sh', '-c', 'echo hi');
  const id = r.json.job_id;
  const w = await cli(s, 'wait', id);
  const st = await statusOf(s, id);
  const meta = readJson(path.join(s.root, id, 'meta.json'));
  for (const [what, obj] of Object.entries({ run: r.json, wait: w.json, status: st, meta })) {
    for (const key of ['ready', 'ready_at', 'reused', 'singleton']) assert.equal(key in obj, false, `${what} has ${key}`);
  }
  assert.equal(existsSync(path.join(s.root, id, 'ready.json')), false);
  const created = await cli(s, 'create', '--', 'true');
  assert.equal('ready' in readJson(path.join(s.root, created.json.job_id, 'meta.json')), false);
});

/** Live processes whose command line carries `marker`. */
const withMarker = (marker: string) => listProcesses().filter((p) => readCommandLine(p.pid).includes(marker));

test('--singleton: 20 racing runs from separate processes start one job; once it is killed the next run starts a new one', async (t) => {
  const s = scratch(t);
  const marker = `singleton-${process.pid}-${Date.now()}`;
  const job = [NODE, '-e', 'setInterval(() => {}, 1000)', marker];
  const runs = await Promise.all(
    Array.from({ length: 20 }, () =>
      runCli(['--root', s.root, 'run', '--singleton', 'web', '--no-wait', '--', ...job], { cwd: s.cwd, env: s.env, timeoutMs: 90_000 }),
    ),
  );
  for (const r of runs) assert.equal(r.code, 0, r.stdout + r.stderr);
  const ids = new Set(runs.map((r) => r.json.job_id as string));
  for (const id of ids) s.killAtEnd.add(id);
  assert.equal(ids.size, 1, `one job id for all: ${[...ids].join(', ')}`);
  const [id] = ids;
  assert.deepEqual(jobIds(s.root), [id], 'one job directory');
  assert.deepEqual(runs.map((r) => r.json.reused).sort(), [false, ...Array<boolean>(19).fill(true)]);
  const workloads = withMarker(marker);
  assert.equal(workloads.length, 1, `one workload process: ${JSON.stringify(workloads)}`);
  const tagged = findEnvTagged(id);
  assert.equal(
    new Set(
      listProcesses()
        .filter((p) => tagged.includes(p.pid))
        .map((p) => p.pgid),
    ).size,
    1,
    'one process group',
  );
  assert.equal(readJson(path.join(s.root, id, 'meta.json')).singleton, 'web');

  assert.equal((await cli(s, 'kill', id)).json.state, 'killed');
  const next = await run(s, '--singleton', 'web', '--no-wait', '--', ...job);
  assert.notEqual(next.json.job_id, id, 'a finished job with the key does not count');
  assert.equal(next.json.reused, false);
  const again = await run(s, '--singleton', 'web', '--no-wait', '--', 'true');
  assert.equal(again.json.job_id, next.json.job_id);
  assert.equal(again.json.reused, true);
  const other = await run(s, '--singleton', 'api', '--no-wait', '--', 'sleep', '30');
  assert.notEqual(other.json.job_id, next.json.job_id, 'another key is another job');
  assert.equal(other.json.reused, false);
});

test('--singleton with --ready-port: a reuse waits for the existing job to be ready', { skip: NEEDS_LINUX }, async (t) => {
  const s = scratch(t);
  const port = await freePort();
  const first = await run(s, '--singleton', 'dev', '--no-wait', '--ready-port', String(port), '--', ...listenLater(port, 1500));
  assert.equal(first.json.reused, false);
  assert.equal(first.json.ready, 'pending', 'looked at once, not waited for: --no-wait');
  const second = await run(s, '--singleton', 'dev', '--ready-port', String(port), '--until', '30', '--', 'sleep', '30');
  assert.equal(second.json.job_id, first.json.job_id);
  assert.equal(second.json.reused, true);
  assert.equal(second.json.ready, 'ready', second.stdout);
  assert.match(second.json.ready_at, TS);
  assert.deepEqual(jobIds(s.root), [first.json.job_id]);
});
