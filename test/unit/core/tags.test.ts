import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dedupeTags, tagPatternProblem, tagProblem } from '../../../src/core/tags';
import { tagMatches } from '../../../src/shared/tags';

test('stored tags: dot-separated segments of letters, digits and hyphens', () => {
  for (const ok of ['ci', 'project.build', 'hoge-fuga.v2', 'A.b-1.C']) assert.equal(tagProblem(ok), undefined, ok);
  assert.equal(tagProblem('bad_tag'), 'invalid tag "bad_tag": tag segments may only contain alphanumeric characters and hyphens');
  assert.equal(tagProblem('bad tag'), 'invalid tag "bad tag": tag segments may only contain alphanumeric characters and hyphens');
  for (const bad of ['', 'a.', '.a', 'a..b', 'a.*', 'é', 'a/b']) assert.ok(tagProblem(bad), JSON.stringify(bad));
});

test('filter patterns: a tag or <tag>.* ; the message names the pattern', () => {
  for (const ok of ['ci', 'project.*', 'a.b.*']) assert.equal(tagPatternProblem(ok), undefined, ok);
  assert.equal(tagPatternProblem('a.*.b'), 'invalid tag "a.*.b": tag segments may only contain alphanumeric characters and hyphens');
  for (const bad of ['*', '.*', 'a.*.*', 'bad_x.*']) assert.ok(tagPatternProblem(bad), bad);
});

test('matching: exact, or a namespace that includes the namespace tag itself', () => {
  assert.ok(tagMatches('ci', ['ci', 'x']));
  assert.ok(!tagMatches('ci', ['ci2', 'cia.x']));
  assert.ok(tagMatches('project.*', ['project']));
  assert.ok(tagMatches('project.*', ['project.test.unit']));
  assert.ok(!tagMatches('project.*', ['projects', 'project-x']));
  assert.ok(!tagMatches('project.build', ['project']));
});

test('dedupe keeps first-seen order', () => {
  assert.deepEqual(dedupeTags(['ci', 'project.build', 'ci', 'a', 'project.build']), ['ci', 'project.build', 'a']);
});
