import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { tempDir } from '../helpers/tempRoot';

/** dist/cli.js (one file: the launcher with the bundle in it), copied into a folder of the test's own (the real dist/ keeps its cache). */
function copyOfCli(t: { after(fn: () => void): void }): string {
  const { dir, cleanup } = tempDir('ae-launcher-');
  t.after(cleanup);
  copyFileSync(path.resolve('dist/cli.js'), path.join(dir, 'cli.js'));
  return dir;
}

const version = (dir: string) =>
  spawnSync(process.execPath, [path.join(dir, 'cli.js'), '--version'], { encoding: 'utf8', timeout: 30_000 });
const caches = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.cache'));

test('the CLI writes its code cache beside itself once, then runs from it', (t) => {
  const dir = copyOfCli(t);
  assert.deepEqual(caches(dir), []);
  const first = version(dir);
  assert.deepEqual([first.status, first.stdout, first.stderr], [0, 'agent-exec 0.2.3\n', '']);
  const [cache] = caches(dir);
  assert.match(cache, /^cli\.js\..+\.cache$/);
  const made = statSync(path.join(dir, cache));
  const again = version(dir);
  assert.deepEqual([again.status, again.stdout], [0, 'agent-exec 0.2.3\n']);
  assert.deepEqual(caches(dir), [cache]);
  assert.equal(statSync(path.join(dir, cache)).mtimeMs, made.mtimeMs, 'an accepted cache is not written again');
  assert.deepEqual(
    readdirSync(dir).filter((f) => f.endsWith('.tmp')),
    [],
  );
});

test('a corrupt code cache is rejected and replaced; a cache of another build of the bundle is never read', (t) => {
  const dir = copyOfCli(t);
  version(dir);
  const [cache] = caches(dir);
  const good = readFileSync(path.join(dir, cache));
  writeFileSync(path.join(dir, cache), Buffer.alloc(good.length, 7));
  const r = version(dir);
  assert.deepEqual([r.status, r.stdout, r.stderr], [0, 'agent-exec 0.2.3\n', '']);
  assert.ok(!readFileSync(path.join(dir, cache)).equals(Buffer.alloc(good.length, 7)), 'the rejected cache was replaced');

  // Another build: a bundle of the same length (V8 checks a cache against the source by length only).
  const cli = path.join(dir, 'cli.js');
  writeFileSync(cli, readFileSync(cli, 'utf8').replace('CLI_VERSION = "0.2.3"', 'CLI_VERSION = "9.9.9"'));
  utimesSync(cli, new Date(), new Date(Date.now() + 5000));
  const rebuilt = version(dir);
  assert.deepEqual([rebuilt.status, rebuilt.stdout], [0, 'agent-exec 9.9.9\n']);
  assert.equal(caches(dir).length, 2, 'the new build has a cache of its own');
});
