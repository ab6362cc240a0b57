import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { runCli } from '../helpers/cli';
import { installFixtureJobs } from '../helpers/tempRoot';
import { checkTranscript, jobIds, readJson, redactedMaskTranscript, scratch } from './runHelpers';

// Transcript cases of agent-exec 0.2.3 that must come out identical (ids, paths, timestamps and
// durations normalised). Timing-sensitive ones keep the harness's shape: silent 0.2 s, then output + exit.
const G02 = [
  'run_argv_exited',
  'run_single_string',
  'run_first_output_running',
  'run_exit_nonzero',
  'run_command_not_found',
  'run_command_not_found_string',
  'run_no_wait',
  'run_wait_false',
  'run_bare_wait',
  'run_until_zero',
  'usage_run_until_and_forever',
  'usage_run_missing_command',
  'run_max_bytes',
  'run_max_bytes_splits_utf8',
  'run_yaml',
  'run_cwd',
  'run_shell_wrapper',
  'run_log_override',
  'run_invalid_utf8',
  'run_no_trailing_newline',
];

test('run: inline observation, modes and output heads match agent-exec 0.2.3 transcripts', async (t) => {
  const s = scratch(t);
  mkdirSync(path.join(s.cwd, 'sub dir'));
  for (const name of G02) await checkTranscript(name, s, { sizes: name === 'run_cwd' });
  // run_log_override: the combined log went to --log, the job's full.log stays empty.
  const logged = readFileSync(path.join(s.cwd, 'logs/combined.log'), 'utf8');
  assert.match(logged, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \[STDOUT\] L\n$/);
});

test("run: --wait true|false after an option value is still the flag's value, as agent-exec parses it, not the start of the command", async (t) => {
  const s = scratch(t);
  for (const [flagValue, observed] of [
    ['false', false],
    ['TRUE', true],
  ] as const) {
    const r = await runCli(['--root', s.root, 'run', '--timeout', '5', '--wait', flagValue, 'echo', 'hi'], { cwd: s.cwd, env: s.env });
    assert.equal(r.code, 0, r.stderr);
    s.killAtEnd.add(r.json.job_id);
    assert.deepEqual(readJson(path.join(s.root, r.json.job_id, 'meta.json')).command, ['echo', 'hi']);
    // Observed: run waited for the first output; not observed: it returned at once without reading any.
    if (observed) assert.equal(r.json.stdout, 'hi\n');
    else assert.equal(r.json.waited_ms, 0);
    const done = await runCli(['--root', s.root, 'wait', r.json.job_id], { cwd: s.cwd, env: s.env });
    assert.equal(done.json.state, 'exited');
  }
});

test('run: silent jobs honour --until and --forever', async (t) => {
  const s = scratch(t);
  await checkTranscript('run_until_short', s);
  await checkTranscript('run_forever', s);
});

test('run: env, env-file, mask, tags, no-inherit-env, stdin variants match the transcripts', async (t) => {
  const s = scratch(t);
  writeFileSync(path.join(s.cwd, 'vars.env'), 'FOO=bar\n# comment\n\n  BAZ=qux=1  \nNOEQ\nQUOTED="q"\n');
  writeFileSync(path.join(s.cwd, 'input.txt'), 'from file\n');
  await checkTranscript('run_env_mask', s, { expected: redactedMaskTranscript });
  for (const name of [
    'run_env_file',
    'run_no_inherit_env',
    'run_stdin_literal',
    'run_stdin_dash',
    'run_stdin_file',
    'usage_stdin_and_stdin_file',
    'usage_invalid_tag',
    'usage_output_match_type_invalid',
  ]) {
    await checkTranscript(name, s);
  }
  const ids = jobIds(s.root);
  const masked = ids.map((id) => readJson(path.join(s.root, id, 'meta.json'))).find((m) => m.tags.includes('project.build'));
  assert.deepEqual(masked.env_vars, ['API_TOKEN=***', 'CI=1']);
  assert.equal(masked.env_vars_runtime, undefined);
  for (const id of ids) {
    // Secrets: the masked value is on no file of the job.
    const dir = path.join(s.root, id);
    for (const f of ['meta.json', 'state.json']) assert.doesNotMatch(readFileSync(path.join(dir, f), 'utf8'), /=abc\b/);
  }
  const withStdin = ids.find((id) => readJson(path.join(s.root, id, 'meta.json')).stdin_file === 'stdin.bin')!;
  assert.equal(statSync(path.join(s.root, withStdin, 'stdin.bin')).mode & 0o777, 0o600);
});

test('run: stdin_too_large leaves no job directory behind (agent-exec left an orphan)', async (t) => {
  const s = scratch(t);
  await checkTranscript('run_stdin_too_large', s);
  assert.deepEqual(jobIds(s.root), []);
});

test('run: --timeout sends TERM, then KILL after --kill-after, and marks the job timed_out', async (t) => {
  const s = scratch(t);
  for (const name of ['run_timeout_default_kill_after', 'run_timeout_kill_after_term_ignored', 'run_timeout_kill_after_dies_on_term']) {
    const r = await checkTranscript(name, s);
    assert.equal(r.json.timed_out, true, name);
    assert.equal(readJson(path.join(s.root, r.json.job_id, 'state.json')).timed_out, true);
  }
});

test('auto-GC runs after a launch unless --no-auto-gc or [gc] auto = false', async (t) => {
  const s = scratch(t);
  const { 'exited-0': old } = installFixtureJobs(s.root, ['exited-0']);
  const run = (...flags: string[]) => runCli(['--root', s.root, 'run', ...flags, '--', 'true'], { cwd: s.cwd, env: s.env });
  await run('--no-auto-gc', '--auto-gc-older-than', '1s');
  assert.ok(jobIds(s.root).includes(old));
  const config = path.join(s.tmp, 'config.toml');
  writeFileSync(config, '[gc]\nauto = false\n');
  await run('--config', config, '--auto-gc-older-than', '1s');
  assert.ok(jobIds(s.root).includes(old));
  // The fixture finished long ago; the job just launched is active, so it stays.
  const last = await runCli(['--root', s.root, 'run', '--auto-gc-older-than', '1s', '--', 'sh', '-c', 'echo x; sleep 2'], {
    cwd: s.cwd,
    env: s.env,
  });
  assert.ok(!jobIds(s.root).includes(old));
  assert.ok(jobIds(s.root).includes(last.json.job_id));
});

test('run with a malformed --config is an internal_error and creates nothing', async (t) => {
  const s = scratch(t);
  const config = path.join(s.tmp, 'bad.toml');
  writeFileSync(config, '[gc\n');
  const r = await runCli(['--root', s.root, 'run', '--config', config, '--', 'true'], { cwd: s.cwd, env: s.env });
  assert.equal(r.code, 1);
  assert.equal(r.json.error.code, 'internal_error');
  assert.deepEqual(jobIds(s.root), []);
});
