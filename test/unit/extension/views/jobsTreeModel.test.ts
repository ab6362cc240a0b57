/** What the Jobs tree shows (src/extension/views/jobsTreeModel.ts), from real job records. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import type { JobMeta, JobState } from '../../../../src/core/schema';
import type { JobSnapshot } from '../../../../src/extension/jobs/jobService';
import { formatDuration } from '../../../../src/shared/duration';
import { formatShortTime } from '../../../../src/shared/time';
import {
  describe,
  groupJobs,
  lookOf,
  MAX_ACTIVE_JOBS,
  present,
  runningCount,
  signalName,
  tooltipMarkdown,
  visibleJobs,
} from '../../../../src/extension/views/jobsTreeModel';
import { commandLine } from '../../../../src/shared/commandLine';

let n = 0;
function job(
  status: JobState['job']['status'],
  opts: { exit?: number; signal?: string; created?: string; finished?: string; error?: string; command?: string[]; cwd?: string } = {},
): JobSnapshot {
  const id = (++n).toString(16).padStart(32, '0');
  const created = opts.created ?? '2026-11-30T10:00:00.000Z';
  const terminal = status !== 'running' && status !== 'created';
  const meta = {
    job: { id },
    schema_version: '0.1',
    command: opts.command ?? ['sleep', '5'],
    created_at: created,
    root: '/r',
    env_keys: [],
    cwd: opts.cwd ?? '/work/app',
    tags: ['web', 'dev'],
    inherit_env: true,
    timeout_ms: 0,
    kill_after_ms: 0,
    progress_every_ms: 0,
  } as JobMeta;
  const state: JobState = {
    job: { id, status, started_at: created },
    result: { exit_code: opts.exit ?? null, signal: opts.signal ?? null, duration_ms: terminal ? 1500 : null },
    pid: 4242,
    ...(terminal ? { finished_at: opts.finished ?? '2026-11-30T10:00:01.500Z' } : {}),
    updated_at: created,
    ...(opts.error ? { error: opts.error } : {}),
  };
  return { id, meta, state };
}

test('outcomes: exited with its code, killed with the signal name (agent-exec may record a number), lost', () => {
  const now = new Date('2026-11-30T10:05:00Z');
  assert.equal(describe(job('exited', { exit: 130 }), now), 'exited 130 · 1.5 s');
  assert.equal(describe(job('killed', { signal: '9' }), now), 'killed (KILL) · 1.5 s');
  assert.equal(describe(job('killed', { signal: 'SIGTERM' }), now), 'killed (TERM) · 1.5 s');
  assert.match(describe(job('running'), now), /^running · since /);
  const lost = job('failed', { error: "supervisor (pid 12) exited without recording the job's exit" });
  assert.equal(lookOf(lost), 'lost');
  assert.match(describe(lost, now), /^lost/);
  assert.equal(lookOf(job('failed', { error: 'spawn failed' })), 'failed');
  assert.equal(signalName('15'), 'TERM');
});

test('icons and menu context follow the state', () => {
  const now = new Date();
  assert.deepEqual(present(job('exited', { exit: 0 }), now).icon, { id: 'pass', color: 'testing.iconPassed' });
  assert.equal(present(job('exited', { exit: 2 }), now).icon.id, 'error');
  assert.equal(present(job('running'), now).icon.id, 'sync~spin');
  assert.equal(present(job('running'), now).contextValue, 'job.running');
  assert.equal(present(job('killed'), now).contextValue, 'job.killed');
  assert.equal(
    present(job('failed', { error: 'process 1 is gone and no exit was recorded (supervisor lost)' }), now).contextValue,
    'job.failed.lost',
  );
});

test('the tooltip carries id, pid, cwd (Markdown-escaped), tags and times; the label is the command line', () => {
  const j = job('exited', { exit: 0, command: ['echo', 'hello world'], cwd: '/work/my_app-2.0' });
  const p = present(j, new Date());
  assert.equal(p.label, "echo 'hello world'");
  const rows = p.tooltip.split('\n');
  for (const row of [
    `**Job id:** \`${j.id}\`  `,
    '**PID:** 4242  ',
    '**Cwd:** /work/my\\_app\\-2\\.0  ',
    '**Tags:** `web` `dev`  ',
    '**Duration:** 1.5 s  ',
  ]) {
    assert.ok(rows.includes(row), `${row} in\n${p.tooltip}`);
  }
  for (const key of ['Started', 'Finished'])
    assert.ok(
      rows.some((r) => r.startsWith(`**${key}:** `)),
      key,
    );
  assert.equal(commandLine(['sh -c "x"']), 'sh -c "x"');
});

test("a running job's tooltip lists its listening ports once they are looked up (the tree does so on hover)", () => {
  const j = job('running');
  assert.ok(!tooltipMarkdown(j, new Date()).includes('**Ports:**'), 'no lookup, no row');
  const ports = [
    { port: 5173, protocol: 'tcp6' as const, address: '::1', pid: 4242 },
    { port: 3000, protocol: 'tcp' as const, address: '127.0.0.1', pid: 4243 },
    { port: 3000, protocol: 'tcp6' as const, address: '::', pid: 4243 },
  ];
  assert.ok(tooltipMarkdown(j, new Date(), ports).split('\n').includes('**Ports:** 3000/tcp, 5173/tcp  '));
});

test('a job that declares readiness reads "starting…", then "ready :PORT" (openable); others show their ports', () => {
  const now = new Date('2026-11-30T10:05:00Z');
  const server = job('running');
  (server.meta as { ready?: object }).ready = { port: 3000 };
  const tcp = { port: 3000, protocol: 'tcp' as const, address: '127.0.0.1' };
  assert.match(describe(server, now), /^running · since /, 'nothing known yet: its status');
  const starting = { ready: { ready: 'pending' as const }, ports: [] };
  assert.match(describe(server, now, starting), /^starting… · since /);
  assert.equal(present(server, now, starting).contextValue, 'job.running');
  const ready = { ready: { ready: 'ready' as const, ready_at: '2026-11-30T10:04:00Z' }, ports: [tcp] };
  assert.match(describe(server, now, ready), /^ready :3000 · since /);
  const p = present(server, now, ready);
  assert.equal(p.contextValue, 'job.running.ready', 'Open in Browser is offered');
  assert.ok(p.tooltip.includes(`**Ready:** ready since ${formatShortTime('2026-11-30T10:04:00Z', now)}  `), p.tooltip);
  assert.ok(p.tooltip.includes('**Ports:** 3000/tcp  '), p.tooltip);
  assert.match(describe(server, now, { ready: { ready: 'timed_out' }, ports: [] }), /^not ready \(timed out\) · since /);

  const plain = job('running');
  const two = {
    ports: [tcp, { ...tcp, protocol: 'tcp6' as const, address: '::' }, { port: 5353, protocol: 'udp' as const, address: '0.0.0.0' }],
  };
  assert.match(describe(plain, now, two), /^running · :3000, :5353 · since /);
  assert.equal(present(plain, now, two).contextValue, 'job.running', 'not ready: nothing to open');
  // What was known while it ran is not shown once it ended.
  assert.equal(describe(job('exited', { exit: 0 }), now, ready), 'exited 0 · 1.5 s');
});

test('running jobs come first (newest first), then at most N finished ones, most recently finished first', () => {
  const r1 = job('running', { created: '2026-11-30T10:00:00Z' });
  const r2 = job('running', { created: '2026-11-30T10:01:00Z' });
  const f1 = job('exited', { finished: '2026-11-30T09:00:00Z' });
  const f2 = job('killed', { finished: '2026-11-30T09:30:00Z' });
  const f3 = job('failed', { finished: '2026-11-30T08:00:00Z' });
  assert.deepEqual(
    visibleJobs([f1, r1, f2, r2, f3], 2).map((j) => j.id),
    [r2.id, r1.id, f2.id, f1.id],
  );
  assert.equal(visibleJobs([f1, f2], 0).length, 0);
  assert.equal(runningCount([r1, f1, r2]), 2);
});

test('unfinished jobs are bounded too: at most MAX_ACTIVE_JOBS, the newest (10,000 running jobs still make a small tree)', () => {
  const running = Array.from({ length: 10_000 }, (_, i) =>
    job('running', { created: new Date(Date.UTC(2026, 10, 30) + i * 1000).toISOString().replace(/\.\d+Z$/, 'Z') }),
  );
  const rows = visibleJobs(running, 50);
  assert.equal(rows.length, MAX_ACTIVE_JOBS);
  assert.equal(rows[0].id, running.at(-1)!.id);
  assert.deepEqual(
    visibleJobs(running.slice(0, 3), 50, 2).map((j) => j.id),
    [running[2].id, running[1].id],
  );
});

test('durations read well (one rule for the tree and the panel)', () => {
  assert.equal(formatDuration(450), '450 ms');
  assert.equal(formatDuration(1500), '1.5 s');
  assert.equal(formatDuration(42_000), '42 s');
  assert.equal(formatDuration(125_000), '2m 5s');
  assert.equal(formatDuration(3_700_000), '1h 1m');
  // Truncated, never rounded up: no "10.0 s", "60 s" or "1m 60s" on the way to the next unit.
  assert.equal(formatDuration(9_999), '9.9 s');
  assert.equal(formatDuration(59_600), '59 s');
  assert.equal(formatDuration(119_600), '1m 59s');
  assert.equal(formatDuration(999.6), '999 ms');
});

test('start times: the time of day today, a short date before (one rule for the tree and the panel)', () => {
  const now = new Date(2026, 10, 30, 15, 0, 0);
  assert.match(formatShortTime(new Date(2026, 10, 30, 14, 3, 7).toISOString(), now), /03:07/);
  const before = formatShortTime(new Date(2026, 10, 29, 14, 3, 7).toISOString(), now.getTime());
  assert.match(before, /29/);
  assert.doesNotMatch(before, /03:07/);
  assert.equal(formatShortTime('not a date', now), 'not a date');
});

test('grouping by state and by workspace folder keeps the row order inside each group', () => {
  const r = job('running');
  const ok = job('exited', { exit: 0 });
  const bad = job('exited', { exit: 1 });
  const k = job('killed', { signal: 'TERM' });
  const byState = groupJobs([r, ok, bad, k], 'state', []);
  assert.deepEqual(
    byState.map((g) => [g.label, g.jobs.map((j) => j.id)]),
    [
      ['Running', [r.id]],
      ['Failed', [bad.id]],
      ['Killed', [k.id]],
      ['Succeeded', [ok.id]],
    ],
  );
  const inApp = { ...ok, meta: { ...ok.meta, cwd: '/work/app/src' } };
  const inApps = { ...bad, meta: { ...bad.meta, cwd: '/work/apps' } };
  const nested = { ...k, meta: { ...k.meta, cwd: '/work/app/lib/x' } };
  const folders = [
    { name: 'app', path: '/work/app' },
    { name: 'lib', path: '/work/app/lib' },
  ];
  assert.deepEqual(
    groupJobs([inApp, inApps, nested], 'folder', folders).map((g) => [g.label, g.jobs.length]),
    [
      ['app', 1],
      ['lib', 1],
      ['Other', 1],
    ],
  );
});

test('a running job that waits for input or has stalled says so (icon, description, tooltip row), and one with an input channel offers Send Input', () => {
  const now = new Date('2026-11-30T10:05:00Z');
  const init = job('running', { command: ['npm', 'init'] });
  (init.meta as { stdin_pipe?: boolean }).stdin_pipe = true;
  assert.equal(present(init, now).contextValue, 'job.running.input', 'Send Input… is offered while it runs');
  const asking = { kind: 'needs_input' as const, since: '2026-11-30T10:04:00Z', last_line: 'package name: (demo) ' };
  const p = present(init, now, undefined, asking);
  assert.match(p.description, /^waiting for input · since /);
  assert.deepEqual(p.icon, { id: 'comment-unresolved', color: 'charts.yellow' });
  assert.ok(p.tooltip.includes('**Waiting for input:** `package name: (demo) `  '), p.tooltip);

  const quiet = job('running');
  const stalled = { kind: 'stalled' as const, since: '2026-11-30T10:00:00Z', last_line: 'compiling' };
  const q = present(quiet, now, undefined, stalled);
  assert.match(q.description, new RegExp(`^stalled ${formatDuration(5 * 60_000)} · since `));
  assert.equal(q.icon.id, 'watch');
  assert.ok(q.tooltip.includes('**Stalled:** `compiling`  '), q.tooltip);
  assert.equal(q.contextValue, 'job.running', 'no input channel: no Send Input');
  // A finished job is drawn by its outcome, whatever was last known.
  const ended = job('exited', { exit: 0 });
  (ended.meta as { stdin_pipe?: boolean }).stdin_pipe = true;
  assert.deepEqual([present(ended, now, undefined, asking).icon.id, present(ended, now).contextValue], ['pass', 'job.exited']);
});
