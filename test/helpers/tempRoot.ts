import { cpSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** A fresh directory under the OS temp dir, removed by `cleanup()`. */
export function tempDir(prefix = 'ae-test-'): { dir: string; cleanup: () => void } {
  const dir = realpathSync(mkdtempSync(path.join(os.tmpdir(), prefix)));
  // Retried: a job's finishing step may still add a file while the tree is being removed.
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 }) };
}

export const FIXTURES = path.resolve('test/fixtures/agent-exec-0.2.3');

/** Copies fixture job directories (by their stable names) into `root` under their real ids. */
export function installFixtureJobs(root: string, names: string[]): Record<string, string> {
  const manifest = JSON.parse(readFileSync(path.join(FIXTURES, 'jobs', 'manifest.json'), 'utf8')) as Record<string, { id: string }>;
  const ids: Record<string, string> = {};
  for (const name of names) {
    const id = manifest[name].id;
    cpSync(path.join(FIXTURES, 'jobs', name), path.join(root, id), { recursive: true });
    ids[name] = id;
  }
  return ids;
}

/**
 * A job store for one test: `<dir>/root` (the job root), `<dir>/work` (a caller cwd) and
 * `<dir>/other` (a second cwd), all removed when the test ends.
 */
export function tempStore(t: { after: (fn: () => void) => void }): { dir: string; root: string; cwd: string; other: string } {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  const [root, cwd, other] = ['root', 'work', 'other'].map((name) => path.join(dir, name));
  for (const d of [root, cwd, other]) mkdirSync(d);
  return { dir, root, cwd, other };
}
