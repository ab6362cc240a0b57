/**
 * Issue 10 item 5 through the CLI: a job that prints a masked value (`--env` + `--mask`, an
 * `--env-file` entry named by `--mask`, and through create/start) answers `run` and `tail`
 * with `***` in its place; the logs on disk keep the raw bytes and no job file holds the value.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { filesHoldingSecrets } from '../helpers/secrets';
import { runCli } from '../helpers/cli';
import { scratch } from './runHelpers';
import { NEEDS_LINUX } from '../helpers/platform';

test('CLI run and tail redact --mask values and masked --env-file values; logs keep the bytes', async (t) => {
  const s = scratch(t);
  const fromEnv = `env-s3cret-${process.pid}`;
  const fromFile = `file-s3cret-${process.pid}`;
  const envFile = path.join(s.tmp, 'secrets.env');
  writeFileSync(envFile, `FILE_SECRET=${fromFile}\nPLAIN=visible-value\n`);
  const script = 'echo "a=$API_SECRET b=$FILE_SECRET c=$PLAIN"; echo "err $API_SECRET" >&2';
  const run = await runCli(
    [
      '--root',
      s.root,
      'run',
      '--env',
      `API_SECRET=${fromEnv}`,
      '--mask',
      'API_SECRET',
      '--env-file',
      envFile,
      '--mask',
      'FILE_SECRET',
      '--',
      'sh',
      '-c',
      script,
    ],
    { cwd: s.cwd, env: s.env },
  );
  assert.equal(run.code, 0, run.stdout);
  assert.equal(run.json.state, 'exited');
  assert.equal(run.json.stdout, 'a=*** b=*** c=visible-value\n');
  assert.equal(run.json.stderr, 'err ***\n');
  assert.deepEqual(
    run.json.stdout_range,
    [0, Buffer.byteLength(`a=${fromEnv} b=${fromFile} c=visible-value\n`)],
    'ranges are raw byte ranges',
  );
  const id: string = run.json.job_id;

  const tail = await runCli(['--root', s.root, 'tail', id], { cwd: s.cwd, env: s.env });
  assert.equal(tail.json.stdout, 'a=*** b=*** c=visible-value\n');
  assert.equal(tail.json.stderr, 'err ***\n');
  for (const out of [run.stdout, tail.stdout]) assert.ok(!out.includes(fromEnv) && !out.includes(fromFile));

  const dir = path.join(s.root, id);
  assert.equal(
    readFileSync(path.join(dir, 'stdout.log'), 'utf8'),
    `a=${fromEnv} b=${fromFile} c=visible-value\n`,
    'the log keeps the raw bytes',
  );
  assert.deepEqual(filesHoldingSecrets(dir, [fromEnv, fromFile], { skipLogs: true }), [], 'a value in a job file');
});

test('CLI create + start: the masked value is redacted in the start answer and in tail', async (t) => {
  const s = scratch(t);
  const secret = `created-s3cret-${process.pid}`;
  const created = await runCli(
    ['--root', s.root, 'create', '--env', `TOKEN=${secret}`, '--mask', 'TOKEN', '--', 'sh', '-c', 'echo "token: $TOKEN"'],
    { cwd: s.cwd, env: s.env },
  );
  const id: string = created.json.job_id;
  const started = await runCli(['--root', s.root, 'start', id], { cwd: s.cwd, env: s.env });
  assert.equal(started.code, 0, started.stdout);
  assert.ok(!started.stdout.includes(secret), started.stdout);
  const tail = await runCli(['--root', s.root, 'wait', id], { cwd: s.cwd, env: s.env }).then(() =>
    runCli(['--root', s.root, 'tail', id], { cwd: s.cwd, env: s.env }),
  );
  assert.equal(tail.json.stdout, 'token: ***\n');
});

test(
  'kill --dry-run and ports show a job process whose arguments hold a masked value with *** in its place',
  { skip: NEEDS_LINUX },
  async (t) => {
    const s = scratch(t);
    const secret = `argv-s3cret-${process.pid}`;
    // The shell expands the value into node's argv, where /proc/<pid>/cmdline shows it.
    const server = `require('http').createServer().listen(0, '127.0.0.1', () => console.log('ready'))`;
    const run = await runCli(
      [
        '--root',
        s.root,
        'run',
        '--env',
        `API_SECRET=${secret}`,
        '--mask',
        'API_SECRET',
        '--',
        'sh',
        '-c',
        `exec node -e "${server}" "$API_SECRET"`,
      ],
      { cwd: s.cwd, env: s.env },
    );
    assert.equal(run.code, 0, run.stdout + run.stderr);
    s.killAtEnd.add(run.json.job_id);
    assert.equal(run.json.stdout, 'ready\n');
    const preview = await runCli(['--root', s.root, 'kill', '--dry-run', run.json.job_id], { cwd: s.cwd, env: s.env });
    assert.equal(preview.code, 0, preview.stdout);
    assert.ok(
      preview.json.targets.some((p: { command: string }) => p.command.includes('***')),
      preview.stdout,
    );
    assert.doesNotMatch(preview.stdout, new RegExp(secret));
    const ports = await runCli(['--root', s.root, 'ports'], { cwd: s.cwd, env: s.env });
    const mine = ports.json.ports.filter((p: { job_id?: string }) => p.job_id === run.json.job_id);
    assert.equal(mine.length, 1, ports.stdout);
    assert.match(mine[0].command, /\*\*\*/);
    assert.doesNotMatch(ports.stdout, new RegExp(secret));
    assert.equal((await runCli(['--root', s.root, 'kill', run.json.job_id], { cwd: s.cwd, env: s.env })).json.state, 'killed');
  },
);
