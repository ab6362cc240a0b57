import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, openSync, closeSync, ftruncateSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { LogFeed, type LogFeedChunk } from '../../../../src/extension/panel/logFeed';
import { PanelSession, readStoreJobs, type PanelBackend } from '../../../../src/extension/panel/session';
import { DEFAULT_JOB_VIEW, HOST_TO_WEBVIEW, JOBS_PAGE, parseMessage, type HostMessage } from '../../../../src/protocol/jobPanel';
import { installFixtureJobs, tempDir } from '../../../helpers/tempRoot';
import { writeFakeJob } from '../../../helpers/fakeJobs';
import { poll } from '../../../helpers/poll';
import { testJobService } from '../../../helpers/jobService';
import type { JobLive } from '../../../../src/extension/jobs/readyWatcher';
import type { Attention } from '../../../../src/core/ops/attention';
import { describeKillTargets } from '../../../../src/core/ops/kill';
import { killScratch, startWorkload, waitForRoles, writeRunningJob } from '../../../helpers/jobProcs';

/** Resolves when `pred` holds for the collected items; fails after `ms`. */
function until<T>(items: T[], pred: (items: T[]) => boolean, ms = 5000): Promise<void> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const check = () => {
      if (pred(items)) return resolve();
      if (Date.now() - t0 > ms) return reject(new Error(`condition not met within ${ms} ms: ${JSON.stringify(items).slice(0, 500)}`));
      setTimeout(check, 10);
    };
    check();
  });
}

const FAST = { tailBytes: 4096, catchUpBytes: 2048, tailLines: 100, maxAppendBytes: 64 * 1024, flushMs: 20, partialMs: 100 };

function follower(t: { after(fn: () => void): void }, opts = FAST) {
  const { dir, cleanup } = tempDir('ae-panel-');
  const file = path.join(dir, 'stdout.log');
  writeFileSync(file, '');
  const chunks: LogFeedChunk[] = [];
  const f = new LogFeed(file, dir, (c) => chunks.push(c), opts);
  t.after(() => {
    f.dispose();
    cleanup();
  });
  return { dir, file, chunks, f };
}

/** The text the panel would show: the last tail, then contiguous appends. */
const shown = (chunks: LogFeedChunk[]) => {
  let text = '';
  let end = -1;
  for (const c of chunks) {
    if (c.kind === 'tail') [text, end] = [c.text, c.end];
    else if (c.kind === 'append' && c.start === end) [text, end] = [text + c.text, c.end];
  }
  return text;
};

test('a 1 GB (sparse) log opens with only its tail read', async (t) => {
  const { file, chunks, f } = follower(t, { ...FAST, tailBytes: 256 * 1024 });
  const fd = openSync(file, 'w');
  ftruncateSync(fd, 2 ** 30);
  closeSync(fd);
  appendFileSync(file, 'last line\n');
  const t0 = performance.now();
  await f.start();
  const ms = performance.now() - t0;
  assert.equal(chunks.length, 1);
  const [c] = chunks;
  assert.equal(c.kind, 'tail');
  assert.equal(c.end, 2 ** 30 + 10);
  assert.equal(c.total, 2 ** 30 + 10);
  assert.ok(c.end - c.start <= 256 * 1024);
  assert.ok(c.text.endsWith('last line\n'));
  assert.ok(ms < 1000, `${ms} ms`);
});

test('appends are pushed on file events, whole lines first, a quiet partial line after partialMs', async (t) => {
  const { file, chunks, f } = follower(t);
  appendFileSync(file, 'first\n');
  await f.start();
  assert.equal(shown(chunks), 'first\n');
  appendFileSync(file, 'second\nthi');
  await until(chunks, () => shown(chunks) === 'first\nsecond\n');
  // The unterminated 'thi' is held back, then sent once the writer is quiet.
  await until(chunks, () => shown(chunks) === 'first\nsecond\nthi');
  appendFileSync(file, 'rd €\n');
  await until(chunks, () => shown(chunks) === 'first\nsecond\nthird €\n');
  for (const c of chunks) assert.ok(c.kind === 'tail' || c.kind === 'append');
});

test('a multi-byte character split across writes is never sent half', async (t) => {
  const { file, chunks, f } = follower(t);
  await f.start();
  const euro = Buffer.from('€\n');
  appendFileSync(file, Buffer.concat([Buffer.from('price: '), euro.subarray(0, 1)]));
  await new Promise((r) => setTimeout(r, 40));
  appendFileSync(file, euro.subarray(1));
  await until(chunks, () => shown(chunks) === 'price: €\n');
  assert.ok(!chunks.some((c) => c.text.includes('\uFFFD')));
});

test('a truncated log (the job restarted) is shown from its new tail', async (t) => {
  const { file, chunks, f } = follower(t);
  appendFileSync(file, 'old output that is long enough\n');
  await f.start();
  writeFileSync(file, 'new\n');
  await until(chunks, () => chunks.at(-1)?.kind === 'tail' && chunks.at(-1)?.text === 'new\n');
});

test('a writer that outruns the panel gets bounded tails, not a backlog; the message rate stays bounded', async (t) => {
  const { file, chunks, f } = follower(t, { ...FAST, flushMs: 50 });
  await f.start();
  const line = 'x'.repeat(99) + '\n';
  const block = line.repeat(10_000); // 1 MB
  const t0 = Date.now();
  let written = 0;
  while (Date.now() - t0 < 1000) {
    appendFileSync(file, block);
    written += block.length;
    await new Promise((r) => setImmediate(r));
  }
  await until(chunks, () => chunks.at(-1)?.end === written);
  const seconds = (Date.now() - t0) / 1000;
  const rate = chunks.length / seconds;
  assert.ok(rate <= 1000 / 50 + 2, `${chunks.length} messages in ${seconds.toFixed(2)} s for ${(written / 1e6).toFixed(0)} MB`);
  for (const c of chunks) assert.ok(c.text.length <= 64 * 1024 + 4096, `${c.kind} of ${c.text.length} chars`);
  assert.ok(
    chunks.some((c) => c.kind === 'tail' && c.start > 0),
    'skipped ahead with a tail',
  );
});

test('ranges above start at a line start, ranges below end at a line end', async (t) => {
  const { file, chunks, f } = follower(t);
  const text = Array.from({ length: 50 }, (_, i) => `line ${i} ✓`).join('\n') + '\n';
  writeFileSync(file, text);
  await f.start();
  const bytes = Buffer.from(text);
  await f.loadRange(5, 200, 'above');
  const above = chunks.at(-1)!;
  assert.equal(above.kind, 'range');
  assert.equal(above.start, bytes.indexOf(10, 5) + 1);
  assert.equal(above.text, bytes.subarray(above.start, 200).toString());
  await f.loadRange(0, 101, 'below');
  const below = chunks.at(-1)!;
  assert.equal(below.start, 0);
  assert.equal(below.end, bytes.lastIndexOf(10, 100) + 1);
  assert.ok(below.text.endsWith('\n'));
});

function backend(
  root: string,
  t: { after(fn: () => void): void },
  live = new Map<string, JobLive>(),
  attention = new Map<string, Attention>(),
) {
  const calls: string[] = [];
  let savedUi: unknown;
  const logs: string[] = [];
  let fire: ((ids: readonly string[] | undefined) => void) | undefined;
  const b: PanelBackend = {
    root,
    listJobs: () => readStoreJobs(root),
    onDidChangeJobs: (l) => {
      fire = l;
      return { dispose: () => (fire = undefined) };
    },
    liveOf: (id) => live.get(id),
    attentionOf: (id) => attention.get(id),
    sendInput: async (id, input) => (calls.push(`input ${id} ${JSON.stringify(input)}`), 'sent'),
    kill: async (id, sig) => (calls.push(`kill ${id} ${sig}`), `Sent ${sig}`),
    describeKill: (id) => describeKillTargets(root, id),
    openUrl: async (id) => (calls.push(`openUrl ${id}`), live.get(id)?.ready?.ready === 'ready'),
    rerun: async (id) => (calls.push(`rerun ${id}`), 'rerun'),
    remove: async (id) => (calls.push(`delete ${id}`), 'deleted'),
    openFile: (file) => void calls.push(`open ${file}`),
    copyText: (text) => void calls.push(`copy ${text}`),
    openInEditor: () => void calls.push('editor'),
    log: (m) => void logs.push(m),
    loadUiState: async () => savedUi,
    saveUiState: (state) => void (savedUi = state),
  };
  const posted: HostMessage[] = [];
  const session = new PanelSession(
    b,
    (m) => {
      // Everything the host posts must pass the webview's validator.
      assert.ok(parseMessage(HOST_TO_WEBVIEW, m), JSON.stringify(m).slice(0, 300));
      posted.push(m);
    },
    FAST,
  );
  t.after(() => session.dispose());
  return { session, posted, calls, logs, fire: (ids?: string[]) => fire?.(ids) };
}

test('session: ready → snapshot of the store (agent-exec jobs too), then select → tail', async (t) => {
  const { dir: root, cleanup } = tempDir();
  t.after(cleanup);
  const ids = installFixtureJobs(root, ['exited-0', 'exited-1', 'with-tags-and-mask']);
  const { session, posted } = backend(root, t);
  await session.receive({ method: 'ready', params: {} });
  const snap = posted[0];
  assert.equal(snap.method, 'jobs/snapshot');
  const rows = snap.method === 'jobs/snapshot' ? snap.params.window.rows : [];
  assert.equal(rows.length, 3);
  const tagged = rows.find((r) => r.id === ids['with-tags-and-mask'])!;
  assert.deepEqual(tagged.tags, ['ci', 'project.build']);
  assert.equal(tagged.cwd, '/tmp/aefx/g03-run-options/work');
  assert.equal(rows.find((r) => r.id === ids['exited-1'])!.exitCode, 1);
  await session.receive({ method: 'job/select', params: { jobId: ids['exited-1'], stream: 'stderr' } });
  const chunk = posted.at(-1)!;
  assert.equal(chunk.method, 'log/chunk');
  if (chunk.method === 'log/chunk') {
    assert.equal(chunk.params.kind, 'tail');
    assert.equal(chunk.params.text, readFileSync(path.join(root, ids['exited-1'], 'stderr.log'), 'utf8'));
  }
});

test('session: invalid messages are dropped and logged; valid intents reach the backend', async (t) => {
  const { dir: root, cleanup } = tempDir();
  t.after(cleanup);
  const { 'exited-0': id } = installFixtureJobs(root, ['exited-0']);
  const { session, calls, logs, posted } = backend(root, t);
  await session.receive({ method: 'ready', params: {} });
  await session.receive({ method: 'job/kill', params: { jobId: '../x', signal: 'TERM' } });
  await session.receive({ method: 'job/kill', params: { jobId: id, signal: 'SIGSTOP' } });
  await session.receive({ method: 'shell', params: { command: 'rm -rf /' } });
  assert.equal(calls.length, 0);
  assert.equal(logs.length, 3);
  await session.receive({ method: 'job/kill', params: { jobId: id, signal: 'INT' } });
  await session.receive({ method: 'job/rerun', params: { jobId: id } });
  await session.receive({ method: 'log/openRaw', params: { jobId: id, stream: 'combined' } });
  await session.receive({ method: 'log/copy', params: { jobId: id, stream: 'stdout' } });
  assert.deepEqual(calls, [
    `kill ${id} INT`,
    `rerun ${id}`,
    `open ${path.join(root, id, 'full.log')}`,
    `copy ${readFileSync(path.join(root, id, 'stdout.log'), 'utf8')}`,
  ]);
  assert.ok(posted.some((m) => m.method === 'notice' && m.params.text === 'Sent INT'));
});

test("session: the kill menu's preview is what describeKillTargets finds (pid, command, age, owner); a bad job gets an error", async (t) => {
  const scratch = killScratch(t, 'ae-panel-kill-');
  const w = startWorkload(scratch.dir, ['node', 'forever.js', 'root']);
  scratch.jobs.push(w.jobId);
  // Only previewed, never killed here: the scratch ends it by pid.
  scratch.expectLeft.push(w.pid);
  await waitForRoles(w, ['root']);
  await writeRunningJob(scratch.dir, w.jobId, w.pid);
  const { session, posted } = backend(scratch.dir, t);
  await session.receive({ method: 'ready', params: {} });
  await session.receive({ method: 'job/previewKill', params: { jobId: w.jobId } });
  const answer = posted.at(-1)!;
  assert.equal(answer.method, 'job/killPreview');
  if (answer.method !== 'job/killPreview') return;
  const preview = answer.params.preview!;
  assert.equal(preview.state, 'running');
  assert.deepEqual(
    preview.processes.map((p) => p.pid),
    [w.pid],
  );
  assert.match(preview.processes[0].command, /forever\.js root/);
  assert.equal(typeof preview.processes[0].ageS, 'number');
  assert.equal(preview.ports, '');
  assert.equal(preview.more, 0);
  await session.receive({ method: 'job/previewKill', params: { jobId: 'f'.repeat(32) } });
  const missing = posted.at(-1)!;
  assert.ok(missing.method === 'job/killPreview' && missing.params.error && !missing.params.preview, JSON.stringify(missing));
});

test("session: a running job's row carries its readiness, port and URL; Open in Browser goes to the host by id", async (t) => {
  const { dir: root, cleanup } = tempDir();
  t.after(cleanup);
  const starting = writeFakeJob(root, { status: 'running', pid: process.pid, meta: { ready: { port: 3000 } } });
  const ready = writeFakeJob(root, { status: 'running', pid: process.pid, meta: { ready: { port: 5173 } } });
  const plain = writeFakeJob(root, { status: 'running', pid: process.pid });
  const ended = writeFakeJob(root, { status: 'exited' });
  const live = new Map<string, JobLive>([
    [starting, { ready: { ready: 'pending' }, ports: [] }],
    [ready, { ready: { ready: 'ready', ready_at: '2026-12-06T10:00:00Z' }, ports: [{ port: 5173, protocol: 'tcp6', address: '::' }] }],
    [
      plain,
      {
        ports: [
          { port: 8080, protocol: 'tcp', address: '0.0.0.0' },
          { port: 8080, protocol: 'tcp6', address: '::' },
        ],
      },
    ],
    // Stale knowledge of a job that ended is not shown.
    [ended, { ready: { ready: 'ready' }, ports: [{ port: 9, protocol: 'tcp', address: '0.0.0.0' }] }],
  ]);
  const { session, posted, calls } = backend(root, t, live);
  await session.receive({ method: 'ready', params: {} });
  const snap = posted[0];
  assert.ok(snap.method === 'jobs/snapshot');
  const row = (id: string) => {
    const r = snap.params.window.rows.find((x) => x.id === id)!;
    return { ready: r.ready, port: r.port, ports: r.ports, url: r.url };
  };
  assert.deepEqual(row(starting), { ready: 'pending', port: 3000, ports: undefined, url: undefined });
  assert.deepEqual(row(ready), { ready: 'ready', port: 5173, ports: [5173], url: 'http://localhost:5173' });
  assert.deepEqual(row(plain), { ready: undefined, port: 8080, ports: [8080], url: undefined });
  assert.deepEqual(row(ended), { ready: undefined, port: undefined, ports: undefined, url: undefined });
  await session.receive({ method: 'job/openUrl', params: { jobId: ready } });
  await session.receive({ method: 'job/openUrl', params: { jobId: starting } });
  await session.receive({ method: 'job/openUrl', params: { jobId: ready, url: 'https://evil.example' } });
  assert.deepEqual(calls, [`openUrl ${ready}`, `openUrl ${starting}`]);
  assert.ok(posted.some((m) => m.method === 'notice' && m.params.level === 'error' && /not ready/.test(m.params.text)));
});

test('session: Copy puts on the clipboard the text the panel shows (escapes and control characters stripped, lines kept)', async (t) => {
  const { dir: root, cleanup } = tempDir();
  t.after(cleanup);
  const { 'exited-0': id } = installFixtureJobs(root, ['exited-0']);
  writeFileSync(path.join(root, id, 'stdout.log'), '\x1b]0;title\x07\x1b[1;31mred\x1b[0m done\r\nnext\b!\n\tend\n');
  const { session, calls } = backend(root, t);
  await session.receive({ method: 'ready', params: {} });
  await session.receive({ method: 'log/copy', params: { jobId: id, stream: 'stdout' } });
  assert.deepEqual(calls, ['copy red done\nnext!\n\tend\n']);
});

test('session: job changes become one coalesced window with only the rows that changed; removed jobs leave it', async (t) => {
  const { dir: root, cleanup } = tempDir();
  t.after(cleanup);
  const ids = installFixtureJobs(root, ['exited-0', 'exited-1']);
  const { session, posted, fire } = backend(root, t);
  await session.receive({ method: 'ready', params: {} });
  const statePath = path.join(root, ids['exited-0'], 'state.json');
  const st = JSON.parse(readFileSync(statePath, 'utf8'));
  st.result.exit_code = 3;
  writeFileSync(statePath, JSON.stringify(st));
  fire([ids['exited-0']]);
  fire([ids['exited-0']]);
  fire([ids['exited-1']]);
  await until(posted, (p) => p.some((m) => m.method === 'jobs/window'));
  const windows = () => posted.flatMap((m) => (m.method === 'jobs/window' ? [m.params] : []));
  assert.equal(windows().length, 1);
  assert.deepEqual(
    windows()[0].rows.map((r) => [r.id, r.exitCode]),
    [[ids['exited-0'], 3]],
  );
  assert.deepEqual([...windows()[0].ids].sort(), [ids['exited-0'], ids['exited-1']].sort());
  mkdirSync(path.join(root, 'not-a-job'));
  writeFileSync(path.join(root, ids['exited-1'], 'meta.json'), '{');
  fire(undefined);
  await until(posted, () => windows().length === 2);
  assert.deepEqual(windows()[1].ids, [ids['exited-0']]);
  assert.deepEqual(windows()[1].rows, []);
  assert.equal(windows()[1].total, 1);
});

test('session: a reveal before ready selects the job in the snapshot', async (t) => {
  const { dir: root, cleanup } = tempDir();
  t.after(cleanup);
  const { 'exited-0': id } = installFixtureJobs(root, ['exited-0']);
  const { session, posted } = backend(root, t);
  session.reveal(id);
  await session.receive({ method: 'ready', params: {} });
  assert.equal(posted[0].method === 'jobs/snapshot' && posted[0].params.selected, id);
  session.reveal(id);
  assert.deepEqual(posted.at(-1), { method: 'job/reveal', params: { jobId: id } });
});

test('session: the UI state the webview saves comes back in the next snapshot (a reload in VS Code web)', async (t) => {
  const { dir: root, cleanup } = tempDir();
  t.after(cleanup);
  const { 'exited-0': id } = installFixtureJobs(root, ['exited-0']);
  const { session, posted } = backend(root, t);
  await session.receive({ method: 'ready', params: {} });
  assert.equal(posted[0].method === 'jobs/snapshot' && posted[0].params.ui, null);
  const state = {
    selected: id,
    stream: 'stderr',
    follow: false,
    sortKey: 'command',
    sortDesc: false,
    stateFilter: '',
    tagFilter: '',
    textFilter: 'echo',
    search: 'out',
  };
  await session.receive({ method: 'panel/saveState', params: { state } });
  await session.receive({ method: 'ready', params: {} });
  const again = posted.filter((m) => m.method === 'jobs/snapshot')[1];
  assert.deepEqual(again.method === 'jobs/snapshot' && again.params.ui, state);
});

test(
  'session at 10,000 jobs: a bounded, sorted first window with the counts; paging, filters and sort are applied to the whole store',
  { timeout: 180_000 },
  async (t) => {
    const { dir: root, cleanup } = tempDir('ae-panel-10k-');
    t.after(cleanup);
    const N = 10_000;
    // Job i started i seconds ago (newest first = index order); every 7th failed, every 10th tagged.
    const ids: string[] = [];
    for (let i = 0; i < N; i++) {
      ids.push(
        writeFakeJob(root, {
          id: i.toString(16).padStart(32, '0'),
          ageSeconds: i,
          status: i % 7 === 0 ? 'failed' : 'exited',
          tags: i % 10 === 0 ? ['nightly'] : [],
        }),
      );
    }
    // The extension's own backend: the JobService's records, kept current by its watchers.
    const jobs = testJobService(root);
    t.after(() => jobs.dispose());
    await jobs.start();
    const posted: HostMessage[] = [];
    const session = new PanelSession(
      {
        root,
        listJobs: async () => jobs.all(),
        onDidChangeJobs: (l) => jobs.onDidChangeJobs(l),
        kill: async () => '',
        describeKill: (id) => describeKillTargets(root, id),
        openUrl: async () => false,
        rerun: async () => '',
        sendInput: async () => '',
        remove: async () => '',
        openFile: () => undefined,
        copyText: () => undefined,
        openInEditor: () => undefined,
        log: () => undefined,
      },
      (m) => {
        // Everything the host posts must pass the webview's validator.
        assert.ok(parseMessage(HOST_TO_WEBVIEW, m), JSON.stringify(m).slice(0, 300));
        posted.push(m);
      },
      FAST,
    );
    t.after(() => session.dispose());
    const windows = () => posted.flatMap((m) => (m.method === 'jobs/window' ? [m.params] : []));

    await session.receive({ method: 'ready', params: {} });
    assert.equal(posted.length, 1);
    const first = posted[0].method === 'jobs/snapshot' ? posted[0].params.window : assert.fail(posted[0].method);
    assert.equal(first.total, N);
    assert.equal(first.matched, N);
    assert.deepEqual(first.ids, ids.slice(0, JOBS_PAGE), 'newest first, one page');
    assert.deepEqual(
      first.rows.map((r) => r.id),
      first.ids,
    );
    assert.ok(JSON.stringify(posted[0]).length < 200 * 1024, 'the snapshot is one page, not the store');

    // "Show more": the next page; only its new rows travel.
    await session.receive({ method: 'jobs/view', params: { ...DEFAULT_JOB_VIEW, limit: 2 * JOBS_PAGE } });
    const second = windows().at(-1)!;
    assert.deepEqual(second.ids, ids.slice(0, 2 * JOBS_PAGE));
    assert.deepEqual(
      second.rows.map((r) => r.id),
      ids.slice(JOBS_PAGE, 2 * JOBS_PAGE),
    );

    // Filters and sort run over all 10,000 jobs, not over the rows the webview holds.
    await session.receive({
      method: 'jobs/view',
      params: { ...DEFAULT_JOB_VIEW, stateFilter: 'failed', tagFilter: 'nightly', sortDesc: false },
    });
    const failedNightly = ids.filter((_, i) => i % 70 === 0).reverse();
    const filtered = windows().at(-1)!;
    assert.equal(filtered.matched, failedNightly.length);
    assert.equal(filtered.total, N);
    assert.deepEqual(filtered.ids, failedNightly.slice(0, JOBS_PAGE), 'oldest first');
    await session.receive({ method: 'jobs/view', params: { ...DEFAULT_JOB_VIEW, textFilter: ids[9_999] } });
    assert.deepEqual(windows().at(-1)!.ids, [ids[9_999]]);

    // A new job in the store: one window, with just its row on top.
    await session.receive({ method: 'jobs/view', params: DEFAULT_JOB_VIEW });
    const before = windows().length;
    const fresh = writeFakeJob(root, { id: 'f'.repeat(32), ageSeconds: -60 });
    await until(posted, () => windows().length > before, 60_000);
    const changed = windows().at(-1)!;
    assert.deepEqual(
      changed.rows.map((r) => r.id),
      [fresh],
    );
    assert.deepEqual(changed.ids, [fresh, ...ids.slice(0, JOBS_PAGE - 1)]);
    assert.equal(changed.total, N + 1);
  },
);

test("session: a running job's row carries its attention and input channel; the input box's line and end of input go to the host by id", async (t) => {
  const { dir: root, cleanup } = tempDir();
  t.after(cleanup);
  const asking = writeFakeJob(root, { status: 'running', pid: process.pid, meta: { stdin_pipe: true, command: ['npm', 'init'] } });
  const quiet = writeFakeJob(root, { status: 'running', pid: process.pid, meta: { stall_after_ms: 1000 } });
  const attention = new Map<string, Attention>([
    [asking, { kind: 'needs_input', since: '2026-11-30T10:00:00Z', last_line: 'package name: (demo) ' }],
    [quiet, { kind: 'stalled', since: '2026-11-30T10:00:00Z', last_line: 'compiling' }],
  ]);
  const { session, posted, calls, fire } = backend(root, t, new Map(), attention);
  await session.receive({ method: 'ready', params: {} });
  const snap = posted[0];
  const rows = snap.method === 'jobs/snapshot' ? snap.params.window.rows : [];
  const row = (id: string) => rows.find((r) => r.id === id)!;
  assert.deepEqual([row(asking).attention, row(asking).lastLine, row(asking).inputChannel], ['needs_input', 'package name: (demo) ', true]);
  assert.deepEqual([row(quiet).attention, row(quiet).inputChannel], ['stalled', undefined]);

  // Answered: the attention clears and the row goes out again without it.
  attention.delete(asking);
  fire([asking]);
  await poll('the row without its badge', () =>
    posted.some((m) => m.method === 'jobs/window' && m.params.rows.some((r) => r.id === asking && r.attention === undefined)),
  );

  await session.receive({ method: 'job/sendInput', params: { jobId: asking, text: 'my-app' } });
  await session.receive({ method: 'job/sendInput', params: { jobId: asking, eof: true } });
  assert.deepEqual(calls, [`input ${asking} {"text":"my-app"}`, `input ${asking} {"eof":true}`]);
  assert.ok(posted.some((m) => m.method === 'notice' && m.params.text === 'sent'));
});

test('session: a rerun job shows its attempts (result, duration, when) and where the latest first differs from the last good one; any attempt opens its log', async (t) => {
  const { dir: root, cleanup } = tempDir();
  t.after(cleanup);
  const id = writeFakeJob(root, { status: 'exited', exitCode: 1, stdout: 'build\nstep 2 failed\n' });
  // Attempt 1 succeeded, kept in attempts/1 the way rerun archives it.
  writeFakeJob(path.join(root, id, 'attempts'), { id: '1', status: 'exited', exitCode: 0, stdout: 'build\nstep 2 ok\n' });
  const { session, posted, calls } = backend(root, t);
  await session.receive({ method: 'ready', params: {} });
  await session.receive({ method: 'job/select', params: { jobId: id, stream: 'stdout' } });
  const msg = await poll('the attempts', () => posted.find((m) => m.method === 'job/attempts'));
  assert.ok(msg.method === 'job/attempts');
  assert.equal(msg.params.jobId, id);
  assert.deepEqual(
    msg.params.attempts.map((a) => [a.attempt, a.state, a.exitCode, a.durationMs, typeof a.finishedAt]),
    [
      [1, 'exited', 0, 5, 'string'],
      [2, 'exited', 1, 5, 'string'],
    ],
  );
  assert.deepEqual(msg.params.difference, {
    attempt: 2,
    successfulAttempt: 1,
    line: 2,
    text: 'step 2 failed',
    successfulText: 'step 2 ok',
  });

  await session.receive({ method: 'log/openAttempt', params: { jobId: id, attempt: 1, stream: 'stdout' } });
  await session.receive({ method: 'log/openAttempt', params: { jobId: id, attempt: 2, stream: 'stderr' } });
  await session.receive({ method: 'log/openAttempt', params: { jobId: id, attempt: 3, stream: 'stdout' } });
  assert.deepEqual(calls, [`open ${path.join(root, id, 'attempts', '1', 'stdout.log')}`, `open ${path.join(root, id, 'stderr.log')}`]);
  assert.ok(posted.some((m) => m.method === 'notice' && m.params.level === 'error' && /has no attempt 3/.test(m.params.text)));

  // A job never rerun sends no attempts view.
  const once = writeFakeJob(root, { status: 'exited' });
  const before = posted.filter((m) => m.method === 'job/attempts').length;
  await session.receive({ method: 'job/select', params: { jobId: once, stream: 'stdout' } });
  await session.receive({ method: 'job/select', params: { jobId: id, stream: 'stdout' } });
  await poll('the attempts of the rerun job again', () => posted.filter((m) => m.method === 'job/attempts').length === before + 1);
  assert.ok(posted.filter((m) => m.method === 'job/attempts').every((m) => m.method === 'job/attempts' && m.params.jobId === id));
});
