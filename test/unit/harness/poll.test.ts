import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { poll } from '../../helpers/poll';
import { tempDir } from '../../helpers/tempRoot';

test('poll: a file that does not exist yet is "not yet", then its content is returned', async (t) => {
  const { dir, cleanup } = tempDir('ae-poll-');
  t.after(cleanup);
  const file = path.join(dir, 'late.json');
  setTimeout(() => writeFileSync(file, '{"done":true}'), 50);
  const got = await poll('the late file', () => JSON.parse(readFileSync(file, 'utf8')) as { done: boolean });
  assert.deepEqual(got, { done: true });
});

test('poll: other errors fail at once; a file never written fails at the deadline naming it', async (t) => {
  const { dir, cleanup } = tempDir('ae-poll-');
  t.after(cleanup);
  await assert.rejects(
    poll('bad json', () => JSON.parse('{')),
    SyntaxError,
  );
  const never = path.join(dir, 'never');
  await assert.rejects(
    poll('a file never written', () => readFileSync(never), 100),
    (err: Error) => err.message.includes('a file never written') && err.message.includes('ENOENT'),
  );
});
