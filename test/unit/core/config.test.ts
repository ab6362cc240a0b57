import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { configuredShellWrapper, loadConfig, parseShellWrapperFlag } from '../../../src/core/config';
import { tempDir } from '../../helpers/tempRoot';

test('config.toml: [gc] and [shell] values; missing default file = defaults', async (t) => {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  assert.deepEqual(await loadConfig(undefined, { XDG_CONFIG_HOME: dir }), { gc: {}, shell: {} });
  mkdirSync(path.join(dir, 'agent-exec'));
  writeFileSync(
    path.join(dir, 'agent-exec', 'config.toml'),
    '[gc]\nauto = false\nolder_than = "7d"\nmax_jobs = 10\nscan_limit = 5\n\n[shell]\nunix = ["bash", "-lc"]\n',
  );
  const cfg = await loadConfig(undefined, { XDG_CONFIG_HOME: dir });
  assert.deepEqual(cfg.gc, { auto: false, older_than: '7d', max_jobs: 10, max_bytes: undefined, scan_limit: 5, delete_limit: undefined });
  assert.deepEqual(configuredShellWrapper(cfg), ['bash', '-lc']);
});

test('config.toml errors are internal_error: malformed TOML, wrong types, empty wrapper, missing --config file', async (t) => {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  const write = (name: string, text: string) => {
    writeFileSync(path.join(dir, name), text);
    return path.join(dir, name);
  };
  for (const [file, re] of [
    [write('bad.toml', '[gc\nauto = '), /failed to parse config/],
    [write('type.toml', '[gc]\nmax_jobs = "ten"\n'), /max_jobs must be a non-negative integer/],
    [write('empty.toml', '[shell]\nunix = []\n'), /shell\.unix must not be empty/],
    [path.join(dir, 'missing.toml'), /failed to read config .*No such file or directory/],
  ] as const) {
    await assert.rejects(loadConfig(file), (e: Error & { code?: string }) => e.code === 'internal_error' && re.test(e.message));
  }
});

test('--shell-wrapper splits on whitespace; empty is an error', () => {
  assert.deepEqual(parseShellWrapperFlag('  bash   -c '), ['bash', '-c']);
  assert.throws(() => parseShellWrapperFlag('   '), /shell wrapper must not be empty/);
});
