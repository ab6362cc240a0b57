import { test } from 'node:test';
import assert from 'node:assert/strict';
import { looksLikePrompt } from '../../../src/core/ops/attention';

test('looksLikePrompt: the built-in shapes, a default in parentheses (npm init), and --input-prompt', () => {
  for (const line of [
    'Continue? [y/N] ',
    'Overwrite (yes/no)? ',
    'Proceed (y/n): ',
    'Password: ',
    'Enter passphrase for key: ',
    'Continue?',
    'package name: (demo) ',
    'version: (1.0.0) ',
    'Is this OK? (yes) ',
    'Name: ',
  ])
    assert.equal(looksLikePrompt(line), true, line);
  for (const line of ['', '   ', 'Compiling 12 files', 'Listening on http://localhost:3000', 'done (3 s)', 'built in 3.2 s (cached)'])
    assert.equal(looksLikePrompt(line), false, line);
  assert.equal(looksLikePrompt('Select a template >', 'template >$'), true);
  assert.equal(looksLikePrompt('Select a template >', '('), false, 'an invalid extra pattern never matches');
});
