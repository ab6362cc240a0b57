/**
 * The job event feed `<root>/events.ndjson`: one `job.state` line per status change, written
 * by whichever process changes the state (CLI, supervisor, kill), followed the way the doc
 * comment tells agents to (`tail -n 0 -F`), rotated when large, and never in the way of a
 * state change.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { appendStateEvent, EVENTS_ROTATE_BYTES, eventsPath, type JobStateEvent } from '../../src/core/events';
import type { JobState } from '../../src/core/schema';
import { runCli } from '../helpers/cli';
import { tempDir } from '../helpers/tempRoot';
import { readIf, scratch, until } from './runHelpers';
import { NEEDS_LINUX } from '../helpers/platform';

function events(root: string, jobId?: string): JobStateEvent[] {
  return readIf(eventsPath(root))
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as JobStateEvent)
    .filter((e) => jobId === undefined || e.job_id === jobId);
}

test(
  'create, start, exit and kill each append one job.state line, in order, with agent-exec key order',
  { skip: NEEDS_LINUX },
  async (t) => {
    const s = scratch(t);
    const cli = (...args: string[]) => runCli(['--root', s.root, ...args], { cwd: s.cwd, env: s.env });

    const created = await cli('create', '--', 'sh', '-c', 'exit 3');
    const id: string = created.json.job_id;
    assert.deepEqual(
      events(s.root, id).map((e) => e.state),
      ['created'],
    );
    await cli('start', '--no-wait', id);
    await until('the exit event', () => events(s.root, id).some((e) => e.state === 'exited'));
    const [c, r, x] = events(s.root, id);
    assert.deepEqual([c.state, r.state, x.state], ['created', 'running', 'exited'], 'pid-only updates add no line');
    assert.deepEqual(Object.keys(x), ['schema_version', 'event_type', 'job_id', 'state', 'exit_code', 'at']);
    assert.deepEqual([x.schema_version, x.event_type, x.exit_code], ['0.1', 'job.state', 3]);
    assert.match(x.at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    assert.equal(x.at, JSON.parse(readFileSync(path.join(s.root, id, 'state.json'), 'utf8')).updated_at);
    assert.deepEqual(Object.keys(r), ['schema_version', 'event_type', 'job_id', 'state', 'at'], 'no exit_code/signal while running');
    assert.equal(statSync(eventsPath(s.root)).mode & 0o777, 0o600);

    const sleeper = await cli('run', '--no-wait', '--', 'sleep', '300');
    const sid: string = sleeper.json.job_id;
    const kill = await cli('kill', sid);
    assert.equal(kill.json.state, 'killed');
    const last = events(s.root, sid).at(-1)!;
    assert.equal(last.state, 'killed');
    // '15' when the supervisor records the exit, 'TERM' when kill has to (a slow supervisor).
    assert.ok(['15', 'TERM'].includes(last.signal!), last.signal);
    assert.equal(events(s.root, sid).filter((e) => e.state === 'killed').length, 1);
  },
);

test('an agent following the feed with tail -n 0 -F sees a job it did not start finish', { skip: NEEDS_LINUX }, async (t) => {
  const s = scratch(t);
  mkdirSync(s.root, { recursive: true });
  // Started before the feed exists, as an agent would at the start of a session.
  const tail = spawn('tail', ['-n', '0', '-F', eventsPath(s.root)], { stdio: ['ignore', 'pipe', 'ignore'] });
  let seen = '';
  tail.stdout.on('data', (b) => (seen += b));
  t.after(() => {
    process.kill(tail.pid!, 'SIGKILL');
  });
  const run = await runCli(['--root', s.root, 'run', '--no-wait', '--', 'sh', '-c', 'sleep 0.3'], { cwd: s.cwd, env: s.env });
  const id: string = run.json.job_id;
  const finished = await until(
    'tail -F to print the exit',
    () =>
      seen
        .split('\n')
        .filter((l) => l.includes(id))
        .map((l) => JSON.parse(l) as JobStateEvent)
        .find((e) => e.state === 'exited'),
    15_000,
  );
  assert.equal(finished.exit_code, 0);
});

test('the feed is best effort: an unwritable feed never fails a state change', { skip: NEEDS_LINUX }, async (t) => {
  const s = scratch(t);
  mkdirSync(eventsPath(s.root), { recursive: true });
  const r = await runCli(['--root', s.root, 'run', '--', 'true'], { cwd: s.cwd, env: s.env });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const waited = await runCli(['--root', s.root, 'wait', r.json.job_id], { cwd: s.cwd, env: s.env });
  assert.deepEqual([waited.json.state, waited.json.exit_code], ['exited', 0]);
});

test('a feed past the rotation size moves to events.ndjson.1 and a new one starts', async (t) => {
  const { dir: root, cleanup } = tempDir('ae-events-');
  t.after(cleanup);
  const feed = eventsPath(root);
  writeFileSync(feed, '');
  truncateSync(feed, EVENTS_ROTATE_BYTES); // sparse: no 16 MiB written
  const st = (status: JobState['job']['status'], id: string): JobState => ({
    job: { id, status },
    result: { exit_code: null, signal: null, duration_ms: null },
    updated_at: '2026-01-01T00:00:00Z',
  });
  await appendStateEvent(root, st('running', 'a'.repeat(32)));
  assert.equal(statSync(`${feed}.1`).size > EVENTS_ROTATE_BYTES, true, 'the old feed got the line, then moved');
  assert.equal(readIf(feed), '');
  await appendStateEvent(root, st('failed', 'b'.repeat(32)));
  assert.deepEqual(
    events(root).map((e) => [e.job_id[0], e.state]),
    [['b', 'failed']],
  );
});
