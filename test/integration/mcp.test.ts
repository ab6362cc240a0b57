/**
 * `agent-exec mcp` driven by a real MCP client from the official SDK over stdio (the built
 * CLI is spawned by StdioClientTransport): tools listed, every tool called, failures returned
 * as tool errors carrying the error envelope. The server is ended by pid at the end, and no
 * process of a job it started may be left.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { CLI } from '../helpers/cli';
import { findEnvTagged, readProcStat } from '../../src/core/process/proc';
import { jobIds, readJson, scratch, until, type Scratch } from './runHelpers';
import { PROCS, unusedPort, waitForRoles } from '../helpers/jobProcs';
import { NEEDS_LINUX } from '../helpers/platform';

const CLIENT_NAME = 'mcp-test-client';

interface Session {
  client: Client;
  /** Calls a tool; returns the parsed envelope, the extra text parts and isError. */
  call(name: string, args?: Record<string, unknown>): Promise<{ json: any; notes: string[]; isError: boolean }>;
}

async function connect(t: TestContext, s: Scratch, clientName = CLIENT_NAME): Promise<Session> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI, '--root', s.root, 'mcp'],
    cwd: s.cwd,
    env: { ...(process.env as Record<string, string>), AGENT_EXEC_ROOT: '', XDG_DATA_HOME: '', ...(s.env as Record<string, string>) },
    stderr: 'pipe',
  });
  const client = new Client({ name: clientName, version: '1.0.0' });
  await client.connect(transport);
  const pid = transport.pid!;
  t.after(async () => {
    await client.close();
    // Closing stdin ends the server; make sure by pid, bounded.
    const gone = () => readProcStat(pid) === undefined || readProcStat(pid)?.state === 'Z';
    for (const end = Date.now() + 5_000; !gone() && Date.now() < end;) await new Promise((r) => setTimeout(r, 20));
    if (!gone()) process.kill(pid, 'SIGKILL');
    assert.ok(gone(), 'the MCP server did not exit when its client closed');
  });
  const call = async (name: string, args: Record<string, unknown> = {}) => {
    const r = await client.callTool({ name, arguments: args });
    const texts = (r.content as { type: string; text: string }[]).map((c) => {
      assert.equal(c.type, 'text');
      return c.text;
    });
    return { json: JSON.parse(texts[0]), notes: texts.slice(1), isError: r.isError === true };
  };
  return { client, call };
}

test('tools are listed with model-facing descriptions and strict JSON Schemas', async (t) => {
  const s = scratch(t);
  const { client } = await connect(t, s);
  assert.equal(client.getServerVersion()?.name, 'agent-exec');
  assert.match(client.getInstructions() ?? '', /wait \(bounded\)/);
  assert.match(client.getInstructions() ?? '', /singleton .* ready_port/);
  const { tools } = await client.listTools();
  assert.deepEqual(
    tools.map((tool) => tool.name),
    ['run', 'status', 'output', 'wait', 'kill', 'send_input', 'rerun', 'list', 'ports'],
  );
  assert.match(client.getInstructions() ?? '', /stdin_pipe.*send_input/);
  for (const tool of tools) {
    assert.ok((tool.description ?? '').length > 80, `${tool.name}: description`);
    assert.equal(tool.inputSchema.type, 'object');
    assert.equal((tool.inputSchema as { additionalProperties?: boolean }).additionalProperties, false, tool.name);
  }
  const byName = Object.fromEntries(tools.map((tool) => [tool.name, tool]));
  assert.deepEqual(byName.run.inputSchema.required, ['command']);
  assert.equal(byName.kill.inputSchema.required, undefined, 'kill takes job_id or port');
  assert.deepEqual(Object.keys(byName.ports.inputSchema.properties as object), ['port']);
  assert.equal(byName.ports.annotations?.readOnlyHint, true);
  assert.deepEqual((byName.kill.inputSchema.properties as any).signal.enum, ['TERM', 'INT', 'KILL', 'HUP', 'QUIT', 'USR1', 'USR2']);
  assert.equal(byName.status.annotations?.readOnlyHint, true);
  assert.equal(byName.kill.annotations?.destructiveHint, true);
  const runFields = byName.run.inputSchema.properties as Record<string, { type: string; description: string }>;
  for (const f of ['stdin_pipe', 'input_prompt', 'stall_after', 'stall_kill']) assert.ok(runFields[f], f);
  assert.match(byName.run.description ?? '', /watched for a stall .*after 300 s by default/);
  assert.deepEqual(byName.send_input.inputSchema.required, ['job_id']);
  assert.deepEqual(Object.keys(byName.send_input.inputSchema.properties as object), ['job_id', 'text', 'eof', 'force']);
  assert.deepEqual(Object.keys(byName.rerun.inputSchema.properties as object), ['job_id', 'wait_seconds', 'max_bytes', 'force']);
  for (const name of ['status', 'output']) assert.equal((byName[name].inputSchema.properties as any).attempt.minimum, 1, name);
});

test(
  'run, status, output (tail and paging), wait and list return the CLI envelopes; jobs carry the client as owner',
  { skip: NEEDS_LINUX },
  async (t) => {
    const s = scratch(t);
    const { call } = await connect(t, s);

    const run = await call('run', { command: ['seq 1 5000'], wait_seconds: 10, max_bytes: 100 });
    assert.equal(run.isError, false, JSON.stringify(run.json));
    assert.equal(run.json.type, 'run');
    const id: string = run.json.job_id;
    assert.equal(readJson(path.join(s.root, id, 'meta.json')).owner, `agent:${CLIENT_NAME}`);
    const waited = await call('wait', { job_id: id, timeout_seconds: 20 });
    assert.deepEqual([waited.json.type, waited.json.state, waited.json.exit_code], ['wait', 'exited', 0]);
    const total: number = waited.json.stdout_total_bytes;
    assert.equal(total, 23893);

    // The first run answer shows 100 bytes and says how to read the rest.
    assert.deepEqual(run.json.stdout_range, [0, 100]);
    assert.equal(run.notes.length, 1);
    assert.match(run.notes[0], /^stdout shows bytes \[0, 100\) of \d+; read other parts with the output tool/);

    const status = await call('status', { job_id: id.slice(0, 8) });
    assert.deepEqual([status.json.type, status.json.job_id, status.json.state, status.json.exit_code], ['status', id, 'exited', 0]);

    const tail = await call('output', { job_id: id, tail_lines: 2 });
    assert.equal(tail.json.type, 'tail');
    assert.equal(tail.json.stdout, '4999\n5000\n');
    assert.deepEqual(tail.json.stdout_range, [total - 10, total]);
    assert.equal(tail.notes.length, 1, 'the tail is part of the log: a hint says so');

    const page = await call('output', { job_id: id, offset: 2, length: 6 });
    assert.equal(page.json.type, 'output');
    assert.deepEqual(
      { stream: page.json.stream, text: page.json.text, range: page.json.range, total: page.json.total_bytes, eof: page.json.eof },
      { stream: 'stdout', text: '2\n3\n4\n', range: [2, 8], total, eof: false },
    );
    assert.equal(page.json.log_path, path.join(s.root, id, 'stdout.log'));
    const last = await call('output', { job_id: id, stream: 'stdout', offset: total - 5, tail_lines: 50, max_bytes: 1 });
    assert.deepEqual([last.json.text, last.json.eof], ['5000\n', true]);
    const stderr = await call('output', { job_id: id, stream: 'stderr', offset: 0 });
    assert.deepEqual([stderr.json.text, stderr.json.range, stderr.json.eof], ['', [0, 0], true]);

    const list = await call('list', { state: 'exited' });
    assert.equal(list.json.type, 'list');
    assert.deepEqual(
      list.json.jobs.map((j: { job_id: string }) => j.job_id),
      [id],
    );
    assert.deepEqual((await call('list', { state: 'running' })).json.jobs, []);
    assert.equal((await call('list', { cwd: s.cwd })).json.jobs.length, 1);
    assert.equal((await call('list', { cwd: s.tmp })).json.jobs.length, 0);
  },
);

test('wait is bounded (running at the deadline); kill ends the whole job; no job process is left', { skip: NEEDS_LINUX }, async (t) => {
  const s = scratch(t);
  const { call } = await connect(t, s);
  const run = await call('run', { command: ['sh', '-c', 'sleep 300 & sleep 300; wait'], wait_seconds: 0 });
  assert.equal(run.isError, false, JSON.stringify(run.json));
  assert.equal(run.json.waited_ms, 0);
  const id: string = run.json.job_id;
  s.killAtEnd.add(id);
  await until('the sleeps to start', () => findEnvTagged(id).length >= 3);

  const t0 = Date.now();
  const waited = await call('wait', { job_id: id, timeout_seconds: 0.3 });
  assert.equal(waited.json.state, 'running');
  assert.ok(Date.now() - t0 < 5_000);

  const kill = await call('kill', { job_id: id, signal: 'INT', grace_seconds: 1 });
  assert.equal(kill.isError, false, JSON.stringify(kill.json));
  assert.equal(kill.json.type, 'kill');
  assert.equal(kill.json.signal, 'INT');
  assert.equal(kill.json.state, 'killed');
  assert.deepEqual(kill.json.survivors, []);
  assert.deepEqual(findEnvTagged(id), []);
  assert.equal((await call('status', { job_id: id })).json.state, 'killed');
});

test('failures are tool errors whose text is the error envelope; unknown tools are protocol errors', async (t) => {
  const s = scratch(t);
  const { client, call } = await connect(t, s);
  const missing = '0123456789abcdef0123456789abcdef';
  const cases: [string, Record<string, unknown>, string, RegExp][] = [
    ['status', { job_id: missing }, 'job_not_found', /^job not found: /],
    ['status', {}, 'invalid_request', /^missing field `job_id`$/],
    ['status', { job_id: '../etc' }, 'job_not_found', /^job not found: /],
    ['run', { command: [] }, 'invalid_request', /^field `command`: invalid length 0/],
    ['run', { command: ['true'], timeout_ms: 5 }, 'invalid_request', /^unknown field `timeout_ms`, expected one of `command`, `cwd`/],
    ['run', { command: ['true'], cwd: path.join(s.tmp, 'nowhere') }, 'spawn_failed', /working directory/],
    ['run', { command: ['true'], wait_seconds: 301 }, 'invalid_request', /expected at most 300/],
    ['kill', { job_id: missing, signal: 'STOP' }, 'invalid_request', /^field `signal`: unknown variant "STOP"/],
    ['wait', { job_id: missing, timeout_seconds: 'soon' }, 'invalid_request', /invalid type: string "soon", expected a number/],
    [
      'output',
      { job_id: missing, offset: 0, length: 300_000 },
      'invalid_request',
      /^field `length`: invalid value: integer `300000`, expected at most 262144$/,
    ],
    ['output', { job_id: missing, stream: 'both', offset: 0 }, 'invalid_request', /^field `stream`: unknown variant "both"/],
    ['list', { tag: ['bad tag!'] }, 'invalid_request', /^invalid tag pattern/],
    ['send_input', { job_id: missing }, 'invalid_request', /^give `text`, `eof: true`, or both$/],
    ['send_input', { job_id: missing, text: 'x' }, 'job_not_found', /^job not found: /],
    ['rerun', { job_id: missing }, 'job_not_found', /^job not found: /],
    ['status', { job_id: missing, attempt: 0 }, 'invalid_request', /^field `attempt`: invalid value: integer `0`, expected at least 1$/],
    ['run', { command: ['true'], input_prompt: '(', stdin_pipe: true }, 'invalid_request', /^invalid input_prompt: /],
    ['run', { command: ['true'], input_prompt: 'x' }, 'invalid_request', /^input_prompt needs stdin_pipe: true/],
    ['run', { command: ['true'], stall_after: -1 }, 'invalid_request', /^field `stall_after`: invalid value/],
    ['run', { command: ['true'], stall_after: 0, stall_kill: true }, 'invalid_request', /^stall_kill needs a stall watch/],
    [
      'run',
      { command: ['true'], ready_port: 0 },
      'invalid_request',
      /^field `ready_port`: invalid value: integer `0`, expected at least 1$/,
    ],
    [
      'run',
      { command: ['true'], ready_http: 'ftp://x' },
      'invalid_request',
      /^invalid ready_http: expected an http:\/\/ or https:\/\/ URL$/,
    ],
    ['run', { command: ['true'], ready_log: '(' }, 'invalid_request', /^invalid ready_log: /],
    [
      'run',
      { command: ['true'], ready_log: 'x', ready_timeout: 0 },
      'invalid_request',
      /^invalid ready_timeout: expected a positive duration$/,
    ],
    ['run', { command: ['true'], ready_timeout: 5 }, 'invalid_request', /^a ready timeout needs a ready condition/],
    ['run', { command: ['true'], wait_ready: true }, 'invalid_request', /^wait_ready needs a ready condition/],
    ['run', { command: ['true'], singleton: ' ' }, 'invalid_request', /^invalid singleton: expected a non-empty key$/],
  ];
  for (const [name, args, code, message] of cases) {
    const r = await call(name, args);
    assert.equal(r.isError, true, `${name} ${JSON.stringify(args)}`);
    assert.deepEqual(
      [r.json.schema_version, r.json.ok, r.json.type, r.json.error.code, r.json.error.retryable],
      ['0.1', false, 'error', code, false],
    );
    assert.match(r.json.error.message, message, `${name} ${JSON.stringify(args)}`);
  }
  await assert.rejects(client.callTool({ name: 'nope', arguments: {} }), /unknown tool: nope/);
  assert.deepEqual(jobIds(s.root), [], 'a refused run starts nothing');
});

test(
  "ownership: a client kills its own jobs; another client needs force (the answer names the owner); a client cannot take another surface's owner",
  { skip: NEEDS_LINUX },
  async (t) => {
    const s = scratch(t);
    const a = await connect(t, s, 'client-a');
    const b = await connect(t, s, 'client-b');
    const run = await a.call('run', { command: ['sleep', '300'], wait_seconds: 0 });
    const id: string = run.json.job_id;
    s.killAtEnd.add(id);
    assert.equal(readJson(path.join(s.root, id, 'meta.json')).owner, 'agent:client-a');

    const refused = await b.call('kill', { job_id: id });
    assert.equal(refused.isError, true);
    assert.equal(refused.json.error.code, 'not_owner');
    assert.deepEqual(refused.json.error.details, { job_id: id, owner: 'agent:client-a' });
    assert.match(refused.json.error.message, /was started by agent:client-a.*force: true/);
    assert.equal((await b.call('status', { job_id: id })).json.state, 'running', 'a refused kill signals nothing');

    const forced = await b.call('kill', { job_id: id, force: true, grace_seconds: 1 });
    assert.equal(forced.isError, false, JSON.stringify(forced.json));
    assert.deepEqual([forced.json.state, forced.json.owner], ['killed', 'agent:client-a']);
    assert.deepEqual(findEnvTagged(id), []);

    const own = await a.call('run', { command: ['sleep', '300'], wait_seconds: 0 });
    s.killAtEnd.add(own.json.job_id);
    const ownKill = await a.call('kill', { job_id: own.json.job_id, grace_seconds: 1 });
    assert.equal(ownKill.isError, false, JSON.stringify(ownKill.json));
    assert.equal(ownKill.json.state, 'killed');
    assert.equal('owner' in ownKill.json, false);

    // A client calling itself "copilot" does not become Copilot.
    const fake = await connect(t, s, 'copilot');
    const faked = await fake.call('run', { command: ['true'], wait_seconds: 5 });
    assert.equal(readJson(path.join(s.root, faked.json.job_id, 'meta.json')).owner, 'agent:mcp:copilot');
  },
);

test(
  "ports names the job holding a port; kill dry_run (even of another client's job) signals nothing; kill by port ends it",
  { skip: NEEDS_LINUX },
  async (t) => {
    const s = scratch(t);
    const a = await connect(t, s, 'client-a');
    const b = await connect(t, s, 'client-b');
    const pidsFile = path.join(s.tmp, 'server.pids');
    const run = await a.call('run', {
      command: [process.execPath, 'http-server.js'],
      cwd: PROCS,
      env: { FIXTURE_PIDS: pidsFile },
      wait_seconds: 0,
    });
    assert.equal(run.isError, false, JSON.stringify(run.json));
    const id: string = run.json.job_id;
    s.killAtEnd.add(id);
    const { port, root: pid } = await waitForRoles({ jobId: id, pid: 0, pidsFile }, ['port', 'root']);

    const ports = await b.call('ports', { port });
    assert.equal(ports.isError, false, JSON.stringify(ports.json));
    assert.equal(ports.json.type, 'ports');
    assert.deepEqual(
      ports.json.ports.map((p: Record<string, unknown>) => ({ ...p, command: undefined })),
      [{ port, protocol: 'tcp', address: '127.0.0.1', pid, command: undefined, job_id: id, owner: 'agent:client-a' }],
    );
    assert.match(ports.json.ports[0].command, /http-server\.js$/);

    const preview = await b.call('kill', { port, dry_run: true });
    assert.equal(preview.isError, false, JSON.stringify(preview.json));
    assert.equal(preview.json.type, 'kill_preview');
    assert.deepEqual([preview.json.job_id, preview.json.state, preview.json.owner], [id, 'running', 'agent:client-a']);
    assert.ok(
      preview.json.targets.some(
        (p: { pid: number; command: string; age_s: number }) => p.pid === pid && /http-server\.js$/.test(p.command) && p.age_s >= 0,
      ),
    );
    assert.deepEqual(preview.json.ports, [{ port, protocol: 'tcp', address: '127.0.0.1', pid }]);
    assert.equal(typeof preview.json.running_for_s, 'number');
    assert.equal((await a.call('status', { job_id: id })).json.state, 'running', 'a dry run signals nothing');
    assert.ok(readProcStat(pid) !== undefined, 'the server is still alive after the dry run');

    const both = await a.call('kill', { job_id: id, port });
    assert.deepEqual([both.isError, both.json.error.code], [true, 'invalid_request']);
    const refused = await b.call('kill', { port });
    assert.deepEqual([refused.isError, refused.json.error.code], [true, 'not_owner'], 'killing by port keeps the ownership rule');

    const killed = await a.call('kill', { port, grace_seconds: 1 });
    assert.equal(killed.isError, false, JSON.stringify(killed.json));
    assert.deepEqual([killed.json.job_id, killed.json.state], [id, 'killed']);
    assert.deepEqual(findEnvTagged(id), []);
    assert.deepEqual((await a.call('ports', { port })).json.ports, [], 'nobody listens once the job is killed');
  },
);

test(
  'masked values: env values printed by the job come back as *** from run and output (tail and pages)',
  { skip: NEEDS_LINUX },
  async (t) => {
    const s = scratch(t);
    const { call } = await connect(t, s);
    const secret = `mcp-s3cret-${process.pid}`;
    const run = await call('run', { command: ['echo "key=$API_KEY"'], env: { API_KEY: secret }, wait_seconds: 10 });
    assert.equal(run.isError, false, JSON.stringify(run.json));
    const id: string = run.json.job_id;
    await call('wait', { job_id: id, timeout_seconds: 20 });
    const tail = await call('output', { job_id: id });
    const raw = `key=${secret}\n`;
    // A page that ends inside the value and one that starts inside it.
    const first = await call('output', { job_id: id, offset: 0, length: 8 });
    const second = await call('output', { job_id: id, offset: 8, length: 100 });
    assert.deepEqual(
      [run.json.stdout, tail.json.stdout, first.json.text, second.json.text],
      ['key=***\n', 'key=***\n', 'key=***', '***\n'],
    );
    assert.deepEqual(
      [first.json.range, second.json.range],
      [
        [0, 8],
        [8, Buffer.byteLength(raw)],
      ],
      'pages keep raw byte ranges',
    );
    for (const r of [run, tail, first, second]) assert.ok(!JSON.stringify(r.json).includes(secret));
  },
);

test(
  'a dev server started once: run with singleton + ready_port returns it ready, a second run (another client) reuses it; status and list show ready and ports',
  { skip: NEEDS_LINUX },
  async (t) => {
    const s = scratch(t);
    const a = await connect(t, s, 'client-a');
    const b = await connect(t, s, 'client-b');
    const port = await unusedPort();
    const pidsFile = path.join(s.tmp, 'server.pids');
    // It prints at once and binds a second later: no wait_ready, yet a singleton with ready_port answers once it is ready.
    const args = {
      command: [`echo starting; sleep 1; exec "${process.execPath}" http-server.js`],
      cwd: PROCS,
      env: { FIXTURE_PIDS: pidsFile, FIXTURE_PORT: String(port) },
      singleton: `web-${port}`,
      ready_port: port,
      wait_seconds: 60,
    };
    const first = await a.call('run', args);
    assert.equal(first.isError, false, JSON.stringify(first.json));
    const id: string = first.json.job_id;
    s.killAtEnd.add(id);
    assert.deepEqual([first.json.state, first.json.ready, first.json.reused], ['running', 'ready', false]);
    assert.match(first.json.ready_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const { root: pid } = await waitForRoles({ jobId: id, pid: 0, pidsFile }, ['port', 'root']);
    assert.deepEqual(readJson(path.join(s.root, id, 'meta.json')).ready, { port });

    const second = await b.call('run', { ...args, command: ['echo a second copy'] });
    assert.equal(second.isError, false, JSON.stringify(second.json));
    assert.deepEqual(
      [second.json.job_id, second.json.state, second.json.ready, second.json.ready_at, second.json.reused],
      [id, 'running', 'ready', first.json.ready_at, true],
    );
    assert.deepEqual(jobIds(s.root), [id], 'no second job was started');

    const status = await b.call('status', { job_id: id });
    assert.deepEqual([status.json.ready, status.json.ready_at], ['ready', first.json.ready_at]);
    assert.deepEqual(status.json.ports, [{ port, protocol: 'tcp', address: '127.0.0.1', pid }]);
    const listed = await b.call('list', { state: 'running' });
    assert.deepEqual(
      listed.json.jobs.map((j: Record<string, unknown>) => [j.job_id, j.ports, j.ready, j.ready_at]),
      [[id, [{ port, protocol: 'tcp', address: '127.0.0.1', pid }], 'ready', first.json.ready_at]],
    );
    const ready = await b.call('wait', { job_id: id, until_ready: true, timeout_seconds: 30 });
    assert.deepEqual([ready.json.state, ready.json.ready], ['running', 'ready'], 'a ready job: wait until_ready returns at once');

    const killed = await a.call('kill', { job_id: id, grace_seconds: 1 });
    assert.equal(killed.json.state, 'killed', JSON.stringify(killed.json));
    assert.deepEqual(findEnvTagged(id), []);
    // The key's job has ended: the next run starts a new one.
    const again = await b.call('run', { ...args, command: ['sleep 300'], ready_port: undefined, ready_log: 'never', wait_seconds: 0 });
    assert.equal(again.isError, false, JSON.stringify(again.json));
    s.killAtEnd.add(again.json.job_id);
    assert.notEqual(again.json.job_id, id);
    assert.deepEqual([again.json.reused, again.json.ready], [false, 'pending']);
    assert.equal((await b.call('kill', { job_id: again.json.job_id, grace_seconds: 1 })).json.state, 'killed');
  },
);

test(
  'wait until_ready returns when the log line comes, not at the end; a job without a ready condition is refused',
  { skip: NEEDS_LINUX },
  async (t) => {
    const s = scratch(t);
    const { call } = await connect(t, s);
    const run = await call('run', {
      command: ['echo starting; sleep 1; echo "server up on 1234"; exec sleep 300'],
      ready_log: 'up on \\d+',
      wait_seconds: 0,
    });
    assert.equal(run.isError, false, JSON.stringify(run.json));
    const id: string = run.json.job_id;
    s.killAtEnd.add(id);
    assert.equal(run.json.ready, 'pending');
    const waited = await call('wait', { job_id: id, until_ready: true, timeout_seconds: 60 });
    assert.equal(waited.isError, false, JSON.stringify(waited.json));
    assert.deepEqual([waited.json.state, waited.json.ready], ['running', 'ready']);
    assert.ok(waited.json.stdout_total_bytes > 'starting\n'.length, 'it returned after the line was written');

    const plain = await call('run', { command: ['sleep', '300'], wait_seconds: 0 });
    s.killAtEnd.add(plain.json.job_id);
    const refused = await call('wait', { job_id: plain.json.job_id, until_ready: true });
    assert.deepEqual([refused.isError, refused.json.error.code], [true, 'invalid_state']);
    assert.match(refused.json.error.message, /declares no ready condition/);
    for (const job of [id, plain.json.job_id]) assert.equal((await call('kill', { job_id: job, grace_seconds: 1 })).json.state, 'killed');
  },
);

const PROMPTING = 'printf "Continue? [y/N] "; read a; echo "got $a"';

test(
  'stdin_pipe: wait returns needs_input at a prompt, send_input answers and the job exits; another client needs force; jobs carry the default stall watch',
  { skip: NEEDS_LINUX },
  async (t) => {
    const s = scratch(t);
    const { call } = await connect(t, s);
    const other = await connect(t, s, 'client-b');
    const run = await call('run', { command: [PROMPTING], stdin_pipe: true, wait_seconds: 0 });
    assert.equal(run.isError, false, JSON.stringify(run.json));
    const id: string = run.json.job_id;
    s.killAtEnd.add(id);
    const meta = readJson(path.join(s.root, id, 'meta.json'));
    assert.deepEqual([meta.stdin_pipe, meta.stall_after_ms, meta.stall_kill], [true, 300_000, undefined], 'the agent default stall watch');

    const waited = await call('wait', { job_id: id, timeout_seconds: 60 });
    assert.equal(waited.json.state, 'running', 'wait returned early, at the prompt');
    assert.deepEqual([waited.json.attention?.kind, waited.json.attention?.last_line], ['needs_input', 'Continue? [y/N] ']);
    assert.equal((await call('status', { job_id: id })).json.attention.kind, 'needs_input');
    const listed = await call('list', { state: 'running' });
    assert.deepEqual(
      listed.json.jobs.map((j: Record<string, any>) => [j.job_id, j.attention?.kind, j.attempts]),
      [[id, 'needs_input', undefined]],
    );

    const refused = await other.call('send_input', { job_id: id, text: 'no' });
    assert.deepEqual(
      [refused.isError, refused.json.error.code, refused.json.error.details.owner],
      [true, 'not_owner', `agent:${CLIENT_NAME}`],
    );
    assert.match(refused.json.error.message, /to send input to it anyway, repeat the request with force: true/);
    assert.equal((await call('status', { job_id: id })).json.state, 'running', 'a refused input writes nothing');

    const sent = await call('send_input', { job_id: id, text: 'yes' });
    assert.equal(sent.isError, false, JSON.stringify(sent.json));
    assert.deepEqual(sent.json, { schema_version: '0.1', ok: true, type: 'send_input', job_id: id, bytes_written: 4, eof: false });
    const done = await call('wait', { job_id: id, timeout_seconds: 30 });
    assert.deepEqual([done.json.state, done.json.exit_code, done.json.attention], ['exited', 0, undefined]);
    assert.equal((await call('output', { job_id: id })).json.stdout, 'Continue? [y/N] got yes\n');
    const late = await call('send_input', { job_id: id, eof: true });
    assert.deepEqual([late.isError, late.json.error.code], [true, 'invalid_state']);

    // Another client's prompting job, answered with force; the answer names its owner.
    const theirs = await other.call('run', { command: [PROMPTING], stdin_pipe: true, stall_after: 0, wait_seconds: 0 });
    s.killAtEnd.add(theirs.json.job_id);
    assert.equal(readJson(path.join(s.root, theirs.json.job_id, 'meta.json')).stall_after_ms, undefined, 'stall_after 0: no watch');
    await call('wait', { job_id: theirs.json.job_id, timeout_seconds: 60 });
    const forced = await call('send_input', { job_id: theirs.json.job_id, text: 'ok', eof: true, force: true });
    assert.deepEqual([forced.isError, forced.json.owner, forced.json.eof], [false, 'agent:client-b', true]);
    assert.equal((await call('wait', { job_id: theirs.json.job_id, timeout_seconds: 30 })).json.state, 'exited');
    assert.deepEqual(findEnvTagged(id), []);
    assert.deepEqual(findEnvTagged(theirs.json.job_id), []);
  },
);

test('stall_after: wait returns early with attention stalled on a silent job; kill ends it', { skip: NEEDS_LINUX }, async (t) => {
  const s = scratch(t);
  const { call } = await connect(t, s);
  const run = await call('run', { command: ['sleep', '300'], stall_after: 1, wait_seconds: 0 });
  assert.equal(run.isError, false, JSON.stringify(run.json));
  const id: string = run.json.job_id;
  s.killAtEnd.add(id);
  const waited = await call('wait', { job_id: id, timeout_seconds: 120 });
  assert.deepEqual([waited.json.state, waited.json.attention?.kind], ['running', 'stalled']);
  const killed = await call('kill', { job_id: id, grace_seconds: 1 });
  assert.equal(killed.json.state, 'killed');
  assert.deepEqual(findEnvTagged(id), []);
});

test(
  'rerun starts a new attempt under the same id and keeps the first; status, output and list show attempts; another client needs force',
  { skip: NEEDS_LINUX },
  async (t) => {
    const s = scratch(t);
    const { call } = await connect(t, s);
    const other = await connect(t, s, 'client-b');
    const counter = path.join(s.tmp, 'count');
    const run = await call('run', { command: [`echo run >> '${counter}'; echo "attempt $(wc -l < '${counter}')"`], wait_seconds: 10 });
    const id: string = run.json.job_id;
    assert.equal((await call('wait', { job_id: id, timeout_seconds: 30 })).json.state, 'exited');
    assert.equal(run.json.attempt, undefined, 'a job never rerun has no attempt field');
    const noChannel = await call('send_input', { job_id: id, text: 'x' });
    assert.deepEqual([noChannel.isError, noChannel.json.error.code], [true, 'no_input_channel']);

    const refused = await other.call('rerun', { job_id: id });
    assert.deepEqual([refused.isError, refused.json.error.code], [true, 'not_owner']);
    const again = await call('rerun', { job_id: id, wait_seconds: 10 });
    assert.equal(again.isError, false, JSON.stringify(again.json));
    assert.deepEqual([again.json.type, again.json.job_id, again.json.attempt], ['rerun', id, 2]);
    assert.equal((await call('wait', { job_id: id, timeout_seconds: 30 })).json.state, 'exited');

    const latest = await call('output', { job_id: id });
    assert.deepEqual([latest.json.stdout, latest.json.attempt], ['attempt 2\n', 2]);
    const first = await call('output', { job_id: id, attempt: 1 });
    assert.deepEqual([first.json.stdout, first.json.attempt], ['attempt 1\n', 1]);
    const page = await call('output', { job_id: id, attempt: 1, offset: 0, length: 100 });
    assert.deepEqual([page.json.text, page.json.attempt], ['attempt 1\n', 1]);
    assert.equal(page.json.log_path, path.join(s.root, id, 'attempts', '1', 'stdout.log'));
    const status = await call('status', { job_id: id, attempt: 1 });
    assert.deepEqual([status.json.state, status.json.exit_code, status.json.attempt], ['exited', 0, 1]);
    const missing = await call('status', { job_id: id, attempt: 3 });
    assert.deepEqual([missing.isError, missing.json.error.code], [true, 'invalid_request']);
    const listed = await call('list', {});
    assert.deepEqual(
      listed.json.jobs.map((j: Record<string, unknown>) => [j.job_id, j.attempts]),
      [[id, 2]],
    );

    const forced = await other.call('rerun', { job_id: id, force: true, wait_seconds: 10 });
    assert.deepEqual([forced.isError, forced.json.attempt, forced.json.owner], [false, 3, `agent:${CLIENT_NAME}`]);
    assert.equal((await call('wait', { job_id: id, timeout_seconds: 30 })).json.state, 'exited');
    assert.equal(readJson(path.join(s.root, id, 'meta.json')).owner, `agent:${CLIENT_NAME}`, 'a rerun job keeps its owner');
    assert.deepEqual(findEnvTagged(id), []);
  },
);
