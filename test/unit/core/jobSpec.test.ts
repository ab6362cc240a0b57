import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildMeta, maskEnvVars, parseEnvFile, workloadArgv, workloadEnv, type JobDefinition } from '../../../src/core/jobSpec';

const def: JobDefinition & { shellWrapper: string[] } = {
  command: ['npm', 'test'],
  env: ['API_TOKEN=abc', 'CI=1', 'EMPTY'],
  envFiles: [],
  inheritEnv: true,
  mask: ['API_TOKEN'],
  tags: ['ci'],
  timeoutSec: 600,
  killAfterSec: 5,
  progressEverySec: 2,
  notifyFile: '/tmp/events.ndjson',
  outputMatch: { pattern: 'ERR' },
  shellWrapper: ['sh', '-lc'],
};

test('buildMeta: agent-exec key order, masked env_vars, no env_vars_runtime, seconds → ms', () => {
  const meta = buildMeta('3f9a1c0d7be24e6a9c51d08f2a7b6e13', '/r', '/', def, 'stdin.bin');
  assert.deepEqual(Object.keys(meta), [
    'job',
    'schema_version',
    'command',
    'created_at',
    'root',
    'env_keys',
    'env_vars',
    'mask',
    'cwd',
    'notification',
    'tags',
    'inherit_env',
    'timeout_ms',
    'kill_after_ms',
    'progress_every_ms',
    'shell_wrapper',
    'stdin_file',
  ]);
  assert.deepEqual(meta.env_keys, ['API_TOKEN', 'CI', 'EMPTY']);
  assert.deepEqual(meta.env_vars, ['API_TOKEN=***', 'CI=1', 'EMPTY=']);
  assert.deepEqual(meta.notification, {
    notify_file: '/tmp/events.ndjson',
    on_output_match: { pattern: 'ERR', match_type: 'contains', stream: 'either' },
  });
  assert.equal(meta.timeout_ms, 600_000);
  assert.equal(meta.kill_after_ms, 5000);
  assert.equal(meta.progress_every_ms, 2000);
  assert.ok(!('env_vars_runtime' in meta));
});

test('buildMeta: optional keys are omitted when empty', () => {
  const meta = buildMeta('a'.repeat(32), '/r', '/', { ...def, env: [], mask: [], notifyFile: undefined, outputMatch: undefined });
  assert.deepEqual(Object.keys(meta), [
    'job',
    'schema_version',
    'command',
    'created_at',
    'root',
    'env_keys',
    'cwd',
    'tags',
    'inherit_env',
    'timeout_ms',
    'kill_after_ms',
    'progress_every_ms',
    'shell_wrapper',
  ]);
});

test('env files: trimmed lines, comments and blanks skipped, first = splits, no unquoting', () => {
  assert.deepEqual(parseEnvFile('FOO=bar\n# comment\n\n  BAZ=qux=1  \nNOEQ\nQUOTED="q"\n'), [
    ['FOO', 'bar'],
    ['BAZ', 'qux=1'],
    ['NOEQ', ''],
    ['QUOTED', '"q"'],
  ]);
});

test('workload env: inherit, then files, then --env (later wins), then the job tag', () => {
  const env = workloadEnv(
    'id1',
    { PATH: '/bin', FOO: 'caller' },
    true,
    [
      ['FOO', 'file'],
      ['BAR', 'file'],
    ],
    ['FOO=flag'],
  );
  assert.deepEqual(env, { PATH: '/bin', FOO: 'flag', BAR: 'file', AGENT_EXEC_JOB_ID: 'id1' });
  assert.deepEqual(workloadEnv('id2', { PATH: '/bin' }, false, [], ['ONLY=1']), { ONLY: '1', AGENT_EXEC_JOB_ID: 'id2' });
});

test('workload argv: shell-string vs argv mode; Windows joins with quotes around spaces', () => {
  assert.deepEqual(workloadArgv(['sh', '-lc'], ['echo a && echo b']), ['sh', '-lc', 'echo a && echo b']);
  assert.deepEqual(workloadArgv(['sh', '-lc'], ['npm', 'test']), ['sh', '-lc', 'exec "$@"', '--', 'npm', 'test']);
  assert.deepEqual(workloadArgv(['cmd', '/C'], ['dir', 'C:\\Program Files'], 'win32'), ['cmd', '/C', 'dir "C:\\Program Files"']);
});

test('maskEnvVars keeps order and masks only listed keys', () => {
  assert.deepEqual(maskEnvVars(['A=1', 'B=2', 'C'], ['B', 'C']), ['A=1', 'B=***', 'C=***']);
});
