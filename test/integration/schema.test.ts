import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { CLI, runCli } from '../helpers/cli';
import { FIXTURES, tempDir } from '../helpers/tempRoot';

const transcript = readFileSync(path.join(FIXTURES, 'transcripts.jsonl'), 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => JSON.parse(l))
  .find((r) => r.name === 'schema');

test("schema prints agent-exec 0.2.3's answer byte for byte", async () => {
  const r = await runCli(['schema']);
  assert.equal(r.code, 0);
  assert.equal(r.stdout, transcript.stdout);
});

test('schema works from a copy of the CLI with no schema/ directory anywhere near it (§10.20)', (t) => {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  const lonely = path.join(dir, 'agent-exec.js');
  copyFileSync(CLI, lonely);
  const r = spawnSync(process.execPath, [lonely, 'schema'], { cwd: dir, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, transcript.stdout);
});

test('schema --yaml and usage', async () => {
  const y = await runCli(['--yaml', 'schema']);
  assert.match(
    y.stdout,
    /^---\nschema_version: "0\.1"\nok: true\ntype: schema\nschema_format: json-schema-draft-07\nschema:\n {2}\$comment: "2026-02-19T00:00:00Z"\n/,
  );
  assert.ok(y.stdout.endsWith('generated_at: "2026-02-19T00:00:00Z"\n'));
  const bad = await runCli(['schema', 'extra']);
  assert.equal(bad.code, 2);
});
