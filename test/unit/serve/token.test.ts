/** The default serve token file: created once, never seen empty, shared by servers that start together. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { defaultToken, TOKEN_FILE } from '../../../src/serve/token';
import { tempDir } from '../../helpers/tempRoot';

test('servers starting at once all get the one token the file holds, and no temp file is left', async (t) => {
  const { dir, cleanup } = tempDir('ae-token-');
  t.after(cleanup);
  const file = path.join(dir, TOKEN_FILE);
  const tokens = await Promise.all(Array.from({ length: 20 }, () => defaultToken(file)));
  assert.equal(new Set(tokens).size, 1, 'one token for every server');
  assert.equal(readFileSync(file, 'utf8'), `${tokens[0]}\n`);
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.deepEqual(readdirSync(dir), [TOKEN_FILE]);
  assert.equal(await defaultToken(file), tokens[0], 'a restart reuses it');
});
