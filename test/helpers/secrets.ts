import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';

/** The private file (0600) that keeps a job's real --env values for start and rerun (src/core/jobSpec.ts RUNTIME_ENV_FILE). */
const RUNTIME_ENV_FILE = 'env.runtime.json';

/**
 * Names of the files of a job directory (logs left out with `skipLogs`: they keep the raw bytes)
 * that hold one of `values`. The private env file is the one place the values are kept: it is
 * checked to be 0600 and left out.
 */
export function filesHoldingSecrets(dir: string, values: readonly string[], opts: { skipLogs?: boolean } = {}): string[] {
  const found: string[] = [];
  for (const name of readdirSync(dir)) {
    const file = path.join(dir, name);
    if (!statSync(file).isFile() || (opts.skipLogs && name.endsWith('.log'))) continue;
    if (name === RUNTIME_ENV_FILE) {
      assert.equal(statSync(file).mode & 0o777, 0o600, `${name} is private`);
      continue;
    }
    const text = readFileSync(file, 'latin1');
    if (values.some((v) => text.includes(v))) found.push(name);
  }
  return found;
}
