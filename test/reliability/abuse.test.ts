/**
 * Abuse: hostile job ids through the CLI, HTTP (serve) and the in-process ops, with a canary
 * outside the root; secrets given with --env/--env-file; the HTTP server's gate; kill requests
 * aimed at protected processes through forged records; permissions of what we create.
 */
import { after, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { deleteJob } from '../../src/core/ops/delete';
import { mapLimit } from '../../src/core/ops/scan';
import { describeKillTargets, killJob } from '../../src/core/ops/kill';
import { getStatus } from '../../src/core/ops/status';
import { setTags } from '../../src/core/ops/tagSet';
import { tailJob } from '../../src/core/ops/tail';
import { waitJob } from '../../src/core/ops/wait';
import { processStartTime, readProcStat } from '../../src/core/process/proc';
import { newJobId } from '../../src/core/store/jobId';
import { filesHoldingSecrets } from '../helpers/secrets';
import { CLI, runCli } from '../helpers/cli';
import { alive, commandLines, jobRoot, waitForRoles, writeRunningJob } from '../helpers/jobProcs';
import { tempDir } from '../helpers/tempRoot';
import { writeFakeJob } from '../helpers/fakeJobs';
import { poll, Tally } from './reliability';
import { NEEDS_LINUX } from '../helpers/platform';

const tally = new Tally('abuse');
after(() => tally.print());

/** A root with one real job, and an "outside" folder holding a canary and a job-shaped directory. */
function arena(t: TestContext) {
  const { dir, cleanup } = tempDir('ae-rel-abuse-');
  t.after(cleanup);
  const root = path.join(dir, 'root');
  const outside = path.join(dir, 'outside');
  mkdirSync(root);
  mkdirSync(outside);
  const canary = path.join(outside, 'canary.txt');
  writeFileSync(canary, 'canary\n');
  // A job-shaped directory outside the root, reachable only through a symlink inside it.
  const outsideJob = writeFakeJob(outside, { status: 'running', stdout: 'outside-secret\n' });
  const linked = newJobId();
  symlinkSync(path.join(outside, outsideJob), path.join(root, linked));
  const real = writeFakeJob(root, { status: 'exited' });
  const snapshot = () =>
    JSON.stringify(
      readdirSync(outside, { recursive: true, withFileTypes: true }).map((e) => {
        const p = path.join(e.parentPath ?? (e as any).path, e.name);
        const st = lstatSync(p);
        return [p, st.size, st.mtimeMs, st.isFile() ? readFileSync(p, 'latin1') : ''];
      }),
    );
  return { dir, root, outside, canary, linked, outsideJob, real, before: snapshot(), snapshot };
}

const HOSTILE_IDS = (a: { linked: string; outside: string; outsideJob: string }) => [
  '..',
  '.',
  '../outside',
  `../outside/${a.outsideJob}`,
  '/',
  '/etc',
  '/etc/passwd',
  a.outside,
  'a/b',
  `${a.linked}/../..`,
  'x'.repeat(10_000),
  '',
  ' ',
  '%2e%2e',
  '*',
  '-',
  a.linked,
  a.linked.slice(0, 8),
  'ab\ncd',
  'ab\0cd',
];

test('abuse: hostile ids through the in-process ops are rejected and nothing outside the root is read or written', async (t) => {
  const a = arena(t);
  const ops: [string, (id: string) => Promise<unknown>][] = [
    ['status', (id) => getStatus(a.root, id)],
    ['tail', (id) => tailJob(a.root, id)],
    ['kill', (id) => killJob(a.root, id, { graceMs: 100 })],
    ['delete', (id) => deleteJob(a.root, id)],
    ['tag set', (id) => setTags(a.root, id, ['pwned'])],
    ['wait', (id) => waitJob(a.root, id, { timeoutMs: 100 })],
  ];
  for (const id of HOSTILE_IDS(a)) {
    for (const [name, op] of ops) {
      const res = await op(id).then(
        (v) => ({ ok: true, v }),
        (e: any) => ({ ok: false, code: e?.code as string | undefined }),
      );
      assert.equal(res.ok, false, `${name} accepted ${JSON.stringify(id.slice(0, 40))}: ${JSON.stringify((res as any).v)?.slice(0, 200)}`);
      assert.ok(
        ['job_not_found', 'ambiguous_job_id', 'invalid_input'].includes((res as any).code),
        `${name} ${JSON.stringify(id.slice(0, 40))}: ${(res as any).code}`,
      );
      tally.add('ids in-process', 'inputs_tried');
    }
  }
  assert.equal(a.snapshot(), a.before, 'something outside the root changed');
  assert.equal((await getStatus(a.root, a.real)).job_id, a.real, 'the real job is still readable');
});

test('abuse: hostile ids through the CLI are rejected with an error and leave the outside untouched', async (t) => {
  const a = arena(t);
  // argv cannot carry NUL (execve): that id is covered in-process and over HTTP.
  const ids = HOSTILE_IDS(a).filter((id) => !id.includes('\0'));
  const commands = (id: string) => [
    ['status', id],
    ['tail', id],
    ['kill', '--grace', '0.1', id],
    ['delete', id],
    ['tag', 'set', '--tag', 'pwned', id],
    ['wait', '--until', '0.1', id],
  ];
  // Four CLIs at a time: a 2-core machine starting dozens of Node processes at once times them out.
  await mapLimit(ids.flatMap(commands), 4, async (argv) => {
    const r = await runCli(['--root', a.root, ...argv]);
    assert.notEqual(r.code, 0, `${argv.join(' ').slice(0, 80)} succeeded: ${r.stdout.slice(0, 200)}`);
    assert.ok(!r.stdout.includes('outside-secret') && !r.stderr.includes('outside-secret'));
    tally.add('ids CLI', 'inputs_tried');
  });
  assert.equal(a.snapshot(), a.before, 'something outside the root changed');
});

/** `agent-exec serve --port 0` with a token; resolves its URL once it listens; ended by pid. */
async function serve(t: TestContext, root: string, token: string): Promise<string> {
  const child = spawn(process.execPath, [CLI, '--root', root, 'serve', '--port', '0'], {
    env: { ...process.env, AGENT_EXEC_ROOT: '', AGENT_EXEC_SERVE_TOKEN: token },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (b) => (stderr += b));
  const exited = new Promise((r) => child.on('exit', r));
  t.after(async () => {
    process.kill(child.pid!, 'SIGTERM');
    await exited;
  });
  return poll('serve to listen', () => /listening on (http:\/\/\S+)/.exec(stderr)?.[1]);
}

test('abuse: hostile ids over HTTP, and the gate: token, Host, Origin, body size', { skip: NEEDS_LINUX }, async (t) => {
  const a = arena(t);
  const token = 'reliability-token-0123456789';
  const url = await serve(t, a.root, token);
  const auth = { authorization: `Bearer ${token}` };
  const ids = [...HOSTILE_IDS(a), '..%2f..%2fetc', '%2e%2e%2f', '..%00'];
  for (const id of ids) {
    for (const [method, route] of [
      ['GET', 'status'],
      ['GET', 'tail'],
      ['GET', 'wait'],
      ['POST', 'kill'],
    ]) {
      const enc = id.includes('%') ? id : encodeURIComponent(id);
      const res = await fetch(`${url}/${route}/${enc}${route === 'wait' ? '?timeout_ms=100' : ''}`, {
        method,
        headers: method === 'POST' ? { ...auth, 'content-type': 'application/json' } : auth,
      });
      const text = await res.text();
      assert.ok(res.status >= 400, `${method} /${route}/${enc.slice(0, 40)} answered ${res.status}: ${text.slice(0, 200)}`);
      assert.ok(!text.includes('outside-secret'));
      tally.add('ids HTTP', 'inputs_tried');
    }
  }
  assert.equal(a.snapshot(), a.before, 'something outside the root changed');

  const status = async (route: string, init: RequestInit) => (await fetch(url + route, init)).status;
  const exec = JSON.stringify({ command: ['true'] });
  const gate: [string, RequestInit, number][] = [
    ['no token', { method: 'GET' }, 401],
    ['wrong token', { method: 'GET', headers: { authorization: `Bearer ${token}x` } }, 401],
    ['no token, POST /exec', { method: 'POST', body: exec, headers: { 'content-type': 'application/json' } }, 401],
    ['foreign Origin', { method: 'GET', headers: { ...auth, origin: 'http://evil.example' } }, 403],
    ['null Origin', { method: 'GET', headers: { ...auth, origin: 'null' } }, 403],
  ];
  for (const [what, init, expected] of gate) {
    assert.equal(await status('/list', init), expected, what);
    tally.add('HTTP gate', 'inputs_tried');
  }
  // A POST that is not declared JSON is what a page elsewhere can send without a preflight.
  for (const type of ['text/plain', 'application/x-www-form-urlencoded']) {
    assert.equal(await status('/exec', { method: 'POST', body: exec, headers: { ...auth, 'content-type': type } }), 415, type);
    tally.add('HTTP gate', 'inputs_tried');
  }
  // Host cannot be set through fetch: a raw request with a rebinding Host.
  const { request } = await import('node:http');
  const u = new URL(url);
  for (const host of ['evil.example', `evil.example:${u.port}`, `10.0.0.1:${u.port}`]) {
    const code = await new Promise<number>((resolve, reject) => {
      const req = request({ host: u.hostname, port: u.port, path: '/list', headers: { ...auth, host } }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on('error', reject);
      req.end();
    });
    assert.ok(code === 403 || code === 421 || code === 400, `Host ${host}: ${code}`);
    tally.add('HTTP gate', 'inputs_tried');
  }
  // The server answers 413 and closes while the body is still coming: read the status, ignore the reset.
  const body = JSON.stringify({ command: ['true'], pad: 'x'.repeat(1024 * 1024 + 1) });
  for (const chunked of [false, true]) {
    const code = await new Promise<number>((resolve, reject) => {
      const headers = {
        ...auth,
        'content-type': 'application/json',
        ...(chunked ? {} : { 'content-length': String(Buffer.byteLength(body)) }),
      };
      const req = request({ host: u.hostname, port: u.port, path: '/exec', method: 'POST', headers }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on('error', (e) => setTimeout(() => reject(e), 2_000));
      req.end(body);
    });
    assert.equal(code, 413, `oversized body (${chunked ? 'chunked' : 'content-length'})`);
    tally.add('HTTP gate', 'inputs_tried');
  }
  assert.deepEqual(readdirSync(a.root).sort(), [a.linked, a.real].sort(), 'no job was created by a refused request');
});

test(
  'abuse: secrets from --env and --env-file appear in no argv, no record of ours, no completion event',
  { skip: NEEDS_LINUX },
  async (t) => {
    const { root, run, cli } = jobRoot(t, 'ae-rel-secret-');
    const v1 = `s3cret-env-${process.pid}-${Date.now()}`;
    const v2 = `s3cret-file-${process.pid}-${Date.now()}`;
    const envFile = path.join(root, '..', `secrets-${process.pid}.env`);
    writeFileSync(envFile, `FILE_SECRET=${v2}\n`);
    t.after(() => writeFileSync(envFile, ''));
    const events = path.join(path.dirname(root), `events-${process.pid}.ndjson`);
    const job = await run(['sh', '-c', 'echo "root $$" >> "$FIXTURE_PIDS"; echo started; while :; do sleep 1; done'], {}, [
      '--env',
      `API_SECRET=${v1}`,
      '--mask',
      'API_SECRET',
      '--env-file',
      envFile,
      '--mask',
      'FILE_SECRET',
      '--notify-file',
      events,
    ]);
    await waitForRoles(job, ['root']);
    const environ = readFileSync(`/proc/${job.pid}/environ`, 'latin1').split('\0');
    assert.ok(environ.includes(`API_SECRET=${v1}`) && environ.includes(`FILE_SECRET=${v2}`), 'the workload gets the real values');
    const processes = commandLines();
    const scanned = processes.length;
    for (const { pid, cmdline } of processes)
      assert.ok(!cmdline.includes(v1) && !cmdline.includes(v2), `a secret is in the argv of pid ${pid}`);
    const outputs = [
      await cli('status', job.jobId),
      await cli('list'),
      await cli('tail', job.jobId),
      await cli('kill', job.jobId),
      await cli('wait', job.jobId),
    ];
    await poll('completion event', () => readFileSync(events, 'utf8').includes('job.finished'));
    for (const r of outputs)
      assert.ok(!r.stdout.includes(v1) && !r.stdout.includes(v2), `a secret in CLI output: ${r.stdout.slice(0, 300)}`);
    const eventsText = readFileSync(events, 'latin1');
    assert.ok(!eventsText.includes(v1) && !eventsText.includes(v2), 'a secret in the events file');
    const jobDir = path.join(root, job.jobId);
    assert.deepEqual(filesHoldingSecrets(jobDir, [v1, v2]), [], 'a secret in a job file');
    const files = [events, ...readdirSync(jobDir)];
    const meta = JSON.parse(readFileSync(path.join(root, job.jobId, 'meta.json'), 'utf8'));
    assert.ok(JSON.stringify(meta).includes('API_SECRET'), 'the key is recorded, masked');
    tally.add('secrets', 'processes_scanned', scanned);
    tally.add('secrets', 'files_scanned', files.length);
  },
);

test(
  'abuse: kill through forged records aimed at pid 1, this process and its ancestors signals nothing',
  { skip: NEEDS_LINUX },
  async (t) => {
    const { dir, cleanup } = tempDir('ae-rel-protect-');
    t.after(cleanup);
    const protectedPids: number[] = [1, process.pid];
    for (let p = process.ppid; p > 1; p = readProcStat(p)?.ppid ?? 0) protectedPids.push(p);
    for (const pid of protectedPids) {
      const startTime = processStartTime(pid);
      for (const legacy of [false, true]) {
        const id = newJobId();
        await writeRunningJob(dir, id, pid, { legacy });
        // Look before signalling: a forged record must not name any process as a target.
        const d = await describeKillTargets(dir, id);
        assert.deepEqual(
          d.targets.map((x) => `${x.pid} ${x.reason}`),
          [],
          `forged record for pid ${pid} (legacy ${legacy}) would signal these`,
        );
        const r = await killJob(dir, id, { signal: 'KILL', graceMs: 100 });
        assert.deepEqual(r.signalled, [], `pid ${pid}`);
        assert.ok(alive(pid, startTime), `protected pid ${pid} died`);
        tally.add('protected pids', 'inputs_tried');
      }
    }
  },
);

test('abuse: job directories are 0700, records and logs 0600 (not readable by other users)', { skip: NEEDS_LINUX }, async (t) => {
  const { root, cli } = jobRoot(t, 'ae-rel-perm-');
  // Every kind of file a job directory holds: records, env file, stdin, logs, events.
  const r = await cli(
    'run',
    '--env',
    'K=v',
    '--stdin',
    'in',
    '--output-pattern',
    'out',
    '--notify-command',
    'true',
    '--',
    'sh',
    '-c',
    'cat; echo out; echo err >&2',
  );
  assert.equal(r.code, 0, r.stderr);
  const dir = path.join(root, r.json.job_id);
  const has = (f: string) => existsSync(path.join(dir, f));
  await poll(
    'job finished, events written',
    () =>
      JSON.parse(readFileSync(path.join(dir, 'state.json'), 'utf8')).job.status === 'exited' &&
      has('notification_events.ndjson') &&
      has('completion_event.json') &&
      readFileSync(path.join(dir, 'completion_event.json'), 'utf8').includes('"sink_type"'),
  );
  for (const f of ['stdin.bin', 'stdout.log', 'stderr.log', 'full.log', 'notification_events.ndjson', 'completion_event.json'])
    assert.ok(has(f), f);
  assert.equal(statSync(dir).mode & 0o777, 0o700, 'job directory mode');
  // Records, env files and logs (the workload's output may hold secrets) are all 0600.
  for (const f of readdirSync(dir)) {
    const mode = statSync(path.join(dir, f)).mode & 0o777;
    assert.equal(mode, 0o600, `${f} is ${mode.toString(8)}`);
    tally.add('permissions', 'files_checked');
  }
});

// Known weakness (documented, not fixed): a forged record that names an unrelated live process
// WITH its true start time is taken as the job's workload — whoever can write the job root can
// already run commands through a job's notify command, so the record is trusted. Recorded here
// with a process this test owns, ended by pid.
test(
  'abuse: a forged record naming an unrelated process with its true start time (recorded, not asserted)',
  { skip: NEEDS_LINUX },
  async (t) => {
    const { dir, cleanup } = tempDir('ae-rel-forged-');
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1 << 30)'], { detached: true, stdio: 'ignore' });
    child.unref();
    t.after(() => {
      if (alive(child.pid!)) process.kill(child.pid!, 'SIGKILL');
      cleanup();
    });
    const id = newJobId();
    await writeRunningJob(dir, id, child.pid!);
    const d = await describeKillTargets(dir, id);
    const targeted = d.targets.some((x) => x.pid === child.pid);
    process.stdout.write(
      `# reliability abuse: forged record with a true start time: unrelated process ${targeted ? 'WOULD be signalled (weakness)' : 'refused'}\n`,
    );
    tally.add('forged unrelated process', targeted ? 'would_signal' : 'refused');
  },
);
