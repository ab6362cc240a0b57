import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { isProcessAlive } from '../../src/core/process/proc';
import { runCli } from '../helpers/cli';
import { writeFakeJob } from '../helpers/fakeJobs';
import { installFixtureJobs, tempStore } from '../helpers/tempRoot';
import { killJob, readIf, readJson, scratch, until } from './runHelpers';
import { NEEDS_LINUX } from '../helpers/platform';

const meta = (root: string, id: string) => JSON.parse(readFileSync(path.join(root, id, 'meta.json'), 'utf8'));

test('notify set: the transcript sequence (command, output overlay, empty pattern clears, nothing keeps)', async (t) => {
  const { root } = tempStore(t);
  const id = writeFakeJob(root, { tags: ['old'] });
  const set = async (...args: string[]) => (await runCli(['--root', root, 'notify', 'set', id, ...args])).stdout;
  const env = (notification: object) =>
    `{"schema_version":"0.1","ok":true,"type":"notify.set","job_id":"${id}","notification":${JSON.stringify(notification)}}\n`;
  assert.equal(await set('--command', 'echo done'), env({ notify_command: 'echo done' }));
  assert.equal(
    await set('--output-pattern', 'warn', '--output-stream', 'stdout'),
    env({ notify_command: 'echo done', on_output_match: { pattern: 'warn', match_type: 'contains', stream: 'stdout' } }),
  );
  // Overlay onto the existing config: only the given fields change.
  assert.equal(
    await set('--output-match-type', 'regex', '--output-file', '/tmp/m.ndjson', '--output-command', 'cat'),
    env({
      notify_command: 'echo done',
      on_output_match: { pattern: 'warn', match_type: 'regex', stream: 'stdout', command: 'cat', file: '/tmp/m.ndjson' },
    }),
  );
  assert.equal(await set('--output-pattern', ''), env({ notify_command: 'echo done' }));
  assert.equal(await set(), env({ notify_command: 'echo done' }));
  const keys = Object.keys(meta(root, id));
  assert.equal(keys[keys.indexOf('tags') - 1], 'notification', 'notification is written where agent-exec puts it');
});

test('notify set keeps notify_file, never runs a sink, and drops notification when nothing is left', async (t) => {
  const { root } = tempStore(t);
  const { 'with-notify-file': withFile } = installFixtureJobs(root, ['with-notify-file']);
  const before = meta(root, withFile).notification;
  const r = await runCli(['--root', root, 'notify', 'set', withFile, '--command', 'touch should-not-run'], { cwd: root });
  assert.deepEqual(r.json.notification, { notify_command: 'touch should-not-run', notify_file: before.notify_file });
  assert.ok(!existsSync(path.join(root, 'should-not-run')), 'metadata only: no sink ran');
  const plain = writeFakeJob(root);
  // Output flags without a pattern: the config would have an empty pattern, so there is none.
  const r2 = await runCli(['--root', root, 'notify', 'set', plain, '--output-file', '/tmp/x']);
  assert.deepEqual(r2.json.notification, {});
  assert.ok(!('notification' in meta(root, plain)));
  const r3 = await runCli(['--root', root, 'notify', 'set', plain, '--output-pattern', 'ERR']);
  assert.deepEqual(r3.json.notification, { on_output_match: { pattern: 'ERR', match_type: 'contains', stream: 'either' } });
});

test('notify set: invalid choices are usage errors, unknown jobs job_not_found, --root after the subcommand', async (t) => {
  const { root } = tempStore(t);
  const id = writeFakeJob(root);
  const bad = await runCli(['--root', root, 'notify', 'set', id, '--output-match-type', 'glob']);
  assert.equal(bad.code, 2);
  assert.equal(bad.stderr.split('\n')[0], "error: 'glob' isn't a valid value for '--output-match-type <TYPE>'");
  const stream = await runCli(['--root', root, 'notify', 'set', id, '--output-stream', 'both']);
  assert.equal(stream.code, 2);
  assert.equal((await runCli(['--root', root, 'notify', 'set', 'nope'])).json.error.code, 'job_not_found');
  const local = await runCli(['notify', 'set', '--root', root, id, '--command', 'x']);
  assert.deepEqual(local.json.notification, { notify_command: 'x' });
});

test(
  'notify set on a running job applies to the next lines of both streams, as a config given to run',
  { skip: NEEDS_LINUX },
  async (t) => {
    const s = scratch(t);
    // Several jobs: each first line after `notify set` makes the supervisor re-read meta.json, and
    // a line of the other stream arriving meanwhile must wait for that read, not use the old config.
    const cases = (['stderr', 'either', 'stderr', 'either'] as const).map((stream, i) => ({
      stream,
      gate: path.join(s.tmp, `gate${i}`),
      file: `ev${i}.ndjson`,
    }));
    const ids: string[] = [];
    for (const c of cases) {
      const r = await runCli(
        [
          '--root',
          s.root,
          'run',
          '--no-wait',
          '--',
          'sh',
          '-c',
          `while [ ! -e '${c.gate}' ]; do sleep 0.05; done; echo MATCH; echo MATCH >&2`,
        ],
        { cwd: s.cwd, env: s.env },
      );
      assert.equal(r.code, 0, r.stderr);
      ids.push(r.json.job_id);
      // A relative --output-file, as in the report: it resolves against the job's supervisor cwd.
      const set = await runCli(
        [
          '--root',
          s.root,
          'notify',
          'set',
          r.json.job_id,
          '--output-pattern',
          'MATCH',
          '--output-stream',
          c.stream,
          '--output-file',
          c.file,
        ],
        { cwd: s.cwd, env: s.env },
      );
      assert.equal(set.code, 0, set.stderr);
    }
    for (const c of cases) writeFileSync(c.gate, '');
    for (const [i, c] of cases.entries()) {
      const st = await until(`job ${i} finished`, () => {
        const state = readJson(path.join(s.root, ids[i], 'state.json'));
        return state.job.status === 'exited' && !isProcessAlive(state.supervisor_pid, state.supervisor_start_time) && state;
      });
      assert.equal(st.result.exit_code, 0);
      const streams = readIf(path.join(s.cwd, c.file))
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l).stream)
        .sort();
      assert.deepEqual(
        streams,
        c.stream === 'either' ? ['stderr', 'stdout'] : ['stderr'],
        `job ${i} (--output-stream ${c.stream}): matched streams`,
      );
    }
  },
);

test('notify set on a job that is printing applies from the first line written after it returned', { skip: NEEDS_LINUX }, async (t) => {
  const s = scratch(t);
  const gate = path.join(s.tmp, 'gate');
  const nd = path.join(s.tmp, 'matches.ndjson');
  // Prints on both streams all the time (so the supervisor has just looked at the config when
  // notify set comes), then marks the lines written after the gate opened.
  const script = `i=0; while [ $i -lt 600 ]; do i=$((i+1)); if [ -e '${gate}' ]; then m=AFTER; else m=before; fi; echo "$m $i"; echo "$m $i" >&2; sleep 0.02; done`;
  const r = await runCli(['--root', s.root, 'run', '--no-wait', '--', script], { cwd: s.cwd, env: s.env });
  assert.equal(r.code, 0, r.stderr);
  const id = r.json.job_id;
  await until('output flowing', () => readIf(path.join(s.root, id, 'full.log')).split('\n').length > 20);
  const set = await runCli(['--root', s.root, 'notify', 'set', id, '--output-pattern', 'AFTER', '--output-file', nd], {
    cwd: s.cwd,
    env: s.env,
  });
  assert.equal(set.code, 0, set.stderr);
  writeFileSync(gate, '');
  const events = await until('a match on each stream', () => {
    const lines = readIf(nd)
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { stream: string; line: string });
    return ['stdout', 'stderr'].every((st) => lines.some((e) => e.stream === st)) && lines;
  });
  killJob(s.root, id);
  const firstAfter = (stream: string) =>
    readIf(path.join(s.root, id, `${stream}.log`))
      .split('\n')
      .find((l) => l.startsWith('AFTER'));
  for (const stream of ['stdout', 'stderr']) {
    assert.equal(
      events.find((e) => e.stream === stream)?.line,
      firstAfter(stream),
      `${stream}: the first line written after notify set matched`,
    );
  }
});
