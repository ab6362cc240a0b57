import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../helpers/cli';
import { writeFakeJob } from '../helpers/fakeJobs';
import { tempStore } from '../helpers/tempRoot';

test('--yaml anywhere on the line: same keys and order as JSON, for answers and for error envelopes', async (t) => {
  const { root, cwd } = tempStore(t);
  const id = writeFakeJob(root, { cwd, tags: ['ci', 'project.build'] });
  const before = await runCli(['--root', root, '--yaml', 'list'], { cwd });
  const after = await runCli(['--root', root, 'list', '--yaml'], { cwd });
  assert.equal(before.code, 0);
  assert.equal(before.stdout, after.stdout);
  const json = (await runCli(['--root', root, 'list'], { cwd })).json;
  const j = json.jobs[0];
  assert.equal(
    before.stdout,
    [
      '---',
      'schema_version: "0.1"',
      'ok: true',
      'type: list',
      `root: ${root}`,
      'jobs:',
      `  - job_id: ${id}`,
      `    short_job_id: ${/^\d+(e\d+)?$/.test(id.slice(0, 7)) ? `"${id.slice(0, 7)}"` : id.slice(0, 7)}`,
      '    state: exited',
      '    exit_code: 0',
      `    created_at: "${j.created_at}"`,
      `    started_at: "${j.started_at}"`,
      `    finished_at: "${j.finished_at}"`,
      `    updated_at: "${j.updated_at}"`,
      '    tags:',
      '      - ci',
      '      - project.build',
      'truncated: false',
      'skipped: 0',
      '',
    ].join('\n'),
  );
  const err = await runCli(['--root', root, 'status', 'nope', '--yaml']);
  assert.equal(err.code, 1);
  assert.equal(
    err.stdout,
    '---\nschema_version: "0.1"\nok: false\ntype: error\nerror:\n  code: job_not_found\n  message: "job not found: nope"\n  retryable: false\n',
  );
  const tag = await runCli(['--root', root, '--yaml', 'tag', 'set', id]);
  assert.equal(tag.stdout, `---\nschema_version: "0.1"\nok: true\ntype: tag_set\njob_id: ${id}\ntags: []\n`);
});
