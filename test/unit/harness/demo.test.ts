import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { demoDir } from '../../e2e/harness/demo';
import { tempDir } from '../../helpers/tempRoot';

const REPO = path.resolve('.');

/** No directory from `dir` up to / holds a .git (VS Code's git would offer that repository). */
function outsideGit(dir: string): boolean {
  for (let d = dir; ; d = path.dirname(d)) {
    if (existsSync(path.join(d, '.git'))) return false;
    if (path.dirname(d) === d) return true;
  }
}

test('npm start keeps its demo workspace outside the repository and outside any git repository', (t) => {
  assert.ok(existsSync(path.join(REPO, '.git')), 'the tests run from the repository');
  const { dir, cleanup } = tempDir('ae-demo-');
  t.after(cleanup);
  const fromState = demoDir({ XDG_STATE_HOME: dir });
  assert.equal(fromState, path.join(dir, 'agent-exec-vscode', 'demo'));
  assert.ok(outsideGit(fromState));
  // A state dir inside a git repository (here: this one) is not used.
  const inRepo = demoDir({ XDG_STATE_HOME: path.join(REPO, '.e2e', 'state') });
  const rel = path.relative(REPO, inRepo);
  assert.ok((rel.startsWith('..') || path.isAbsolute(rel)) && outsideGit(inRepo), inRepo);
  // The default ($HOME/.local/state) when HOME is not in a repository.
  const home = path.join(dir, 'home');
  mkdirSync(home);
  assert.equal(demoDir({ HOME: home }), path.join(home, '.local', 'state', 'agent-exec-vscode', 'demo'));
});
