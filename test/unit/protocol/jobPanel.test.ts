import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_JOB_VIEW,
  HOST_TO_WEBVIEW,
  JobsWindow,
  KillJob,
  LoadRange,
  LogChunk,
  MAX_ATTEMPTS,
  MAX_INPUT_CHARS,
  MAX_JOBS,
  MAX_PREVIEW_PROCESSES,
  MAX_RANGE_BYTES,
  Ready,
  SelectJob,
  Snapshot,
  WEBVIEW_TO_HOST,
  describeDropped,
  parseMessage,
  type JobRow,
  type JobWindow,
  type UiState,
} from '../../../src/protocol/jobPanel';

const ID = '0123456789abcdef0123456789abcdef';

/** A window of the job list holding `rows` (all of the store). */
const windowOf = (rows: JobRow[]): JobWindow => ({
  view: DEFAULT_JOB_VIEW,
  ids: rows.map((r) => r.id),
  rows,
  matched: rows.length,
  total: rows.length,
  selection: null,
});
const snapshot = (rows: JobRow[], ui: UiState | null = null) => Snapshot.create({ window: windowOf(rows), selected: null, ui });
const row: JobRow = {
  id: ID,
  state: 'running',
  command: ['sh', '-c', 'echo hi'],
  tags: ['ci'],
  createdAt: '2026-11-30T03:41:25Z',
  startedAt: '2026-11-30T03:41:25Z',
  durationMs: null,
  exitCode: null,
  signal: null,
  pid: 1234,
};

test('valid intents from the webview pass and are typed', () => {
  const kill = parseMessage(WEBVIEW_TO_HOST, { method: 'job/kill', params: { jobId: ID, signal: 'INT' } });
  assert.ok(kill && KillJob.is(kill));
  assert.equal(kill.params.signal, 'INT');
  assert.ok(Ready.is(Ready.create({})));
  assert.ok(SelectJob.is(SelectJob.create({ jobId: null, stream: 'stderr' })));
  assert.ok(LoadRange.is(LoadRange.create({ jobId: ID, stream: 'combined', direction: 'above', start: 0, end: MAX_RANGE_BYTES })));
});

test('ids must match the store pattern: no paths, no traversal, no NUL, at most 128 chars', () => {
  for (const jobId of ['../etc', 'a/b', '', 'a\u0000', 'x'.repeat(129), ' abc', 'é', 42, null]) {
    assert.equal(KillJob.is({ method: 'job/kill', params: { jobId, signal: 'TERM' } }), false, String(jobId));
  }
  assert.ok(KillJob.is({ method: 'job/kill', params: { jobId: 'A-b_9'.padEnd(128, 'z'), signal: 'TERM' } }));
});

test('signals come from the fixed set only', () => {
  for (const signal of ['SIGTERM', 'term', '9', 'STOP', 'TERM; rm -rf /', undefined]) {
    assert.equal(parseMessage(WEBVIEW_TO_HOST, { method: 'job/kill', params: { jobId: ID, signal } }), undefined, String(signal));
  }
  for (const signal of ['TERM', 'INT', 'KILL', 'HUP', 'QUIT', 'USR1', 'USR2']) {
    assert.ok(parseMessage(WEBVIEW_TO_HOST, { method: 'job/kill', params: { jobId: ID, signal } }));
  }
});

test('unknown methods, extra fields and smuggled paths or command lines are dropped', () => {
  const bad: unknown[] = [
    null,
    'ready',
    [],
    { method: 'job/run', params: { command: ['rm', '-rf', '/'] } },
    { method: 'ready' },
    { method: 'ready', params: { extra: 1 } },
    { method: 'ready', params: {}, id: 1 },
    { method: 'job/rerun', params: { jobId: ID, command: ['sh'] } },
    { method: 'log/openRaw', params: { jobId: ID, stream: 'stdout', path: '/etc/passwd' } },
    { method: 'log/openRaw', params: { jobId: ID, stream: '../../etc/passwd' } },
    { method: '__proto__', params: {} },
    { method: 'job/select', params: { jobId: ID } },
  ];
  for (const msg of bad) assert.equal(parseMessage(WEBVIEW_TO_HOST, msg), undefined, JSON.stringify(msg));
  // Host messages are not accepted from the webview.
  assert.equal(parseMessage(WEBVIEW_TO_HOST, snapshot([])), undefined);
});

test('numbers are bounded: byte ranges are non-empty, ordered, integer and at most MAX_RANGE_BYTES', () => {
  const range = (start: unknown, end: unknown) => ({
    method: 'log/loadRange',
    params: { jobId: ID, stream: 'stdout', direction: 'above', start, end },
  });
  assert.ok(LoadRange.is(range(10, 20)));
  for (const [s, e] of [
    [20, 10],
    [10, 10],
    [-1, 5],
    [0, MAX_RANGE_BYTES + 1],
    [0.5, 3],
    [0, Infinity],
    [Number.MAX_SAFE_INTEGER + 2, Number.MAX_SAFE_INTEGER + 3],
    ['0', '10'],
    [NaN, 1],
  ]) {
    assert.equal(LoadRange.is(range(s, e)), false, `${s}-${e}`);
  }
});

test('host messages are validated by the webview too', () => {
  assert.ok(parseMessage(HOST_TO_WEBVIEW, Snapshot.create({ window: windowOf([row]), selected: ID, ui: null })));
  assert.ok(
    parseMessage(
      HOST_TO_WEBVIEW,
      JobsWindow.create({ ...windowOf([{ ...row, state: 'exited', exitCode: 0, durationMs: 5 }]), selection: { id: ID, row: null } }),
    ),
  );
  assert.equal(parseMessage(HOST_TO_WEBVIEW, snapshot([{ ...row, state: 'zombie' as 'running' }])), undefined);
  assert.equal(parseMessage(HOST_TO_WEBVIEW, snapshot([{ ...row, command: 'sh -c x' as unknown as string[] }])), undefined);
  const chunk = { jobId: ID, stream: 'stdout' as const, kind: 'append' as const, start: 5, end: 10, total: 10, text: 'hello' };
  assert.ok(LogChunk.is(LogChunk.create(chunk)));
  assert.equal(LogChunk.is(LogChunk.create({ ...chunk, end: 11 })), false, 'end beyond total');
  assert.equal(LogChunk.is(LogChunk.create({ ...chunk, start: 11, end: 10 })), false, 'reversed');
});

test('the job list is a bounded window: at most its limit (≤ MAX_JOBS) of the matched jobs, counts consistent; views are bounded', () => {
  const w = windowOf([row]);
  assert.ok(JobsWindow.is(JobsWindow.create({ ...w, matched: 100_000, total: 100_000 })));
  assert.equal(JobsWindow.is(JobsWindow.create({ ...w, view: { ...DEFAULT_JOB_VIEW, limit: 0 } })), false, 'more ids than the limit');
  assert.equal(JobsWindow.is(JobsWindow.create({ ...w, matched: 0 })), false, 'more ids than matched');
  assert.equal(JobsWindow.is(JobsWindow.create({ ...w, matched: 2, total: 1 })), false, 'more matched than total');
  const tooMany = Array.from({ length: MAX_JOBS + 1 }, (_, i) => i.toString(16).padStart(32, '0'));
  assert.equal(
    JobsWindow.is(
      JobsWindow.create({
        ...w,
        view: { ...DEFAULT_JOB_VIEW, limit: MAX_JOBS },
        ids: tooMany,
        rows: [],
        matched: tooMany.length,
        total: tooMany.length,
      }),
    ),
    false,
  );
  assert.ok(parseMessage(WEBVIEW_TO_HOST, { method: 'jobs/view', params: { ...DEFAULT_JOB_VIEW, limit: MAX_JOBS } }));
  for (const limit of [0, MAX_JOBS + 1, 1.5, '10']) {
    assert.equal(parseMessage(WEBVIEW_TO_HOST, { method: 'jobs/view', params: { ...DEFAULT_JOB_VIEW, limit } }), undefined, String(limit));
  }
  assert.equal(parseMessage(WEBVIEW_TO_HOST, { method: 'jobs/view', params: { ...DEFAULT_JOB_VIEW, sortKey: 'pid' } }), undefined);
});

test('optional row fields may be absent but not of the wrong type', () => {
  const { pid: _pid, startedAt: _s, ...minimal } = row;
  assert.ok(parseMessage(HOST_TO_WEBVIEW, snapshot([minimal])));
  assert.equal(parseMessage(HOST_TO_WEBVIEW, snapshot([{ ...row, pid: -1 }])), undefined);
  assert.equal(parseMessage(HOST_TO_WEBVIEW, snapshot([{ ...row, owner: 7 as unknown as string }])), undefined);
});

test('the UI state backup is validated like any other message (fixed sets, bounded strings, no extra keys)', () => {
  const state: UiState = {
    selected: ID,
    stream: 'stderr',
    follow: false,
    sortKey: 'started',
    sortDesc: true,
    stateFilter: 'running',
    tagFilter: 'ci.*',
    textFilter: 'npm',
    search: 'error',
  };
  assert.ok(parseMessage(WEBVIEW_TO_HOST, { method: 'panel/saveState', params: { state } }));
  for (const bad of [
    { ...state, stream: 'full.log' },
    { ...state, sortKey: 'constructor' },
    { ...state, stateFilter: 'zombie' },
    { ...state, search: 'x'.repeat(1025) },
    { ...state, selected: '../x' },
    { ...state, extra: 1 },
  ]) {
    assert.equal(
      parseMessage(WEBVIEW_TO_HOST, { method: 'panel/saveState', params: { state: bad } }),
      undefined,
      JSON.stringify(bad).slice(0, 80),
    );
  }
  assert.ok(parseMessage(HOST_TO_WEBVIEW, snapshot([], state)));
});

test('dropped messages are described without echoing their content', () => {
  assert.equal(describeDropped({ method: 'job/kill', params: { jobId: 'secret-token' } }), "invalid or unknown message 'job/kill'");
  assert.equal(describeDropped(null), 'non-object message (null)');
  assert.equal(describeDropped('x'.repeat(10)), 'non-object message (string)');
});

test('kill preview and Open in Browser: the webview asks by job id only; the answer is a preview or an error', () => {
  assert.ok(parseMessage(WEBVIEW_TO_HOST, { method: 'job/previewKill', params: { jobId: ID } }));
  assert.ok(parseMessage(WEBVIEW_TO_HOST, { method: 'job/openUrl', params: { jobId: ID } }));
  for (const params of [{ jobId: ID, url: 'http://x' }, { jobId: '../x' }, { jobId: ID, pid: 1 }, {}])
    for (const method of ['job/previewKill', 'job/openUrl'])
      assert.equal(parseMessage(WEBVIEW_TO_HOST, { method, params }), undefined, `${method} ${JSON.stringify(params)}`);

  const preview = {
    state: 'running',
    processes: [{ pid: 4242, command: 'node server.js', ageS: 12 }],
    more: 0,
    ports: '3000/tcp',
    owner: 'human:vscode',
    runningForS: 12,
  };
  const answer = (params: unknown) => parseMessage(HOST_TO_WEBVIEW, { method: 'job/killPreview', params });
  assert.ok(answer({ jobId: ID, preview }));
  assert.ok(answer({ jobId: ID, error: 'no such job' }));
  assert.ok(answer({ jobId: ID, preview: { ...preview, processes: [], ports: '', owner: undefined, runningForS: undefined } }));
  const bad: unknown[] = [
    { jobId: ID },
    { jobId: ID, preview, error: 'both' },
    { jobId: ID, preview: { ...preview, processes: [{ pid: 0, command: 'x' }] } },
    { jobId: ID, preview: { ...preview, processes: [{ pid: 1.5, command: 'x' }] } },
    { jobId: ID, preview: { ...preview, processes: [{ pid: 1, command: 'x', env: 'SECRET=1' }] } },
    {
      jobId: ID,
      preview: { ...preview, processes: Array.from({ length: MAX_PREVIEW_PROCESSES + 1 }, (_, i) => ({ pid: i + 1, command: 'x' })) },
    },
    { jobId: ID, preview: { ...preview, state: 'zombie' } },
    { jobId: ID, preview: { ...preview, more: -1 } },
  ];
  for (const params of bad) assert.equal(answer(params), undefined, JSON.stringify(params).slice(0, 200));
});

test("a row's readiness, ports and URL are checked: known states, real ports, http(s) URLs only", () => {
  const ok = (extra: Partial<JobRow>) => JobsWindow.is(JobsWindow.create(windowOf([{ ...row, ...extra }])));
  assert.ok(ok({ ready: 'pending', port: 3000 }));
  assert.ok(ok({ ready: 'ready', port: 3000, ports: [3000, 5353], url: 'http://localhost:3000' }));
  assert.ok(ok({ ready: 'timed_out' }));
  assert.ok(ok({ ports: [8080], url: 'https://example.test/app' }));
  const bad = [
    { ready: 'started' },
    { port: 0 },
    { port: 65536 },
    { ports: [3000.5] },
    { url: 'javascript:alert(1)' },
    { url: 'file:///etc/passwd' },
    { url: `http://${'x'.repeat(2048)}` },
  ];
  for (const extra of bad) assert.equal(ok(extra as Partial<JobRow>), false, JSON.stringify(extra).slice(0, 100));
});

test('input from the panel: a bounded line and/or the end of input, by job id only', () => {
  const send = (params: unknown) => parseMessage(WEBVIEW_TO_HOST, { method: 'job/sendInput', params });
  assert.ok(send({ jobId: ID, text: 'my-app' }));
  assert.ok(send({ jobId: ID, text: '' }), 'an empty line is an answer (Enter)');
  assert.ok(send({ jobId: ID, eof: true }));
  assert.ok(send({ jobId: ID, text: 'x'.repeat(MAX_INPUT_CHARS) }));
  const bad: unknown[] = [
    { jobId: ID },
    { jobId: ID, eof: false },
    { jobId: ID, text: 'x'.repeat(MAX_INPUT_CHARS + 1) },
    { jobId: ID, text: 42 },
    { jobId: ID, eof: 'yes' },
    { jobId: '../x', text: 'y' },
    { jobId: ID, text: 'y', fifo: '/tmp/x' },
  ];
  for (const params of bad) assert.equal(send(params), undefined, JSON.stringify(params).slice(0, 200));
});

test('attempts: the webview opens an attempt log by job id, number and stream; the attempts view is validated', () => {
  const open = (params: unknown) => parseMessage(WEBVIEW_TO_HOST, { method: 'log/openAttempt', params });
  assert.ok(open({ jobId: ID, attempt: 1, stream: 'stdout' }));
  for (const params of [
    { jobId: ID, attempt: 0, stream: 'stdout' },
    { jobId: ID, attempt: 1.5, stream: 'stdout' },
    { jobId: ID, attempt: MAX_ATTEMPTS + 1, stream: 'stdout' },
    { jobId: ID, attempt: 1, stream: '../stdout' },
    { jobId: ID, attempt: 1, stream: 'stdout', path: '/etc/passwd' },
  ])
    assert.equal(open(params), undefined, JSON.stringify(params));

  const view = (params: unknown) => parseMessage(HOST_TO_WEBVIEW, { method: 'job/attempts', params });
  const first = {
    attempt: 1,
    state: 'exited',
    exitCode: 0,
    signal: null,
    startedAt: '2026-11-30T10:00:00Z',
    finishedAt: '2026-11-30T10:00:05Z',
    durationMs: 5000,
  };
  const second = { attempt: 2, state: 'running', exitCode: null, signal: null, durationMs: null };
  assert.ok(view({ jobId: ID, attempts: [first, second] }));
  assert.ok(
    view({
      jobId: ID,
      attempts: [first, second],
      difference: { attempt: 2, successfulAttempt: 1, line: 3, text: 'a', successfulText: 'b' },
    }),
  );
  assert.ok(view({ jobId: ID, attempts: [first], difference: { attempt: 2, successfulAttempt: 1 } }), 'the same output');
  for (const params of [
    { jobId: ID, attempts: [{ ...first, state: 'lost' }] },
    { jobId: ID, attempts: [{ ...first, attempt: 0 }] },
    { jobId: ID, attempts: [{ ...first, log: '/x' }] },
    { jobId: ID, attempts: [first], difference: { attempt: 2, successfulAttempt: 1, line: 0 } },
    { jobId: ID, attempts: [first], difference: { attempt: 2, successfulAttempt: 1, text: 'x'.repeat(4097) } },
  ])
    assert.equal(view(params), undefined, JSON.stringify(params).slice(0, 200));
});

test("a row's attention is a known kind with a bounded last line; the input channel is a flag", () => {
  const ok = (extra: Record<string, unknown>) => JobsWindow.is(JobsWindow.create(windowOf([{ ...row, ...extra } as JobRow])));
  assert.ok(ok({ attention: 'needs_input', lastLine: 'Password: ', inputChannel: true }));
  assert.ok(ok({ attention: 'stalled', lastLine: 'compiling' }));
  for (const bad of [{ attention: 'asleep' }, { lastLine: 'x'.repeat(4097) }, { inputChannel: 'yes' }])
    assert.equal(ok(bad), false, JSON.stringify(bad).slice(0, 200));
});
