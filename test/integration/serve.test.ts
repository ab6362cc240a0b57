/**
 * `agent-exec serve` over real HTTP on 127.0.0.1 (agent-exec-compat.md §6 and its fixes): the built CLI is
 * started as a server on a free port, requests come from this test's fetch, and the server is
 * ended by pid (SIGTERM, clean exit, nothing on stdout). Jobs started through /exec are swept
 * at the end: no process carrying their AGENT_EXEC_JOB_ID may be left.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { CLI, runCli } from '../helpers/cli';
import { findEnvTagged, readProcStat } from '../../src/core/process/proc';
import { jobIds, readJson, scratch, until, type Scratch } from './runHelpers';
import { PROCS, waitForRoles } from '../helpers/jobProcs';
import { NEEDS_LINUX } from '../helpers/platform';

const TOKEN = 'test-token-1234';

interface Server {
  url: string;
  pid: number;
  /** The Authorization header every request sends unless told otherwise (none with --no-auth). */
  auth: Record<string, string>;
  stderr: () => string;
  /** Ends the server by pid (SIGTERM by default) and checks it exited 0 with nothing on stdout. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts `agent-exec serve --port 0` and waits (bounded) for its "listening on" line. */
async function startServe(t: TestContext, s: Scratch, args: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<Server> {
  const child = spawn(process.execPath, [CLI, '--root', s.root, 'serve', '--port', '0', ...args], {
    cwd: s.cwd,
    env: { ...process.env, AGENT_EXEC_ROOT: '', XDG_DATA_HOME: '', AGENT_EXEC_SERVE_TOKEN: '', ...s.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b) => (stdout += b));
  child.stderr.on('data', (b) => (stderr += b));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let stopped = false;
  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (stopped) return;
    stopped = true;
    process.kill(child.pid!, signal);
    const code = await Promise.race([exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 10_000))]);
    if (code === 'timeout') process.kill(child.pid!, 'SIGKILL');
    assert.equal(code, 0, `serve exit (stderr: ${stderr})`);
    assert.equal(stdout, '', 'serve prints nothing on stdout');
  };
  t.after(() => stop());
  const url = await until('serve to listen', () => /listening on (http:\/\/\S+)/.exec(stderr)?.[1], 10_000);
  const tokenFile = /token in (\S+) /.exec(stderr)?.[1];
  const token = tokenFile ? readFileSync(tokenFile, 'utf8').trim() : (env.AGENT_EXEC_SERVE_TOKEN ?? '');
  const auth: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  return { url, pid: child.pid!, auth, stderr: () => stderr, stop };
}

/** A request with the server's token and, on POST, `content-type: application/json` (both overridable; `bare` sends neither). */
async function call(
  server: Server,
  method: string,
  route: string,
  init: { body?: string; headers?: Record<string, string>; bare?: boolean } = {},
) {
  const defaults = init.bare ? {} : { ...server.auth, ...(method === 'POST' ? { 'content-type': 'application/json' } : {}) };
  const res = await fetch(server.url + route, { method, body: init.body, headers: { ...defaults, ...init.headers } });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: text ? JSON.parse(text) : undefined };
}

const exec = (server: Server, body: object, headers: Record<string, string> = {}) =>
  call(server, 'POST', '/exec', { body: JSON.stringify(body), headers });

function errorOf(r: { json: any }) {
  assert.equal(r.json.ok, false);
  assert.equal(r.json.type, 'error');
  assert.equal(r.json.error.retryable, false);
  return r.json.error as { code: string; message: string; details?: any };
}

/** A raw request with headers fetch will not let us forge (Host). */
function rawGet(url: string, route: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path: route, method: 'GET', headers }, (res) => {
      let body = '';
      res.on('data', (b) => (body += b));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function freePort(): Promise<{ port: number; close: () => void }> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return { port: (srv.address() as { port: number }).port, close: () => srv.close() };
}

test('start-up guards print their envelope as JSON (even with --yaml) and exit 1', async (t) => {
  const s = scratch(t);
  const env = { ...s.env, AGENT_EXEC_SERVE_TOKEN: '' };
  const unsafe = await runCli(['--root', s.root, '--yaml', 'serve', '--bind', '0.0.0.0:0'], { env });
  assert.equal(unsafe.code, 1);
  assert.equal(
    unsafe.stdout,
    '{"schema_version":"0.1","ok":false,"type":"error","error":{"code":"serve_unsafe_bind","message":"refusing to bind to non-loopback address 0.0.0.0:0 without --insecure","retryable":false}}\n',
  );
  assert.equal(unsafe.stderr, 'Error: non-loopback bind address 0.0.0.0:0 requires --insecure flag\n');

  const noToken = await runCli(['--root', s.root, 'serve', '--bind', '[::]:0', '--insecure'], { env });
  assert.equal(noToken.code, 1);
  assert.equal(noToken.json.error.code, 'serve_unsafe_bind');
  assert.equal(noToken.json.error.message, 'refusing to bind to non-loopback address [::]:0 without AGENT_EXEC_SERVE_TOKEN');

  const wildcard = await runCli(['--root', s.root, 'serve', '--allow-origin', '*'], { env });
  assert.equal(wildcard.code, 1);
  assert.equal(
    wildcard.stdout,
    '{"schema_version":"0.1","ok":false,"type":"error","error":{"code":"invalid_config","message":"wildcard \'*\' origin is not allowed","retryable":false}}\n',
  );

  const badBind = await runCli(['--root', s.root, 'serve', '--bind', 'localhost:80'], { env });
  assert.equal(badBind.code, 1);
  assert.deepEqual(badBind.json.error, {
    code: 'internal_error',
    message: "invalid bind address 'localhost:80': invalid socket address syntax",
    retryable: false,
  });

  const badOrigin = await runCli(['--root', s.root, 'serve', '--port', '0', '--allow-origin', 'http://x/y'], { env });
  assert.equal(badOrigin.code, 1);
  assert.equal(badOrigin.json.error.code, 'internal_error');

  const taken = await freePort();
  try {
    const inUse = await runCli(['--root', s.root, 'serve', '--port', String(taken.port)], { env });
    assert.equal(inUse.code, 1);
    assert.equal(inUse.json.error.code, 'internal_error');
    assert.match(inUse.json.error.message, new RegExp(`^cannot bind 127\\.0\\.0\\.1:${taken.port}: `));
  } finally {
    taken.close();
  }

  const both = await runCli(['--root', s.root, 'serve', '--port', '1', '--bind', '127.0.0.1:2'], { env });
  assert.equal(both.code, 2);
  assert.equal(both.stdout, '');
});

test('routes: health, exec, status, tail (bounded by query), wait, list; agent-exec envelopes', { skip: NEEDS_LINUX }, async (t) => {
  const s = scratch(t);
  const server = await startServe(t, s);

  const health = await call(server, 'GET', '/health');
  assert.equal(health.status, 200);
  assert.equal(health.text, '{"schema_version":"0.1","ok":true,"type":"health"}');

  const run = await exec(server, {
    command: ['sh', '-c', 'printf "l1\\nl2\\nl3\\n"; echo err >&2'],
    env: { SECRET_X: 's3cr3t' },
    until: 5,
  });
  assert.equal(run.status, 200, run.text);
  assert.equal(run.json.type, 'run');
  const id: string = run.json.job_id;
  assert.deepEqual(run.json.tags, []);
  assert.equal('env_vars' in run.json, false, '/exec answers never list env_vars');
  assert.equal(run.json.stdout_log_path, path.join(s.root, id, 'stdout.log'));
  const meta = readJson(path.join(s.root, id, 'meta.json'));
  assert.equal(meta.owner, 'agent:http');
  assert.deepEqual(meta.env_vars, ['SECRET_X=***'], 'env values given to /exec are not stored in clear');
  assert.equal(meta.cwd, s.cwd, "default cwd is the server's");

  const waited = await call(server, 'GET', `/wait/${id}?until=10`);
  assert.equal(waited.status, 200);
  assert.deepEqual(
    { type: waited.json.type, state: waited.json.state, exit_code: waited.json.exit_code, out: waited.json.stdout_total_bytes },
    { type: 'wait', state: 'exited', exit_code: 0, out: 9 },
  );

  const status = await call(server, 'GET', `/status/${id.slice(0, 10)}`);
  assert.equal(status.status, 200);
  assert.deepEqual(Object.keys(status.json), [
    'schema_version',
    'ok',
    'type',
    'job_id',
    'state',
    'exit_code',
    'created_at',
    'started_at',
    'finished_at',
  ]);
  assert.equal(status.json.job_id, id);

  const tail = await call(server, 'GET', `/tail/${id}`);
  assert.equal(tail.status, 200);
  assert.equal(tail.json.type, 'tail');
  assert.equal(tail.json.stdout, 'l1\nl2\nl3\n');
  assert.equal(tail.json.stderr, 'err\n');
  const tail1 = await call(server, 'GET', `/tail/${id}?tail_lines=1`);
  assert.equal(tail1.json.stdout, 'l3\n');
  assert.deepEqual(tail1.json.stdout_range, [6, 9]);
  const tailBytes = await call(server, 'GET', `/tail/${id}?tail_lines=0&max_bytes=4`);
  assert.equal(tailBytes.json.stdout, '\nl3\n');
  assert.deepEqual(tailBytes.json.stdout_range, [5, 9]);

  const list = await call(server, 'GET', '/list?state=exited');
  assert.equal(list.status, 200);
  assert.equal(list.json.type, 'list');
  assert.deepEqual(
    list.json.jobs.map((j: { job_id: string }) => j.job_id),
    [id],
  );

  const timeout = await exec(server, { command: ['sleep 30'], timeout: 0.5, wait: false });
  assert.equal(timeout.status, 200, timeout.text);
  assert.equal(timeout.json.waited_ms, 0);
  assert.equal(
    readJson(path.join(s.root, timeout.json.job_id, 'meta.json')).timeout_ms,
    1000,
    'fractional seconds round up to whole seconds',
  );
  const timedOut = await call(server, 'GET', `/wait/${timeout.json.job_id}?until=20`);
  assert.equal(timedOut.json.state, 'killed');
});

test(
  'errors map to §6 statuses with envelopes; unknown routes 404 and wrong methods 405 with empty bodies',
  { skip: NEEDS_LINUX },
  async (t) => {
    const s = scratch(t);
    const server = await startServe(t, s);
    const missing = '0123456789abcdef0123456789abcdef';

    const notFound = await call(server, 'GET', `/status/${missing}`);
    assert.equal(notFound.status, 404);
    assert.deepEqual(errorOf(notFound), { code: 'job_not_found', message: `job not found: ${missing}`, retryable: false });
    // Ids are validated before they touch the file system: nothing outside the root is reachable.
    // Raw requests: fetch would resolve the dot segments itself.
    const host = { host: new URL(server.url).host };
    for (const sneaky of ['..%2F..%2Fetc', 'a%00b', '%2F']) {
      const r = await rawGet(server.url, `/status/${sneaky}`, { ...host, ...server.auth });
      assert.equal(r.status, 404, sneaky);
      assert.equal(errorOf({ json: JSON.parse(r.body) }).code, 'job_not_found', sneaky);
    }
    // Dot segments are resolved as URLs are: /status/.. is /, which is no route.
    for (const dots of ['..', '%2E%2E']) assert.deepEqual(await rawGet(server.url, `/status/${dots}`, host), { status: 404, body: '' });
    assert.equal((await call(server, 'GET', '/status/%E0%A4%A')).status, 400);

    const created = await runCli(['--root', s.root, 'create', '--', 'true'], { cwd: s.cwd, env: s.env });
    const a: string = created.json.job_id;
    // Two job directories sharing a prefix (only their meta.json presence matters for lookup).
    const twins = ['abcdef00000000000000000000000001', 'abcdef00000000000000000000000002'];
    for (const twin of twins) {
      mkdirSync(path.join(s.root, twin));
      writeFileSync(path.join(s.root, twin, 'meta.json'), '{}');
    }
    const ambiguous = await call(server, 'GET', '/status/abcdef');
    assert.equal(ambiguous.status, 400);
    assert.equal(errorOf(ambiguous).code, 'ambiguous_job_id');
    assert.deepEqual(ambiguous.json.error.details, { candidates: twins, truncated: false });
    const killCreated = await call(server, 'POST', `/kill/${a}?force=true`);
    assert.equal(killCreated.status, 400);
    assert.equal(errorOf(killCreated).code, 'invalid_state');
    const badSignal = await call(server, 'POST', `/kill/${a}?signal=STOP&force=true`);
    assert.equal(badSignal.status, 400);
    assert.equal(errorOf(badSignal).code, 'invalid_signal');

    const bodies: [string | undefined, string | RegExp][] = [
      [undefined, 'request body is required'],
      ['{"command":', /^invalid JSON: /],
      [
        '{"command":["true"],"timeout_ms":5}',
        'invalid JSON: unknown field `timeout_ms`, expected one of `command`, `cwd`, `env`, `timeout`, `wait`, `until`, `max_bytes`, `owner`, ' +
          '`ready_port`, `ready_http`, `ready_log`, `ready_timeout`, `ready_timeout_kill`, `wait_ready`, `singleton`, ' +
          '`stdin_pipe`, `input_prompt`, `stall_after`, `stall_kill`',
      ],
      ['{"command":["true"],"stall_after":0,"stall_kill":true}', 'stall_kill needs a stall watch: stall_after must be above 0'],
      ['{"command":["true"],"ready_http":"localhost:3000"}', 'invalid ready_http: expected an http:// or https:// URL'],
      [
        '{"command":["true"],"ready_port":70000}',
        'invalid JSON: field `ready_port`: invalid value: integer `70000`, expected at most 65535',
      ],
      ['{"command":["true"],"wait_ready":true}', 'wait_ready needs a ready condition: give ready_port, ready_http or ready_log'],
      ['{"command":["true"],"singleton":""}', 'invalid singleton: expected a non-empty key'],
      ['{"command":[]}', 'command field is required and must be non-empty'],
      ['{"cwd":"/"}', 'command field is required and must be non-empty'],
      ['{"command":"true"}', 'invalid JSON: field `command`: invalid type: string "true", expected a sequence of strings'],
      ['{"command":["true"],"until":601}', 'invalid JSON: field `until`: invalid value: integer `601`, expected at most 600'],
      ['[1]', 'invalid JSON: invalid type: sequence, expected an object'],
    ];
    for (const [body, message] of bodies) {
      const r = await call(server, 'POST', '/exec', { body });
      assert.equal(r.status, 400, `${body}: ${r.text}`);
      const e = errorOf(r);
      assert.equal(e.code, 'invalid_request');
      if (typeof message === 'string') assert.equal(e.message, message);
      else assert.match(e.message, message);
    }

    const big = await call(server, 'POST', '/exec', { body: JSON.stringify({ command: ['true'], cwd: 'x'.repeat(1024 * 1024) }) });
    assert.equal(big.status, 413);
    assert.deepEqual(errorOf(big), { code: 'invalid_request', message: 'request body exceeds 1048576 bytes', retryable: false });

    for (const [route, q] of [
      ['wait', 'until=601'],
      ['wait', 'until=-1'],
      ['tail', 'tail_lines=x'],
      ['tail', 'max_bytes=1.5'],
    ]) {
      const r = await call(server, 'GET', `/${route}/${a}?${q}`);
      assert.equal(r.status, 400, `${route}?${q}`);
      assert.equal(errorOf(r).code, 'invalid_request');
    }
    assert.equal((await call(server, 'POST', `/kill/${a}?no_wait=maybe`)).status, 400);
    assert.equal((await call(server, 'GET', `/wait/${a}?until_ready=yes`)).status, 400);
    const notDeclared = await call(server, 'GET', `/wait/${a}?until_ready=true`);
    assert.equal(notDeclared.status, 400);
    assert.equal(errorOf(notDeclared).code, 'invalid_state');
    assert.equal((await call(server, 'POST', `/kill/${a}?force=yes`)).status, 400);
    assert.equal((await call(server, 'GET', '/list?state=sleeping')).status, 400);

    const unknown = await call(server, 'GET', '/nope');
    assert.deepEqual([unknown.status, unknown.text], [404, '']);
    const trailing = await call(server, 'GET', '/status/');
    assert.equal(trailing.status, 404);
    const wrongMethod = await call(server, 'GET', '/exec');
    assert.deepEqual([wrongMethod.status, wrongMethod.text, wrongMethod.headers.get('allow')], [405, '', 'POST']);
  },
);

test(
  '/exec with ready_log and wait_ready answers once the line is written; a singleton is reused; /wait?until_ready=true; /list shows ready',
  { skip: NEEDS_LINUX },
  async (t) => {
    const s = scratch(t);
    const server = await startServe(t, s);
    const run = await exec(server, {
      command: ['echo booting; sleep 1; echo listening; exec sleep 300'],
      ready_log: '^listening$',
      wait_ready: true,
      singleton: 'api',
      until: 60,
    });
    assert.equal(run.status, 200, run.text);
    const id: string = run.json.job_id;
    s.killAtEnd.add(id);
    // Not at the first output ("booting"): at the ready line.
    assert.deepEqual(
      [run.json.state, run.json.stdout, run.json.ready, run.json.reused],
      ['running', 'booting\nlistening\n', 'ready', false],
    );
    assert.deepEqual(readJson(path.join(s.root, id, 'meta.json')).ready, { log: '^listening$' });

    const reused = await exec(server, { command: ['true'], singleton: 'api', ready_log: 'x' });
    assert.equal(reused.status, 200, reused.text);
    assert.deepEqual([reused.json.job_id, reused.json.ready, reused.json.reused], [id, 'ready', true]);
    assert.deepEqual(jobIds(s.root), [id]);

    const later = await exec(server, { command: ['sleep 1; echo ok; exec sleep 300'], ready_log: 'ok', ready_timeout: 120, wait: false });
    assert.equal(later.status, 200, later.text);
    const laterId: string = later.json.job_id;
    s.killAtEnd.add(laterId);
    assert.equal(later.json.ready, 'pending');
    assert.deepEqual(readJson(path.join(s.root, laterId, 'meta.json')).ready, { log: 'ok', timeout_ms: 120_000 });
    const waited = await call(server, 'GET', `/wait/${laterId}?until_ready=true&until=60`);
    assert.equal(waited.status, 200, waited.text);
    assert.deepEqual([waited.json.state, waited.json.ready, waited.json.stdout_total_bytes], ['running', 'ready', 3]);

    const list = await call(server, 'GET', '/list?state=running');
    assert.deepEqual(
      list.json.jobs.map((j: Record<string, unknown>) => [j.job_id, j.ready, 'ports' in j]).sort(),
      [
        [id, 'ready', false],
        [laterId, 'ready', false],
      ].sort(),
    );
    for (const job of [id, laterId]) {
      const killed = await call(server, 'POST', `/kill/${job}`);
      assert.equal(killed.json.state, 'killed', killed.text);
      assert.deepEqual(findEnvTagged(job), []);
    }
  },
);

test('a job started via /exec is killed via /kill: processes gone, supervisor reaped (no zombie)', { skip: NEEDS_LINUX }, async (t) => {
  const s = scratch(t);
  const server = await startServe(t, s);
  const run = await exec(server, { command: ['sh', '-c', 'sleep 300 & sleep 300; wait'], wait: false });
  assert.equal(run.status, 200, run.text);
  const id: string = run.json.job_id;
  const st = readJson(path.join(s.root, id, 'state.json'));
  assert.equal(readProcStat(st.supervisor_pid)?.ppid, server.pid, 'the supervisor is a child of the server');
  await until('both sleeps to start', () => findEnvTagged(id).length >= 3);

  const kill = await call(server, 'POST', `/kill/${id}`);
  assert.equal(kill.status, 200, kill.text);
  assert.equal(kill.json.type, 'kill');
  assert.equal(kill.json.signal, 'TERM');
  assert.equal(kill.json.state, 'killed');
  assert.deepEqual(kill.json.survivors, []);
  assert.deepEqual(findEnvTagged(id), [], 'no process of the job is left');
  // Once it has recorded the exit the supervisor ends, and the server reaps it: no zombie child.
  await until('the supervisor to be reaped', () => readProcStat(st.supervisor_pid) === undefined, 10_000);

  const again = await call(server, 'POST', `/kill/${id}?no_wait=true`);
  assert.equal(again.status, 200);
  assert.deepEqual(Object.keys(again.json), ['schema_version', 'ok', 'type', 'job_id', 'signal']);

  const status = await call(server, 'GET', `/status/${id}`);
  assert.equal(status.json.state, 'killed');
});

test('SIGINT ends the server cleanly too', { skip: NEEDS_LINUX }, async (t) => {
  const s = scratch(t);
  const server = await startServe(t, s);
  assert.equal((await call(server, 'GET', '/health')).status, 200);
  await server.stop('SIGINT');
});

test(
  '/wait is bounded: it answers with the current state at the deadline; shutdown ends pending waits',
  { skip: NEEDS_LINUX },
  async (t) => {
    const s = scratch(t);
    const server = await startServe(t, s);
    const run = await exec(server, { command: ['sleep', '300'], wait: false });
    const id: string = run.json.job_id;
    s.killAtEnd.add(id);
    const t0 = Date.now();
    const waited = await call(server, 'GET', `/wait/${id}?until=0.3`);
    assert.equal(waited.status, 200);
    assert.equal(waited.json.state, 'running');
    assert.ok(Date.now() - t0 < 5_000);

    const pending = fetch(`${server.url}/wait/${id}?until=600`, { headers: server.auth }).then(
      (r) => r.json(),
      (err: Error) => err,
    );
    await new Promise((r) => setTimeout(r, 200));
    const stopAt = Date.now();
    await server.stop();
    assert.ok(Date.now() - stopAt < 5_000, 'SIGTERM ends the server without waiting for the 600 s wait');
    const answer = await pending;
    if (!(answer instanceof Error)) assert.equal((answer as { state: string }).state, 'running');
    // The job outlives the server (detached), as a job started by the CLI would.
    assert.equal(readJson(path.join(s.root, id, 'state.json')).job.status, 'running');
  },
);

test('with AGENT_EXEC_SERVE_TOKEN every route but /health needs the Bearer token', { skip: NEEDS_LINUX }, async (t) => {
  const s = scratch(t);
  const server = await startServe(t, s, [], { AGENT_EXEC_SERVE_TOKEN: TOKEN });
  const missing = '0123456789abcdef0123456789abcdef';
  assert.equal((await call(server, 'GET', '/health')).status, 200);
  const unauthorized = { code: 'unauthorized', message: 'missing or invalid Bearer token', retryable: false };
  for (const [method, route] of [
    ['GET', `/status/${missing}`],
    ['GET', `/tail/${missing}`],
    ['GET', `/wait/${missing}`],
    ['GET', '/list'],
    ['POST', `/kill/${missing}`],
    ['POST', '/exec'],
    ['POST', `/send-input/${missing}`],
    ['POST', `/rerun/${missing}`],
  ]) {
    const wrong: Record<string, string>[] = [
      {},
      { authorization: `Bearer ${TOKEN}x` },
      { authorization: `bearer ${TOKEN}` },
      { authorization: TOKEN },
    ];
    for (const headers of wrong) {
      const r = await call(server, method, route, { headers, bare: true });
      assert.equal(r.status, 401, `${method} ${route} ${JSON.stringify(headers)}`);
      assert.deepEqual(errorOf(r), unauthorized);
    }
  }
  const authed = await call(server, 'GET', `/status/${missing}`, { headers: { authorization: `Bearer ${TOKEN}` } });
  assert.equal(authed.status, 404);
  const run = await exec(server, { command: ['echo "${AGENT_EXEC_SERVE_TOKEN-unset}"'] }, { authorization: `Bearer ${TOKEN}` });
  assert.equal(run.status, 200, run.text);
  assert.equal(run.json.state, 'exited');
  assert.equal(run.json.stdout, 'unset\n', 'jobs do not inherit the server token');
});

test('browser origins: only the server itself and --allow-origin; loopback Host only (DNS rebinding)', { skip: NEEDS_LINUX }, async (t) => {
  const s = scratch(t);
  const allowed = 'http://localhost:5173';
  const server = await startServe(t, s, ['--allow-origin', allowed]);
  const port = new URL(server.url).port;

  for (const origin of ['http://evil.example', 'http://localhost:3000', 'null']) {
    const r = await call(server, 'POST', '/exec', {
      body: '{"command":["touch","pwned"]}',
      headers: { origin, 'content-type': 'text/plain' },
    });
    assert.equal(r.status, 403, origin);
    assert.equal(errorOf(r).code, 'unauthorized');
  }
  const own = await call(server, 'GET', '/health', { headers: { origin: `http://127.0.0.1:${port}` } });
  assert.equal(own.status, 200);
  assert.equal(own.headers.get('access-control-allow-origin'), null);
  // Only the exact host and port listened on is the server's own origin.
  for (const origin of [`http://localhost:${port}`, `http://127.0.0.2:${port}`, `https://127.0.0.1:${port}`, `http://[::1]:${port}`]) {
    assert.equal((await call(server, 'GET', '/health', { headers: { origin } })).status, 403, origin);
  }

  const cors = await call(server, 'GET', '/health', { headers: { origin: allowed } });
  assert.equal(cors.status, 200);
  assert.equal(cors.headers.get('access-control-allow-origin'), allowed);
  const preflight = await call(server, 'OPTIONS', '/exec', { headers: { origin: allowed, 'access-control-request-method': 'POST' } });
  assert.equal(preflight.status, 204);
  assert.equal(preflight.headers.get('access-control-allow-methods'), 'GET,POST,OPTIONS');
  assert.equal(preflight.headers.get('access-control-allow-headers'), 'authorization,content-type');

  const rebound = await rawGet(server.url, '/health', { host: `attacker.example:${port}` });
  assert.equal(rebound.status, 403);
  assert.equal((await rawGet(server.url, '/health', { host: `localhost:${port}` })).status, 200);
  assert.equal((await rawGet(server.url, '/health', { host: `[::1]:${port}` })).status, 200);
});

test(
  'without AGENT_EXEC_SERVE_TOKEN a token is made: 0600 file beside the root, named on stderr, never printed; reused on restart',
  { skip: NEEDS_LINUX },
  async (t) => {
    const s = scratch(t);
    const server = await startServe(t, s);
    const file = path.join(path.dirname(s.root), 'serve-token');
    assert.match(server.stderr(), new RegExp(`token in ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} `));
    const token = readFileSync(file, 'utf8').trim();
    assert.match(token, /^[0-9a-f]{64}$/);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.ok(!server.stderr().includes(token), 'the token itself is never printed');

    assert.equal((await call(server, 'GET', '/health', { bare: true })).status, 200, '/health stays open');
    const open = await call(server, 'POST', '/exec', {
      body: '{"command":["touch","pwned"]}',
      headers: { 'content-type': 'application/json' },
      bare: true,
    });
    assert.equal(open.status, 401);
    assert.equal(errorOf(open).code, 'unauthorized');
    assert.equal((await call(server, 'GET', '/list', { bare: true })).status, 401);
    const authed = await call(server, 'GET', '/list', { headers: { authorization: `Bearer ${token}` }, bare: true });
    assert.equal(authed.status, 200);
    await server.stop();

    const again = await startServe(t, s);
    assert.equal(again.auth.authorization, `Bearer ${token}`, 'a restarted server keeps the token in the file');
    assert.equal((await call(again, 'GET', '/list')).status, 200);
    await again.stop();

    // A token file others may read is refused, not used.
    chmodSync(file, 0o644);
    const loose = await runCli(['--root', s.root, 'serve', '--port', '0'], { env: { ...s.env, AGENT_EXEC_SERVE_TOKEN: '' } });
    assert.equal(loose.code, 1);
    assert.equal(loose.json.error.code, 'invalid_config');
    assert.match(loose.json.error.message, /mode 644, expected 600/);
    assert.ok(!loose.stderr.includes(token) && !loose.stdout.includes(token));
  },
);

test(
  '--no-auth serves without a token on loopback only; refused with a non-loopback bind or with a token',
  { skip: NEEDS_LINUX },
  async (t) => {
    const s = scratch(t);
    const env = { ...s.env, AGENT_EXEC_SERVE_TOKEN: '' };
    const wide = await runCli(['--root', s.root, 'serve', '--bind', '0.0.0.0:0', '--insecure', '--no-auth'], { env });
    assert.equal(wide.code, 1);
    assert.deepEqual(wide.json.error, {
      code: 'serve_unsafe_bind',
      message: 'refusing --no-auth on non-loopback address 0.0.0.0:0',
      retryable: false,
    });
    const both = await runCli(['--root', s.root, 'serve', '--port', '0', '--no-auth'], { env: { ...env, AGENT_EXEC_SERVE_TOKEN: TOKEN } });
    assert.equal(both.code, 1);
    assert.equal(both.json.error.code, 'invalid_config');

    const server = await startServe(t, s, ['--no-auth']);
    assert.deepEqual(server.auth, {});
    assert.match(server.stderr(), /no token \(--no-auth\)/);
    assert.equal(existsSync(path.join(path.dirname(s.root), 'serve-token')), false, '--no-auth makes no token file');
    const run = await exec(server, { command: ['true'] });
    assert.equal(run.status, 200, run.text);
  },
);

test('POST routes need Content-Type: application/json (a text/plain POST skips the CORS preflight)', { skip: NEEDS_LINUX }, async (t) => {
  const s = scratch(t);
  const server = await startServe(t, s);
  for (const type of [
    undefined,
    'text/plain',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'application/jsonx',
  ]) {
    const headers: Record<string, string> = type === undefined ? {} : { 'content-type': type };
    for (const route of [
      '/exec',
      '/kill/0123456789abcdef0123456789abcdef',
      '/send-input/0123456789abcdef0123456789abcdef',
      '/rerun/0123456789abcdef0123456789abcdef',
    ]) {
      const r = await call(server, 'POST', route, {
        body: '{"command":["touch","pwned"]}',
        headers: { ...server.auth, ...headers },
        bare: true,
      });
      assert.equal(r.status, 415, `${route} ${type}`);
      assert.equal(errorOf(r).code, 'invalid_request');
    }
  }
  assert.equal(existsSync(path.join(s.cwd, 'pwned')), false);
  assert.deepEqual(jobIds(s.root), [], 'no job was started');
  const ok = await call(server, 'POST', '/exec', {
    body: '{"command":["true"]}',
    headers: { 'content-type': 'Application/JSON; charset=utf-8' },
  });
  assert.equal(ok.status, 200, ok.text);
});

test(
  "ownership: HTTP kills its own jobs; another owner's job needs force=true and the answer names the owner; other surfaces' owners cannot be claimed",
  { skip: NEEDS_LINUX },
  async (t) => {
    const s = scratch(t);
    const server = await startServe(t, s);

    for (const owner of ['agent:copilot', 'human:vscode', 'agent:mcp', 'agent:claude-code', 'agent:command:x']) {
      const r = await exec(server, { command: ['touch', 'claimed'], owner });
      assert.equal(r.status, 400, `${owner}: ${r.text}`);
      assert.equal(errorOf(r).code, 'invalid_request');
      assert.match(r.json.error.message, /cannot be claimed/);
    }
    assert.deepEqual(jobIds(s.root), [], 'no job was started under a claimed owner');

    const named = await exec(server, { command: ['sleep', '300'], owner: 'ci-bot', wait: false });
    assert.equal(named.status, 200, named.text);
    const mine: string = named.json.job_id;
    s.killAtEnd.add(mine);
    assert.equal(
      readJson(path.join(s.root, mine, 'meta.json')).owner,
      'agent:http:ci-bot',
      'a bare name is a sub-name of the HTTP surface',
    );
    const prefixed = await exec(server, { command: ['true'], owner: 'agent:http:other' });
    assert.equal(readJson(path.join(s.root, prefixed.json.job_id, 'meta.json')).owner, 'agent:http:other');
    const own = await call(server, 'POST', `/kill/${mine}`);
    assert.equal(own.status, 200, own.text);
    assert.equal(own.json.state, 'killed');
    assert.equal('owner' in own.json, false, 'an own job: the CLI kill answer as is');

    const person = await runCli(['--root', s.root, 'run', '--no-wait', '--', 'sleep', '300'], { cwd: s.cwd, env: s.env });
    const theirs: string = person.json.job_id;
    s.killAtEnd.add(theirs);
    const refused = await call(server, 'POST', `/kill/${theirs}`);
    assert.equal(refused.status, 403);
    assert.deepEqual(errorOf(refused).details, { job_id: theirs, owner: null });
    assert.equal(refused.json.error.code, 'not_owner');
    assert.match(refused.json.error.message, /force/);
    assert.equal(readJson(path.join(s.root, theirs, 'state.json')).job.status, 'running', 'a refused kill signals nothing');
    const forced = await call(server, 'POST', `/kill/${theirs}?force=true`);
    assert.equal(forced.status, 200, forced.text);
    assert.deepEqual([forced.json.state, forced.json.owner], ['killed', null]);
    assert.deepEqual(findEnvTagged(theirs), []);
  },
);

test(
  "GET /ports names the job holding a port; POST /kill?dry_run=true previews (even another owner's job) and signals nothing",
  { skip: NEEDS_LINUX },
  async (t) => {
    const s = scratch(t);
    const server = await startServe(t, s);
    const pidsFile = path.join(s.tmp, 'server.pids');
    const person = await runCli(['--root', s.root, 'run', '--no-wait', '--', 'node', 'http-server.js'], {
      cwd: PROCS,
      env: { ...s.env, FIXTURE_PIDS: pidsFile },
    });
    assert.equal(person.code, 0, person.stdout + person.stderr);
    const id: string = person.json.job_id;
    s.killAtEnd.add(id);
    const { port, root: pid } = await waitForRoles({ jobId: id, pid: 0, pidsFile }, ['port', 'root']);

    const ports = await call(server, 'GET', `/ports?port=${port}`);
    assert.equal(ports.status, 200, ports.text);
    assert.equal(ports.json.type, 'ports');
    assert.deepEqual(
      ports.json.ports.map((p: Record<string, unknown>) => ({ ...p, command: undefined })),
      [{ port, protocol: 'tcp', address: '127.0.0.1', pid, command: undefined, job_id: id }],
    );
    const all = await call(server, 'GET', '/ports');
    assert.ok(all.json.ports.some((p: { port: number; job_id?: string }) => p.port === port && p.job_id === id));
    for (const bad of ['0', '65536', 'http']) assert.equal((await call(server, 'GET', `/ports?port=${bad}`)).status, 400, bad);

    const preview = await call(server, 'POST', `/kill/${id}?dry_run=true`);
    assert.equal(preview.status, 200, preview.text);
    assert.deepEqual([preview.json.type, preview.json.job_id, preview.json.state], ['kill_preview', id, 'running']);
    assert.ok(preview.json.targets.some((p: { pid: number }) => p.pid === pid));
    assert.deepEqual(preview.json.ports, [{ port, protocol: 'tcp', address: '127.0.0.1', pid }]);
    assert.equal(readJson(path.join(s.root, id, 'state.json')).job.status, 'running', 'a dry run signals nothing');
    assert.ok(readProcStat(pid) !== undefined);
    assert.equal((await call(server, 'POST', `/kill/${id}?dry_run=maybe`)).status, 400);

    const forced = await call(server, 'POST', `/kill/${id}?force=true`);
    assert.equal(forced.status, 200, forced.text);
    assert.equal(forced.json.state, 'killed');
    assert.deepEqual(findEnvTagged(id), []);
  },
);

test('masked values: /exec env values printed by the job come back as *** from /exec and /tail', { skip: NEEDS_LINUX }, async (t) => {
  const s = scratch(t);
  const server = await startServe(t, s);
  const secret = `http-s3cret-${process.pid}`;
  const run = await exec(server, { command: ['echo "key=$API_KEY"; echo "$API_KEY" >&2'], env: { API_KEY: secret }, until: 10 });
  assert.equal(run.status, 200, run.text);
  assert.equal(run.json.stdout, 'key=***\n');
  assert.equal(run.json.stderr, '***\n');
  const id: string = run.json.job_id;
  await call(server, 'GET', `/wait/${id}?until=10`);
  const tail = await call(server, 'GET', `/tail/${id}`);
  assert.deepEqual([tail.json.stdout, tail.json.stderr], ['key=***\n', '***\n']);
  assert.ok(!run.text.includes(secret) && !tail.text.includes(secret));
  assert.equal(readFileSync(path.join(s.root, id, 'stdout.log'), 'utf8'), `key=${secret}\n`, 'the log keeps the raw bytes');
});

test(
  '/send-input answers a stdin_pipe job at its prompt (seen by /wait); /rerun keeps the first attempt, read with ?attempt; both under the ownership rule',
  { skip: NEEDS_LINUX },
  async (t) => {
    const s = scratch(t);
    const server = await startServe(t, s);
    const run = await exec(server, { command: ['printf "Continue? [y/N] "; read a; echo "got $a"'], stdin_pipe: true, wait: false });
    assert.equal(run.status, 200, run.text);
    const id: string = run.json.job_id;
    s.killAtEnd.add(id);
    assert.equal(readJson(path.join(s.root, id, 'meta.json')).stall_after_ms, 300_000, 'HTTP jobs get the agent stall watch');
    const waited = await call(server, 'GET', `/wait/${id}?until=60`);
    assert.deepEqual([waited.json.state, waited.json.attention?.kind], ['running', 'needs_input']);

    const bad: [string | undefined, number, string, RegExp][] = [
      [undefined, 400, 'invalid_request', /^request body is required$/],
      ['{}', 400, 'invalid_request', /^give `text`, `eof: true`, or both$/],
      ['{"text":1}', 400, 'invalid_request', /^invalid JSON: field `text`: invalid type: integer `1`, expected a string$/],
      [
        '{"text":"x","job_id":"y"}',
        400,
        'invalid_request',
        /^invalid JSON: unknown field `job_id`, expected one of `text`, `eof`, `force`$/,
      ],
    ];
    for (const [body, status, code, message] of bad) {
      const r = await call(server, 'POST', `/send-input/${id}`, { body });
      assert.equal(r.status, status, `${body}: ${r.text}`);
      assert.equal(errorOf(r).code, code);
      assert.match(r.json.error.message, message);
    }
    const missing = await call(server, 'POST', '/send-input/0123456789abcdef0123456789abcdef', { body: '{"text":"x"}' });
    assert.equal(missing.status, 404);

    // A job the person started: HTTP needs force to feed it.
    const human = await runCli(['--root', s.root, 'run', '--stdin-pipe', '--no-wait', '--', 'sh', '-c', 'read a; echo "human $a"'], {
      cwd: s.cwd,
      env: s.env,
    });
    const humanId: string = human.json.job_id;
    s.killAtEnd.add(humanId);
    const refused = await call(server, 'POST', `/send-input/${humanId}`, { body: '{"text":"x"}' });
    assert.equal(refused.status, 403, refused.text);
    assert.deepEqual([errorOf(refused).code, refused.json.error.details.owner], ['not_owner', null]);
    const forced = await call(server, 'POST', `/send-input/${humanId}`, { body: '{"text":"hi","force":true}' });
    assert.deepEqual([forced.status, forced.json.owner, forced.json.bytes_written], [200, null, 3]);

    const sent = await call(server, 'POST', `/send-input/${id}`, { body: '{"text":"yes"}' });
    assert.equal(sent.status, 200, sent.text);
    assert.deepEqual(sent.json, { schema_version: '0.1', ok: true, type: 'send_input', job_id: id, bytes_written: 4, eof: false });
    for (const job of [id, humanId]) assert.equal((await call(server, 'GET', `/wait/${job}?until=30`)).json.state, 'exited');

    const busy = await exec(server, { command: ['sleep', '300'], wait: false });
    s.killAtEnd.add(busy.json.job_id);
    const noChannel = await call(server, 'POST', `/send-input/${busy.json.job_id}`, { body: '{"text":"x"}' });
    assert.deepEqual([noChannel.status, errorOf(noChannel).code], [400, 'no_input_channel']);
    const notFinished = await call(server, 'POST', `/rerun/${busy.json.job_id}`);
    assert.deepEqual([notFinished.status, errorOf(notFinished).code], [400, 'invalid_state']);
    assert.equal((await call(server, 'POST', `/kill/${busy.json.job_id}`)).json.state, 'killed');
    const badRerun = await call(server, 'POST', `/rerun/${id}`, { body: '{"until":601}' });
    assert.deepEqual(
      [badRerun.status, errorOf(badRerun).message],
      [400, 'invalid JSON: field `until`: invalid value: integer `601`, expected at most 600'],
    );
    const refusedRerun = await call(server, 'POST', `/rerun/${humanId}`);
    assert.deepEqual([refusedRerun.status, errorOf(refusedRerun).code], [403, 'not_owner']);

    const again = await call(server, 'POST', `/rerun/${id}`, { body: '{"wait":false}' });
    assert.equal(again.status, 200, again.text);
    assert.deepEqual([again.json.type, again.json.job_id, again.json.attempt], ['rerun', id, 2]);
    assert.equal(again.json.env_vars, undefined);
    assert.equal((await call(server, 'GET', `/wait/${id}?until=60`)).json.attention?.kind, 'needs_input');
    await call(server, 'POST', `/send-input/${id}`, { body: '{"text":"second","eof":true}' });
    assert.equal((await call(server, 'GET', `/wait/${id}?until=30`)).json.state, 'exited');

    const first = await call(server, 'GET', `/tail/${id}?attempt=1`);
    assert.deepEqual([first.json.stdout, first.json.attempt], ['Continue? [y/N] got yes\n', 1]);
    const latest = await call(server, 'GET', `/tail/${id}`);
    assert.deepEqual([latest.json.stdout, latest.json.attempt], ['Continue? [y/N] got second\n', 2]);
    const status = await call(server, 'GET', `/status/${id}?attempt=1`);
    assert.deepEqual([status.json.state, status.json.exit_code, status.json.attempt], ['exited', 0, 1]);
    for (const q of ['0', 'x', '1.5', '-1']) {
      const r = await call(server, 'GET', `/status/${id}?attempt=${q}`);
      assert.deepEqual(
        [r.status, errorOf(r).message],
        [400, `invalid query parameter attempt="${q}": expected an attempt number from 1`],
        q,
      );
    }
    const beyond = await call(server, 'GET', `/tail/${id}?attempt=3`);
    assert.deepEqual([beyond.status, errorOf(beyond).code], [400, 'invalid_request']);
    const listed = await call(server, 'GET', '/list');
    assert.equal(listed.json.jobs.find((j: { job_id: string }) => j.job_id === id).attempts, 2);
    for (const job of [id, humanId, busy.json.job_id]) assert.deepEqual(findEnvTagged(job), []);
  },
);
