import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { runCli } from '../helpers/cli';
import { checkTranscript, normalize, readIf, scratch, transcript, until } from './runHelpers';

/** The text after `<label>` in a transcript's notes (file contents the harness read afterwards). */
function noted(name: string, label: string, next?: string): string {
  const notes = transcript(name).notes;
  const start = notes.indexOf(label) + label.length;
  const end = next ? notes.indexOf(next, start) : notes.length;
  return notes.slice(start, end).trim();
}

test('--notify-file appends the job.finished event (same keys and order as agent-exec)', async (t) => {
  const s = scratch(t);
  const r = await checkTranscript('run_notify_file', s);
  const file = path.join(s.cwd, 'events/finished.ndjson');
  const line = await until('event line', () => readIf(file) || undefined);
  const idMap = { [r.json.job_id]: '<ID29>' };
  assert.equal(normalize(line.trim(), s, idMap), normalize(noted('run_notify_file', 'notify file afterwards:'), s));
  // The sink is written before its result is recorded, so wait for the record too.
  const eventFile = path.join(s.root, r.json.job_id, 'completion_event.json');
  const completion = JSON.parse(
    await until('delivery results', () => {
      const text = readIf(eventFile);
      return text.includes('"sink_type"') ? text : undefined;
    }),
  );
  assert.deepEqual(
    completion.delivery_results.map((d: { sink_type: string; success: boolean }) => [d.sink_type, d.success]),
    [['file', true]],
  );
});

test('--notify-command: event on stdin, failure recorded in completion_event.json', async (t) => {
  const s = scratch(t);
  const r = await checkTranscript('run_notify_command', s);
  const id = r.json.job_id;
  const idMap = { [id]: '<ID30>' };
  const eventFile = path.join(s.root, id, 'completion_event.json');
  const done = await until('delivery results', () => {
    const text = readIf(eventFile);
    return text.includes('"sink_type"') ? text : undefined;
  });
  assert.equal(normalize(done, s, idMap), normalize(noted('run_notify_command', 'completion_event.json afterwards:', '| sink stdin:'), s));
  const stdin = readFileSync(path.join(s.cwd, `${id}.event.json`), 'utf8');
  assert.equal(normalize(stdin, s, idMap), normalize(noted('run_notify_command', 'sink stdin:'), s));
});

test('output-match events: stream filter, regex, file sink and notification_events.ndjson', async (t) => {
  const s = scratch(t);
  const a = await checkTranscript('run_output_match_contains_stderr', s);
  const outFile = path.join(s.cwd, 'matches.ndjson');
  const matched = await until('output match', () => readIf(outFile) || undefined);
  assert.equal(
    normalize(matched.trim(), s, { [a.json.job_id]: '<ID31>' }),
    normalize(noted('run_output_match_contains_stderr', 'output file afterwards:'), s),
  );
  const b = await checkTranscript('run_output_match_regex', s);
  const nd = path.join(s.root, b.json.job_id, 'notification_events.ndjson');
  const lines = await until('two regex matches', () => {
    const text = readIf(nd);
    return text.split('\n').filter(Boolean).length === 2 ? text : undefined;
  });
  assert.equal(
    normalize(lines.trim(), s, { [b.json.job_id]: '<ID32>' }),
    normalize(noted('run_output_match_regex', 'notification_events.ndjson afterwards:'), s),
  );
});

test('notify set --output-pattern after launch applies to later lines', async (t) => {
  const s = scratch(t);
  const gate = path.join(s.tmp, 'gate');
  const r = await runCli(['--root', s.root, 'run', '--no-wait', '--', `while [ ! -e '${gate}' ]; do sleep 0.05; done; echo 'late warn'`], {
    cwd: s.cwd,
    env: s.env,
  });
  const id = r.json.job_id;
  // Edit the metadata the way `notify set` does (that command belongs to another module).
  const metaPath = path.join(s.root, id, 'meta.json');
  const meta = JSON.parse(readFileSync(metaPath, 'utf8'));
  meta.notification = { on_output_match: { pattern: 'warn', match_type: 'contains', stream: 'stdout' } };
  const { writeJsonAtomic } = await import('../../src/core/store/atomicWrite');
  await writeJsonAtomic(metaPath, meta);
  await writeJsonAtomic(gate, {});
  const nd = path.join(s.root, id, 'notification_events.ndjson');
  const line = await until('match after notify set', () => readIf(nd) || undefined);
  assert.equal(JSON.parse(line).line, 'late warn');
});

test('job.finished after a timeout is not held back by --kill-after, and the supervisor does not linger', async (t) => {
  const s = scratch(t);
  const events = path.join(s.tmp, 'events.ndjson');
  const t0 = Date.now();
  const r = await runCli(
    ['--root', s.root, 'run', '--no-wait', '--timeout', '1', '--kill-after', '30', '--notify-file', events, '--', 'sleep', '60'],
    {
      cwd: s.cwd,
      env: s.env,
    },
  );
  const line = await until('job.finished', () => readIf(events) || undefined, 10_000);
  assert.ok(Date.now() - t0 < 10_000);
  const event = JSON.parse(line);
  assert.equal(event.state, 'killed');
  assert.equal(event.signal, '15');
  const st = JSON.parse(readFileSync(path.join(s.root, r.json.job_id, 'state.json'), 'utf8'));
  assert.equal(st.timed_out, true);
  // The sweep (scratch) then checks that the supervisor exited well before the 30 s kill-after.
});

test('an output-match command sink finds the event at AGENT_EXEC_EVENT_PATH and on stdin', async (t) => {
  const s = scratch(t);
  const got = path.join(s.tmp, 'got');
  const r = await runCli(
    [
      '--root',
      s.root,
      'run',
      '--output-pattern',
      'hit',
      '--output-command',
      `{ cat "$AGENT_EXEC_EVENT_PATH"; echo; cat; echo; echo "$AGENT_EXEC_EVENT_TYPE"; } >> '${got}'`,
      '--',
      'sh',
      '-c',
      'echo miss; echo hit',
    ],
    { cwd: s.cwd, env: s.env },
  );
  const text = await until('sink output', () => (readIf(got).split('\n').length >= 4 ? readIf(got) : undefined));
  const [fromFile, fromStdin, type] = text.split('\n');
  assert.equal(fromFile, fromStdin);
  assert.equal(JSON.parse(fromFile).line, 'hit');
  assert.equal(JSON.parse(fromFile).job_id, r.json.job_id);
  assert.equal(type, 'job.output.matched');
  const nd = path.join(s.root, r.json.job_id, 'notification_events.ndjson');
  const line = JSON.parse(await until('ndjson', () => readIf(nd) || undefined));
  assert.deepEqual(
    line.delivery_results.map((d: { sink_type: string; success: boolean }) => [d.sink_type, d.success]),
    [['command', true]],
  );
});
