/**
 * The input channel and attention (issue 14 part 1) with real processes: a shell that reads
 * after a prompt, a Node readline prompt (it polls its stdin instead of reading), a job that
 * sleeps silently, one that resumes. Every job is ended by the scratch's sweep (by pid).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { runCli } from '../helpers/cli';
import { NEEDS_LINUX } from '../helpers/platform';
import { readIf, scratch, until, type Scratch } from './runHelpers';

const cli = (s: Scratch, args: string[], input?: string, env: NodeJS.ProcessEnv = {}) =>
  runCli(['--root', s.root, ...args], { cwd: s.cwd, env: { ...s.env, ...env }, input });

const stdoutOf = (s: Scratch, id: string) => readIf(path.join(s.root, id, 'stdout.log'));

const PROMPTING_SHELL =
  'printf "Continue? [y/N] "; read a; echo "got $a"; printf "Password: "; read b; echo "pw ${#b}"; read c; echo "eof:$?"';

for (const supervisor of ['shim', 'node'] as const) {
  test(
    `--stdin-pipe (${supervisor} supervisor): wait returns early with needs_input at a prompt; send-input answers it; --eof ends the input`,
    { skip: NEEDS_LINUX },
    async (t) => {
      const s = scratch(t);
      const env = supervisor === 'node' ? { AGENT_EXEC_SUPERVISOR: 'node' } : {};
      const run = await cli(s, ['run', '--stdin-pipe', '--no-wait', '--', 'sh', '-c', PROMPTING_SHELL], undefined, env);
      assert.equal(run.code, 0, run.stderr);
      const id: string = run.json.job_id;
      assert.equal(JSON.parse(readFileSync(path.join(s.root, id, 'meta.json'), 'utf8')).stdin_pipe, true);

      const t0 = Date.now();
      const waited = await cli(s, ['wait', '--until', '60', id]);
      assert.ok(Date.now() - t0 < 30_000, 'wait returned at the prompt, not at its deadline');
      assert.equal(waited.json.state, 'running');
      assert.deepEqual([waited.json.attention.kind, waited.json.attention.last_line], ['needs_input', 'Continue? [y/N] ']);
      assert.match(waited.json.attention.since, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

      const sent = await cli(s, ['send-input', id, 'yes']);
      assert.deepEqual(sent.json, { schema_version: '0.1', ok: true, type: 'send_input', job_id: id, bytes_written: 4, eof: false });
      await until('the answer read', () => stdoutOf(s, id).includes('got yes\nPassword: '));
      // A secret from stdin, never in argv.
      assert.equal((await cli(s, ['send-input', id, '-'], 'hunter2\n')).json.bytes_written, 8);
      await until('the password read', () => stdoutOf(s, id).includes('pw 7\n'));
      // Reading again, with no prompt-like line: no attention.
      const status = await cli(s, ['status', id]);
      assert.equal(status.json.state, 'running');
      assert.equal(status.json.attention, undefined);

      assert.equal((await cli(s, ['send-input', id, '--eof'])).json.eof, true);
      const done = await cli(s, ['wait', '--until', '20', id]);
      assert.deepEqual([done.json.state, done.json.exit_code, done.json.attention], ['exited', 0, undefined]);
      assert.equal(stdoutOf(s, id), 'Continue? [y/N] got yes\nPassword: pw 7\neof:1\n');
      assert.equal((await cli(s, ['send-input', id, 'late'])).json.error.code, 'invalid_state');
    },
  );
}

test(
  'needs_input: a Node readline prompt (it polls its stdin) is seen; masked values stay hidden in last_line',
  { skip: NEEDS_LINUX },
  async (t) => {
    const s = scratch(t);
    const program =
      "require('readline').createInterface({input:process.stdin,output:process.stdout}).question('Token for ' + process.env.API_KEY + '? ', (a) => { console.log('got', a.length); process.exit(0); })";
    const run = await cli(s, [
      'run',
      '--stdin-pipe',
      '--env',
      'API_KEY=abcdef123',
      '--mask',
      'API_KEY',
      '--until',
      '20',
      '--',
      process.execPath,
      '-e',
      program,
    ]);
    const id: string = run.json.job_id;
    const waited = await cli(s, ['wait', '--until', '60', id]);
    assert.equal(waited.json.attention?.kind, 'needs_input', JSON.stringify(waited.json));
    assert.equal(waited.json.attention.last_line, 'Token for ***? ');
    await cli(s, ['send-input', id, 'x']);
    assert.deepEqual((await cli(s, ['wait', '--until', '20', id])).json.exit_code, 0);
  },
);

test(
  'a prompt without --stdin-pipe reads end-of-file at once, as in agent-exec; send-input is no_input_channel',
  { skip: NEEDS_LINUX },
  async (t) => {
    const s = scratch(t);
    const run = await cli(s, ['run', '--until', '20', '--', 'sh', '-c', 'printf "Name: "; read a; echo "status $?"']);
    assert.deepEqual([run.json.state, run.json.stdout], ['exited', 'Name: status 1\n']);
    assert.equal('stdin_pipe' in JSON.parse(readFileSync(path.join(s.root, run.json.job_id, 'meta.json'), 'utf8')), false);
    const sent = await cli(s, ['send-input', run.json.job_id, 'x']);
    assert.equal(sent.code, 1);
    assert.equal(sent.json.error.code, 'no_input_channel');
  },
);

test(
  'stalled: no output and no CPU for --stall-after; it clears when the job resumes; --stall-kill kills',
  { skip: NEEDS_LINUX },
  async (t) => {
    const s = scratch(t);
    // The job sleeps in a read of this FIFO (no CPU, no output) until the test writes to it.
    const gate = path.join(s.tmp, 'gate');
    execFileSync('mkfifo', [gate]);
    const run = await cli(s, [
      'run',
      '--stall-after',
      '1',
      '--until',
      '20',
      '--',
      'sh',
      '-c',
      `echo quiet; read x < '${gate}'; echo resumed; exec sleep 60`,
    ]);
    const id: string = run.json.job_id;
    assert.equal(run.json.stdout, 'quiet\n');
    const t0 = Date.now();
    const waited = await cli(s, ['wait', '--until', '60', id]);
    assert.ok(Date.now() - t0 < 30_000, 'wait returned at the stall, not at its deadline');
    assert.deepEqual([waited.json.state, waited.json.attention?.kind, waited.json.attention?.last_line], ['running', 'stalled', 'quiet']);

    writeFileSync(gate, 'go\n');
    await until('the job resumed', () => stdoutOf(s, id).includes('resumed'));
    assert.equal((await cli(s, ['status', id])).json.attention, undefined, 'new output clears it');

    const held = await cli(s, ['run', '--stall-after', '1', '--stall-kill', '--until', '20', '--', 'sh', '-c', 'echo hold; exec sleep 60']);
    const heldId: string = held.json.job_id;
    await cli(s, ['wait', '--until', '60', heldId]);
    await until('the stalled job killed', async () => (await cli(s, ['status', heldId])).json.state === 'killed');
    assert.equal((await cli(s, ['kill', id])).json.state, 'killed');
  },
);

test('input and attention flags: bad combinations are usage errors (exit 2, nothing created)', async (t) => {
  const s = scratch(t);
  for (const args of [
    ['run', '--stdin-pipe', '--stdin', 'x', '--', 'true'],
    ['run', '--stall-kill', '--', 'true'],
    ['run', '--stall-after', 'soon', '--', 'true'],
    ['run', '--input-prompt', '(', '--', 'true'],
    ['send-input', '0123456789abcdef0123456789abcdef'],
  ]) {
    const r = await cli(s, args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stdout}`);
    assert.equal(r.stdout, '');
  }
  assert.equal(existsSync(s.root), false);
});

test(
  'create --stdin-pipe: the FIFO is not recorded as stdin_file (agent-exec 0.2.3 would block opening it); start feeds it',
  { skip: NEEDS_LINUX },
  async (t) => {
    const s = scratch(t);
    const created = await cli(s, ['create', '--stdin-pipe', '--', 'sh', '-c', 'read a; echo "got $a"']);
    const id: string = created.json.job_id;
    const meta = JSON.parse(readFileSync(path.join(s.root, id, 'meta.json'), 'utf8'));
    assert.deepEqual([meta.stdin_pipe, 'stdin_file' in meta], [true, false]);
    assert.equal((await cli(s, ['start', id, '--no-wait'])).code, 0);
    await cli(s, ['send-input', id, 'hi']);
    const done = await cli(s, ['wait', '--until', '20', id]);
    assert.deepEqual([done.json.state, stdoutOf(s, id)], ['exited', 'got hi\n']);
  },
);
