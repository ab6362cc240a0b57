import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { isProcessAlive } from '../../src/core/process/proc';
import { runCommandSink, runFileSink } from '../../src/core/notify';
import { tempDir } from '../helpers/tempRoot';

test('a hung command sink is killed (with its children) after its timeout', async (t) => {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  const pidFile = path.join(dir, 'child.pid');
  const t0 = Date.now();
  const r = await runCommandSink(['sh', '-c'], `sleep 30 & echo $! > '${pidFile}'; wait`, '{}', process.env, 300);
  assert.ok(Date.now() - t0 < 5000);
  assert.equal(r.success, false);
  assert.equal(r.error, 'timed out after 300 ms');
  const child = Number(readFileSync(pidFile, 'utf8'));
  const end = Date.now() + 5000;
  while (isProcessAlive(child) && Date.now() < end) await new Promise((res) => setTimeout(res, 20));
  assert.equal(isProcessAlive(child), false, 'the sink’s background child was killed too');
});

test('command sink: event on stdin, exit status and spawn errors in agent-exec’s words', async (t) => {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  const out = path.join(dir, 'got.json');
  const ok = await runCommandSink(['sh', '-c'], `cat > '${out}'`, '{"a":1}', process.env);
  assert.deepEqual(Object.keys(ok), ['sink_type', 'target', 'success', 'attempted_at']);
  assert.equal(readFileSync(out, 'utf8'), '{"a":1}');
  assert.equal((await runCommandSink(['sh', '-c'], 'exit 4', '{}', process.env)).error, 'exited with status exit status: 4');
  assert.equal((await runCommandSink(['sh', '-c'], 'kill -9 $$', '{}', process.env)).error, 'exited with status signal: 9 (SIGKILL)');
  assert.equal((await runCommandSink(['sh', '-c'], '  ', '{}', process.env)).error, 'empty shell command');
  assert.match((await runCommandSink(['no-such-shell-xyz'], 'x', '{}', process.env)).error!, /^spawn error: No such file or directory/);
});

test('file sink: creates parent dirs, appends lines; errors name the step', async (t) => {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  const file = path.join(dir, 'a', 'b', 'events.ndjson');
  assert.equal((await runFileSink(file, '{"n":1}')).success, true);
  await runFileSink(file, '{"n":2}');
  assert.equal(readFileSync(file, 'utf8'), '{"n":1}\n{"n":2}\n');
  const blocker = path.join(dir, 'plain');
  writeFileSync(blocker, '');
  assert.match((await runFileSink(path.join(blocker, 'x', 'e.ndjson'), '{}')).error!, /^create parent dir: /);
  assert.match((await runFileSink(dir, '{}')).error!, /^open error: Is a directory/);
});
