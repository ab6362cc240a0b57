/**
 * Issue 6, Copilot tools and agent commands (the parts without an editor): package.json
 * `languageModelTools` ↔ the registered tools, the confirmation texts, result shaping, and the
 * `writeTo` file of programmatic command calls.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { AGENT_TOOL, AGENT_TOOLS, TOOL_MAX_BYTES } from '../../../../src/agent/tools';
import {
  killConfirmation,
  MAX_LISTED_TARGETS,
  ownerText,
  readyText,
  rerunConfirmation,
  runConfirmation,
  sendInputConfirmation,
} from '../../../../src/extension/lm/confirmations';
import { COPILOT_OWNER, languageModelToolContributions, LM_TOOLS, resultTexts } from '../../../../src/extension/lm/toolCatalog';
import {
  AGENT_COMMANDS,
  agentOwner,
  agentRunReadiness,
  agentResult,
  snakeCaseKeys,
  splitWriteTo,
  toolArgs,
} from '../../../../src/extension/agent/agentOutput';
import { JobError } from '../../../../src/core/errors';
import type { KillTargetsDescription } from '../../../../src/core/ops/kill';
import { writeFakeJob } from '../../../helpers/fakeJobs';
import { tempDir } from '../../../helpers/tempRoot';

const pkg = JSON.parse(readFileSync(path.resolve('package.json'), 'utf8'));

test('package.json languageModelTools is exactly what the extension registers (names, schemas, descriptions)', () => {
  assert.deepEqual(pkg.contributes.languageModelTools, languageModelToolContributions());
  assert.deepEqual(
    LM_TOOLS.map((t) => t.name),
    [
      'agentExec_run',
      'agentExec_status',
      'agentExec_output',
      'agentExec_wait',
      'agentExec_kill',
      'agentExec_send_input',
      'agentExec_rerun',
      'agentExec_list',
      'agentExec_ports',
    ],
  );
});

test('tool contributions follow VS Code rules: names, unique #references, icons, strict schemas', () => {
  const tools = pkg.contributes.languageModelTools as Record<string, unknown>[];
  for (const t of tools) {
    assert.match(t.name as string, /^(?!copilot_|vscode_)[\w-]+$/);
    assert.equal(t.canBeReferencedInPrompt, true);
    assert.match(t.icon as string, /^\$\([\w-]+\)$/);
    assert.ok((t.modelDescription as string).length > 80, `${t.name}: modelDescription too thin`);
    assert.equal((t.inputSchema as { additionalProperties: boolean }).additionalProperties, false);
  }
  const refs = tools.map((t) => t.toolReferenceName);
  assert.equal(new Set(refs).size, refs.length);
  assert.ok(refs.includes('runJob') && refs.includes('killJob'));
});

test('kill names its job by job_id or by port, exactly one; ports takes a port from 1 to 65535', async () => {
  const ctx = { root: '/nonexistent-root', launch: { cwd: '/' }, owner: COPILOT_OWNER } as Parameters<typeof AGENT_TOOL.kill.invoke>[1];
  for (const args of [{}, { job_id: 'abc', port: 8080 }, { dry_run: true }]) {
    await assert.rejects(
      AGENT_TOOL.kill.invoke(args, ctx),
      (e: JobError) => e.code === 'invalid_request' && /exactly one of `job_id` and `port`/.test(e.message),
      JSON.stringify(args),
    );
  }
  for (const port of [0, 65536, 'http']) {
    await assert.rejects(
      AGENT_TOOL.ports.invoke({ port }, ctx),
      (e: JobError) => e.code === 'invalid_request' && /field `port`/.test(e.message),
      String(port),
    );
  }
});

test('API-only agent commands activate the extension and map to agent tools', () => {
  for (const [id, tool] of Object.entries(AGENT_COMMANDS)) {
    assert.ok(pkg.activationEvents.includes(`onCommand:${id}`), id);
    assert.ok(
      AGENT_TOOLS.some((t) => t.name === tool),
      tool,
    );
  }
  // The UI commands that take arguments (run, kill, delete) are contributed by the extension itself.
  const contributed = pkg.contributes.commands.map((c: { command: string }) => c.command);
  for (const id of ['agentExec.run', 'agentExec.kill', 'agentExec.delete']) assert.ok(contributed.includes(id), id);
  for (const id of Object.keys(AGENT_COMMANDS)) assert.ok(!contributed.includes(id), `${id} has no UI form`);
});

test('a result is the envelope as one compact JSON text, then the truncation hints', () => {
  const envelope = { schema_version: '0.1', ok: true, type: 'tail', job_id: 'x', stdout_tail: 'a\nb' };
  const texts = resultTexts({ envelope, notes: ['stdout shows bytes [100, 200) of 200; read other parts … or from /r/x/stdout.log'] });
  assert.equal(texts.length, 2);
  assert.equal(texts[0], JSON.stringify(envelope));
  assert.ok(!texts[0].includes('\n  '), 'compact');
  assert.deepEqual(JSON.parse(texts[0]), envelope);
});

test('the tools bound what a result can carry: larger reads are refused, a long log comes back cut to the bound', async (t) => {
  const { dir: root, cleanup } = tempDir('ae-lm-bound-');
  t.after(cleanup);
  const id = writeFakeJob(root, { stdout: 'x'.repeat(TOOL_MAX_BYTES + 1000) });
  const ctx = { root, owner: COPILOT_OWNER, launch: { cwd: root, env: {}, runtime: { execPath: process.execPath, script: 'unused' } } };
  const output = AGENT_TOOL.output;
  for (const args of [{ max_bytes: TOOL_MAX_BYTES + 1 }, { offset: 0, length: TOOL_MAX_BYTES + 1 }]) {
    await assert.rejects(
      output.invoke({ job_id: id, ...args }, ctx),
      (e: JobError) => e.code === 'invalid_request' && /expected at most/.test(e.message),
      JSON.stringify(args),
    );
  }
  const tail = await output.invoke({ job_id: id, tail_lines: 0, max_bytes: TOOL_MAX_BYTES }, ctx);
  assert.equal((tail.envelope as { stdout: string }).stdout.length, TOOL_MAX_BYTES);
  assert.match(tail.notes[0], /stdout shows bytes \[1000, \d+\)/);
  const page = (await output.invoke({ job_id: id, offset: 0, length: TOOL_MAX_BYTES }, ctx)).envelope as { text: string; eof: boolean };
  assert.deepEqual([page.text.length, page.eof], [TOOL_MAX_BYTES, false]);
});

test('run confirmation shows the command line, the directory, env names (never values) and the owner', () => {
  const c = runConfirmation({ command: ['npm', 'run', 'dev server'], cwd: '/w', envNames: ['TOKEN'], timeoutSeconds: 60 });
  assert.equal(c.title, 'Run a background job?');
  assert.match(c.message, /npm run 'dev server'/);
  assert.match(c.message, /Working directory: \/w/);
  assert.match(c.message, /TOKEN/);
  assert.match(c.message, /Time limit: 60 s/);
  assert.ok(c.message.includes(COPILOT_OWNER));
});

const desc = (n: number): KillTargetsDescription => ({
  job_id: '0123456789abcdef0123456789abcdef',
  state: 'running',
  identity: 'verified',
  targets: Array.from({ length: n }, (_, i) => ({ pid: 1000 + i, reason: i === 0 ? 'workload' : 'group', command: `sleep ${i}` })),
  ports: [],
});

test("kill confirmation lists the processes and says so when the job is not Copilot's", () => {
  const own = killConfirmation(
    desc(2),
    { command: ['sleep 100'], owner: COPILOT_OWNER },
    { signal: 'TERM', graceSeconds: 5, noWait: false },
  );
  assert.equal(own.title, 'Kill job 01234567?');
  assert.match(own.message, /send TERM to job 01234567, then KILL to whatever is left after 5 s/);
  assert.match(own.message, /1000 {2}sleep 0 {2}\[workload\]/);
  assert.match(own.message, /1001 {2}sleep 1 {2}\[group\]/);
  assert.doesNotMatch(own.message, /not started by Copilot/);
  assert.match(own.message, /never signalled/);

  const human = killConfirmation(
    desc(1),
    { command: ['sleep', '100'], owner: 'human:vscode' },
    { signal: 'KILL', graceSeconds: 5, noWait: false },
  );
  assert.match(human.title, /did not start/);
  assert.match(human.message, /Owner: human:vscode — not started by Copilot/);
  assert.doesNotMatch(human.message, /then KILL/);

  const legacy = killConfirmation(desc(0), { command: ['x'] }, { signal: 'INT', graceSeconds: 1, noWait: true });
  assert.match(legacy.message, /Owner: not recorded/);
  assert.match(legacy.message, /No live process/);
  assert.equal(ownerText('agent:claude-code'), 'agent:claude-code — not started by Copilot');
});

test("kill confirmation shows each process's age, the ports that will be freed and how long the job has run", () => {
  const d: KillTargetsDescription = {
    ...desc(2),
    targets: [
      { pid: 1000, reason: 'workload', command: 'node server.js', age_s: 125 },
      { pid: 1001, reason: 'group', command: 'esbuild --watch', age_s: 7 },
    ],
    ports: [
      { port: 3000, protocol: 'tcp', address: '127.0.0.1', pid: 1000 },
      { port: 3000, protocol: 'tcp6', address: '::1', pid: 1000 },
      { port: 5353, protocol: 'udp', address: '0.0.0.0', pid: 1001 },
    ],
    owner: COPILOT_OWNER,
    running_for_s: 3725,
  };
  const c = killConfirmation(
    d,
    { command: ['npm', 'run', 'dev'], owner: COPILOT_OWNER },
    { signal: 'TERM', graceSeconds: 5, noWait: false },
  );
  assert.match(c.message, /1000 {2}node server\.js {2}\[workload, up 2m 5s\]/);
  assert.match(c.message, /1001 {2}esbuild --watch {2}\[group, up 7\.0 s\]/);
  assert.match(c.message, /^Listening on: 3000\/tcp, 5353\/udp \(these ports will be freed\)$/m);
  assert.match(c.message, /^Running for: 1h 2m$/m);
});

test('kill confirmation of a large process tree lists a bounded number of processes', () => {
  const c = killConfirmation(
    desc(MAX_LISTED_TARGETS + 5),
    { command: ['make -j'], owner: COPILOT_OWNER },
    { signal: 'TERM', graceSeconds: 5, noWait: false },
  );
  assert.equal(c.message.split('\n').filter((l) => /^ {2}\d+ {2}/.test(l)).length, MAX_LISTED_TARGETS);
  assert.match(c.message, /… and 5 more/);
});

test('command arguments: a job id string or camelCase fields, mapped to the tool names', () => {
  assert.deepEqual(toolArgs('abc'), { jobId: 'abc' });
  assert.deepEqual(toolArgs(undefined), {});
  assert.deepEqual(toolArgs(['x']), {});
  assert.deepEqual(snakeCaseKeys({ jobId: 'a', tailLines: 3, max_bytes: 9, timeoutSeconds: 1 }), {
    job_id: 'a',
    tail_lines: 3,
    max_bytes: 9,
    timeout_seconds: 1,
  });
});

test('owner of a job started by a programmatic run: agent:<name>, agent:command by default, validated', () => {
  assert.equal(agentOwner(undefined), 'agent:command');
  assert.equal(agentOwner('claude-code'), 'agent:claude-code');
  assert.equal(agentOwner('agent:cursor'), 'agent:cursor');
  assert.throws(() => agentOwner('bad\nowner'), /printable ASCII/);
  // Owners of the other surfaces cannot be claimed through the command.
  for (const claimed of ['agent:copilot', 'agent:http', 'agent:http:x', 'agent:mcp', 'human:vscode']) {
    assert.throws(() => agentOwner(claimed), /cannot be claimed/, claimed);
  }
  assert.equal(agentOwner('agent:command:ci'), 'agent:command:ci');
  assert.throws(() => agentOwner(7), JobError);
});

test('writeTo: must be absolute; the result (or error envelope) is written atomically with mode 0600', async (t) => {
  const { dir, cleanup } = tempDir('ae-lm-');
  t.after(cleanup);
  assert.throws(() => splitWriteTo({ writeTo: 'rel.json' }), JobError);
  assert.throws(() => splitWriteTo({ writeTo: 5 }), /absolute file path/);
  assert.deepEqual(splitWriteTo({ jobId: 'a', writeTo: null }), { rest: { jobId: 'a' } });

  const warnings: string[] = [];
  const file = path.join(dir, 'out.json');
  let seen: unknown;
  const ok = await agentResult(
    { jobId: 'a', writeTo: file },
    async (args) => ((seen = args), { ok: true, type: 'status' }),
    (m) => warnings.push(m),
  );
  assert.deepEqual(seen, { jobId: 'a' }, 'the command does not see writeTo');
  assert.deepEqual(ok, { ok: true, type: 'status' });
  assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), ok);
  assert.equal(statSync(file).mode & 0o777, 0o600);

  const failed = (await agentResult(
    { writeTo: file },
    async () => {
      throw new JobError('job_not_found', 'job not found: zz');
    },
    (m) => warnings.push(m),
  )) as { ok: boolean; error: { code: string } };
  assert.equal(failed.ok, false);
  assert.equal(failed.error.code, 'job_not_found');
  assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), failed);

  let ran = false;
  const bad = (await agentResult(
    { writeTo: 'x.json' },
    async () => ((ran = true), {}),
    (m) => warnings.push(m),
  )) as { ok: boolean };
  assert.equal(bad.ok, false);
  assert.equal(ran, false, 'a bad writeTo fails before the command runs');

  const unwritable = await agentResult(
    { writeTo: path.join(dir, 'missing', 'x.json') },
    async () => ({ ok: true }),
    (m) => warnings.push(m),
  );
  assert.deepEqual(unwritable, { ok: true }, 'the command happened: its result is still returned');
  assert.match(warnings.at(-1)!, /cannot write the result/);
});

test('run confirmation says when the job counts as ready and that a running job with its singleton key is returned instead', () => {
  const c = runConfirmation({
    command: ['npm', 'run', 'dev'],
    cwd: '/w',
    envNames: [],
    ready: { port: 3000, http: 'http://localhost:3000/health', log: 'ready in \\d+ms', timeout_ms: 90_000, timeout_kill: true },
    singleton: 'web-dev',
  });
  assert.match(
    c.message,
    /^Ready when: a process of the job listens on port 3000 and http:\/\/localhost:3000\/health answers and an output line matches \/ready in \\d\+ms\/; not ready after 90 s: timed out, and the job is killed$/m,
  );
  assert.match(
    c.message,
    /^Singleton key: "web-dev" — if a job started with this key is running \(whoever started it\), Copilot gets that job back/m,
  );
  assert.equal(readyText({ log: 'up' }), 'an output line matches /up/');
  assert.equal(readyText({ port: 5173, timeout_ms: 1500 }), 'a process of the job listens on port 5173; not ready after 1.5 s: timed out');
  const plain = runConfirmation({ command: ['make'], cwd: '/w', envNames: [] });
  assert.doesNotMatch(plain.message, /Ready when|Singleton/);
});

test('run refuses bad readiness input before anything starts; wait until_ready answers for a job that declares readiness', async (t) => {
  const { dir: root, cleanup } = tempDir('ae-lm-ready-');
  t.after(cleanup);
  const ctx = { root, owner: COPILOT_OWNER, launch: { cwd: root, env: {}, runtime: { execPath: process.execPath, script: 'unused' } } };
  const refused: [Record<string, unknown>, RegExp][] = [
    [{ ready_http: 'localhost:3000' }, /^invalid ready_http: expected an http:\/\/ or https:\/\/ URL$/],
    [{ ready_log: '[' }, /^invalid ready_log: /],
    [{ ready_port: 3000, ready_timeout: 0 }, /^invalid ready_timeout: expected a positive duration$/],
    [{ ready_timeout_kill: true }, /^a ready timeout needs a ready condition/],
    [{ wait_ready: true }, /^wait_ready needs a ready condition/],
    [{ singleton: '' }, /^invalid singleton: expected a non-empty key$/],
  ];
  for (const [args, message] of refused) {
    await assert.rejects(
      AGENT_TOOL.run.invoke({ command: ['true'], ...args }, ctx),
      (e: JobError) => e.code === 'invalid_request' && message.test(e.message),
      JSON.stringify(args),
    );
  }
  assert.deepEqual(readdirSync(root), [], 'nothing was started');

  // A running job (this process stands in for its workload) whose log already holds the ready line.
  const id = writeFakeJob(root, {
    status: 'running',
    pid: process.pid,
    stdout: 'compiled\nready on :3000\n',
    meta: { ready: { log: 'ready on' } },
  });
  const waited = (await AGENT_TOOL.wait.invoke({ job_id: id, until_ready: true, timeout_seconds: 30 }, ctx)).envelope as Record<
    string,
    unknown
  >;
  assert.deepEqual([waited.type, waited.state, waited.ready], ['wait', 'running', 'ready']);
  const other = writeFakeJob(root, { status: 'running', pid: process.pid });
  await assert.rejects(
    AGENT_TOOL.wait.invoke({ job_id: other, until_ready: true }, ctx),
    (e: JobError) => e.code === 'invalid_state' && /declares no ready condition/.test(e.message),
  );
});

test('run confirmation says the input stays open and how long a silence counts as a stall', () => {
  const c = runConfirmation({
    command: ['npm', 'init'],
    cwd: '/w',
    envNames: [],
    stdinPipe: true,
    stallAfterSeconds: 300,
    stallKill: true,
  });
  assert.match(c.message, /^Input: kept open; Copilot may answer its prompts \(each answer asks you first\)$/m);
  assert.match(c.message, /^Stall watch: 300 s without output or CPU, then the job is killed$/m);
  const quiet = runConfirmation({ command: ['make'], cwd: '/w', envNames: [], stallAfterSeconds: 60 });
  assert.match(quiet.message, /^Stall watch: 60 s without output or CPU$/m);
  assert.doesNotMatch(quiet.message, /Input:/);
});

const JOB = { job_id: '0123456789abcdef0123456789abcdef', command: ['npm', 'init'], cwd: '/w' };

test('rerun confirmation shows the command, the folder and the owner; a job Copilot did not start is flagged', () => {
  const own = rerunConfirmation({ ...JOB, owner: COPILOT_OWNER });
  assert.equal(own.title, 'Rerun job 01234567?');
  assert.match(own.message, /run job 01234567 again \(a new attempt; the earlier ones keep their logs\)/);
  assert.match(own.message, /^npm init$/m);
  assert.match(own.message, /^Working directory: \/w$/m);
  assert.doesNotMatch(own.message, /not started by Copilot/);
  const human = rerunConfirmation({ ...JOB, owner: 'human:vscode' });
  assert.match(human.message, /^Owner: human:vscode — not started by Copilot$/m);
  assert.match(human.message, /allow only if you want it run again/);
});

test('input confirmation shows the question, the exact text Copilot types (its length at a secret prompt) and whether the input is closed', () => {
  const c = sendInputConfirmation({ ...JOB, owner: COPILOT_OWNER }, { text: 'my-app "x"', eof: true, lastLine: 'package name: ' });
  assert.equal(c.title, 'Send input to job 01234567?');
  assert.match(c.message, /^It asks: package name: $/m);
  assert.match(c.message, /^Copilot types: "my-app \\"x\\"" \(then Enter\)$/m, 'the text in full, quoted: the person decides');
  assert.match(c.message, /^Then its input is closed/m);
  const secret = sendInputConfirmation({ ...JOB, owner: COPILOT_OWNER }, { text: 'hunter2', eof: false, lastLine: 'Password: ' });
  assert.match(secret.message, /^Copilot types 7 characters, not shown: the job asks for a secret \(then Enter\)$/m);
  assert.doesNotMatch(secret.message, /hunter2/, 'a password is not put on the screen');
  const eofOnly = sendInputConfirmation({ ...JOB, owner: 'agent:other' }, { eof: true });
  assert.doesNotMatch(eofOnly.message, /types|It asks/);
  assert.match(eofOnly.message, /Owner: agent:other — not started by Copilot/);
});

test('send_input and rerun keep the ownership rule, refuse bad input and jobs without an input channel, and write nothing then', async (t) => {
  const { dir: root, cleanup } = tempDir('ae-lm-input-');
  t.after(cleanup);
  const ctx = { root, owner: COPILOT_OWNER, launch: { cwd: root, env: {}, runtime: { execPath: process.execPath, script: 'unused' } } };
  const foreign = writeFakeJob(root, { status: 'running', pid: process.pid, meta: { owner: 'human:vscode', stdin_pipe: true } });
  const own = writeFakeJob(root, { status: 'running', pid: process.pid, meta: { owner: COPILOT_OWNER } });
  const finished = writeFakeJob(root, { meta: { owner: 'agent:other' } });
  const cases: [string, Record<string, unknown>, string, RegExp][] = [
    [
      'send_input',
      { job_id: foreign, text: 'y' },
      'not_owner',
      /was started by human:vscode, not by agent:copilot; to send input to it anyway/,
    ],
    ['send_input', { job_id: own }, 'invalid_request', /^give `text`, `eof: true`, or both$/],
    ['send_input', { job_id: own, text: 'y' }, 'no_input_channel', /has no input channel/],
    ['rerun', { job_id: finished }, 'not_owner', /to rerun it anyway/],
    ['rerun', { job_id: own }, 'invalid_state', /only a finished job can be rerun/],
    ['status', { job_id: own, attempt: 2 }, 'invalid_request', /has no attempt 2 \(attempts 1 to 1\)/],
    ['run', { command: ['true'], stall_after: 0, stall_kill: true }, 'invalid_request', /^stall_kill needs a stall watch/],
    ['run', { command: ['true'], input_prompt: 'x' }, 'invalid_request', /^input_prompt needs stdin_pipe: true/],
    ['run', { command: ['true'], stdin_pipe: true, input_prompt: '(' }, 'invalid_request', /^invalid input_prompt: /],
  ];
  for (const [tool, args, code, message] of cases) {
    const named = AGENT_TOOLS.find((x) => x.name === tool)!;
    await assert.rejects(
      named.invoke(args, ctx),
      (e: JobError) => e.code === code && message.test(e.message),
      `${tool} ${JSON.stringify(args)}`,
    );
  }
  assert.deepEqual(readdirSync(root).sort(), [foreign, own, finished].sort(), 'nothing was started');
  assert.ok(!readdirSync(path.join(root, finished)).includes('attempts'), 'a refused rerun archives nothing');
});

test("agentExec.run takes the run tool's readiness and singleton fields, camelCase or snake_case, checked alike", () => {
  assert.deepEqual(agentRunReadiness({ command: 'npm run dev', readyPort: 5173, waitReady: true, singleton: 'web', owner: 'x' }), {
    ready: { port: 5173 },
    singleton: 'web',
    untilReady: true,
  });
  assert.deepEqual(agentRunReadiness({ ready_log: 'up', ready_timeout: 1.5 }), {
    ready: { log: 'up', timeout_ms: 1500 },
    untilReady: false,
  });
  assert.deepEqual(agentRunReadiness({ command: 'x' }), { untilReady: false });
  assert.throws(() => agentRunReadiness({ waitReady: true }), /wait_ready needs a ready condition/);
  assert.throws(() => agentRunReadiness({ readyPort: 0 }), /field `ready_port`: invalid value/);
  assert.throws(() => agentRunReadiness({ singleton: '' }), /invalid singleton/);
});
