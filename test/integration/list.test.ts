import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { listJobs } from '../../src/core/ops/list';
import { indexBeforeNewDir, indexNewDir, MERGE_AT } from '../../src/core/ops/listIndex';
import { runCli } from '../helpers/cli';
import { writeFakeJob } from '../helpers/fakeJobs';
import { tempStore } from '../helpers/tempRoot';
import { PROCS, unusedPort, waitForRoles } from '../helpers/jobProcs';
import { NEEDS_LINUX } from '../helpers/platform';
import { scratch } from './runHelpers';

const ENTRY_KEYS = ['job_id', 'short_job_id', 'state', 'exit_code', 'created_at', 'started_at', 'finished_at', 'updated_at', 'tags'];

function ids(r: { code: number | null; json?: { jobs: { job_id: string }[] }; stdout: string; stderr: string }): string[] {
  assert.ok(r.json, `no JSON answer (exit ${r.code}): ${r.stdout}${r.stderr}`);
  return r.json.jobs.map((j) => j.job_id);
}

test('list: cwd scope by default, --cwd (relative, through a symlink), --all; jobs without cwd only with --all', async (t) => {
  const { dir, root, cwd, other } = tempStore(t);
  const here = writeFakeJob(root, { cwd, ageSeconds: 30 });
  const there = writeFakeJob(root, { cwd: other, ageSeconds: 20 });
  const nowhere = writeFakeJob(root, { ageSeconds: 10 });
  symlinkSync(other, path.join(dir, 'other-link'));
  assert.deepEqual(ids(await runCli(['--root', root, 'list'], { cwd })), [here]);
  assert.deepEqual(ids(await runCli(['--root', root, 'list', '--cwd', '../other'], { cwd })), [there]);
  assert.deepEqual(ids(await runCli(['--root', root, 'list', '--cwd', path.join(dir, 'other-link')], { cwd })), [there]);
  assert.deepEqual(ids(await runCli(['--root', root, 'list', '--all'], { cwd })), [nowhere, there, here]);
  const r = await runCli(['--root', root, 'list', '--all'], { cwd });
  assert.deepEqual(Object.keys(r.json), ['schema_version', 'ok', 'type', 'root', 'jobs', 'truncated', 'skipped']);
  assert.deepEqual(Object.keys(r.json.jobs[0]), ENTRY_KEYS);
  assert.equal(r.json.jobs[0].short_job_id, nowhere.slice(0, 7));
});

test('list: tags are ANDed, namespaces include themselves; --state includes created and unknown', async (t) => {
  const { root, cwd } = tempStore(t);
  const a = writeFakeJob(root, { cwd, tags: ['ci', 'project.build'], ageSeconds: 50 });
  const b = writeFakeJob(root, { cwd, tags: ['project'], ageSeconds: 40, exitCode: 2 });
  const c = writeFakeJob(root, { cwd, tags: ['ci'], status: 'created', ageSeconds: 30 });
  const d = writeFakeJob(root, { cwd, tags: ['project.test.unit'], status: 'running', pid: process.pid, ageSeconds: 20 });
  const e = writeFakeJob(root, { cwd, tags: ['projects'], ageSeconds: 10 });
  writeFileSync(path.join(root, e, 'state.json'), '{not json');
  const list = async (...args: string[]) => ids(await runCli(['--root', root, 'list', ...args], { cwd }));
  assert.deepEqual(await list('--tag', 'ci'), [a, c]);
  assert.deepEqual(await list('--tag', 'project.*'), [d, b, a]);
  assert.deepEqual(await list('--tag', 'ci', '--tag', 'project.*'), [a]);
  assert.deepEqual(await list('--state', 'created'), [c]);
  assert.deepEqual(await list('--state', 'running'), [d]);
  assert.deepEqual(await list('--state', 'unknown'), [e]);
  assert.deepEqual(ids(await runCli(['--root', root, 'ps'], { cwd })), [d]);
  const unknown = (await runCli(['--root', root, 'list', '--state', 'unknown'], { cwd })).json.jobs[0];
  assert.deepEqual(Object.keys(unknown), ['job_id', 'short_job_id', 'state', 'created_at', 'tags']);
  const exited = (await runCli(['--root', root, 'list', '--state', 'exited'], { cwd })).json.jobs;
  assert.equal(exited.find((j: { job_id: string }) => j.job_id === b).exit_code, 2);
});

test('list: started_at descending, jobs without it last, ties by job_id descending; --limit and truncated', async (t) => {
  const { root, cwd } = tempStore(t);
  const same = ['1'.repeat(32), '2'.repeat(32), '3'.repeat(32)].map((id) => writeFakeJob(root, { id, cwd, ageSeconds: 100 }));
  const newest = writeFakeJob(root, { cwd, ageSeconds: 5 });
  const created = writeFakeJob(root, { cwd, status: 'created', ageSeconds: 1 });
  const all = [newest, same[2], same[1], same[0], created];
  assert.deepEqual(ids(await runCli(['--root', root, 'list', '--limit', '0'], { cwd })), all);
  const two = await runCli(['--root', root, 'list', '--limit', '2'], { cwd });
  assert.deepEqual(ids(two), all.slice(0, 2));
  assert.equal(two.json.truncated, true);
  const exact = await runCli(['--root', root, 'list', '--limit', '5'], { cwd });
  assert.equal(exact.json.truncated, false);
  const defaults = await listJobs(root, { cwd });
  assert.equal(defaults.jobs.length, 5);
});

test('list: a job whose supervisor and workload are gone is listed as failed with the reason, and settled on disk', async (t) => {
  const { root, cwd } = tempStore(t);
  const dead = spawnSync('true').pid!;
  const lost = writeFakeJob(root, { cwd, status: 'running', pid: dead });
  const alive = writeFakeJob(root, { cwd, status: 'running', pid: process.pid });
  const r = await runCli(['--root', root, 'list'], { cwd });
  const byId = Object.fromEntries(r.json.jobs.map((j: { job_id: string }) => [j.job_id, j]));
  assert.equal(byId[lost].state, 'failed');
  assert.match(byId[lost].error, /gone/);
  assert.equal(byId[alive].state, 'running');
  assert.equal(JSON.parse(readFileSync(path.join(root, lost, 'state.json'), 'utf8')).job.status, 'failed');
  assert.deepEqual(ids(await runCli(['--root', root, 'ps'], { cwd })), [alive]);
});

test('list: skipped counts unreadable meta.json in every scope; files and missing roots are ignored', async (t) => {
  const { dir, root, cwd } = tempStore(t);
  writeFakeJob(root, { cwd });
  mkdirSync(path.join(root, 'not-a-job'));
  writeFileSync(path.join(root, 'stray-file'), 'x');
  const broken = writeFakeJob(root, { cwd });
  writeFileSync(path.join(root, broken, 'meta.json'), '{');
  for (const args of [[], ['--all'], ['--cwd', '/elsewhere'], ['--state', 'running']]) {
    const r = await runCli(['--root', root, 'list', ...args], { cwd });
    assert.equal(r.json.skipped, 2, args.join(' '));
  }
  const missing = await runCli(['--root', path.join(dir, 'none'), 'list']);
  assert.deepEqual(missing.json, {
    schema_version: '0.1',
    ok: true,
    type: 'list',
    root: path.join(dir, 'none'),
    jobs: [],
    truncated: false,
    skipped: 0,
  });
});

test('list/ps usage errors: exit 2, empty stdout, clap messages', async (t) => {
  const { root } = tempStore(t);
  const cases: [string[], string][] = [
    [['list', '--cwd', '/x', '--all'], "error: The argument '--cwd <CWD>' cannot be used with '--all'"],
    [['list', '--state', 'bogus'], "error: 'bogus' isn't a valid value for '--state <STATE>'"],
    [['ps', '--state', 'exited'], "error: Found argument '--state' which wasn't expected, or isn't valid in this context"],
    [
      ['list', '--tag', 'a.*.b'],
      "error: Invalid value 'a.*.b' for '--tag <PATTERN>': invalid tag \"a.*.b\": tag segments may only contain alphanumeric characters and hyphens",
    ],
    [['list', '--limit', '-1'], "error: Invalid value '-1' for '--limit': invalid digit found in string"],
  ];
  for (const [args, first] of cases) {
    const r = await runCli(['--root', root, ...args]);
    assert.equal(r.code, 2, args.join(' '));
    assert.equal(r.stdout, '');
    assert.equal(r.stderr.split('\n')[0], first);
  }
});

/** Makes a job directory look settled (unchanged for a minute), as the index requires. */
const SETTLED = new Date(Date.now() - 60_000);
const settle = (dir: string) => utimesSync(dir, SETTLED, SETTLED);

const header = (root: string) => JSON.parse(readFileSync(path.join(root, '.list-index'), 'utf8').split('\n')[0]);
const bodyNames = (root: string) =>
  readFileSync(path.join(root, '.list-index.body'), 'utf8')
    .split('\n')
    .slice(1)
    .filter(Boolean)
    .map((l) => JSON.parse(l)[0]);

test('list index: settled jobs are indexed in list order, live ones read from disk; index files 0600', async (t) => {
  const { root, cwd } = tempStore(t);
  const older = writeFakeJob(root, { cwd, tags: ['a'], ageSeconds: 20 });
  const newer = writeFakeJob(root, { cwd, ageSeconds: 10 });
  const running = writeFakeJob(root, { cwd, status: 'running', pid: process.pid });
  for (const d of [older, newer, running]) settle(path.join(root, d));
  await listJobs(root, { cwd });
  assert.deepEqual(bodyNames(root), [newer, older], 'finished jobs, sorted as list sorts');
  assert.deepEqual(header(root).live, [running], 'running jobs are never indexed');
  for (const f of ['.list-index', '.list-index.body', '.list-index.names']) assert.equal(statSync(path.join(root, f)).mode & 0o777, 0o600);

  // Proof that the index is used: an in-place edit that keeps the directory's mtime is not seen.
  const metaFile = path.join(root, older, 'meta.json');
  writeFileSync(metaFile, readFileSync(metaFile, 'utf8').replace('"a"', '"in-place"'));
  settle(path.join(root, older));
  assert.deepEqual(
    (await listJobs(root, { cwd, tags: ['a'] })).jobs.map((j) => j.tags),
    [['a']],
  );

  // Every real writer renames into the directory: a tag filter then re-reads the entry.
  assert.equal((await runCli(['--root', root, 'tag', 'set', older, '--tag', 'b'])).code, 0);
  assert.deepEqual(
    (await listJobs(root, { cwd, tags: ['b'] })).jobs.map((j) => j.job_id),
    [older],
  );

  // Written behind the index's back (agent-exec, a crash, rm -r): new and vanished directories.
  const added = writeFakeJob(root, { cwd, ageSeconds: 5 });
  rmSync(path.join(root, newer), { recursive: true });
  assert.deepEqual(
    (await listJobs(root, { cwd })).jobs.map((j) => j.job_id),
    [running, added, older],
  );
  assert.deepEqual(header(root).gone, [newer], 'entries of deleted jobs are skipped');
  assert.ok(header(root).live.includes(added), 'a new job is live until it settles');
});

/** A store of settled finished jobs of these ages (seconds), indexed. */
async function indexedStore(t: TestContext, ages: number[]) {
  const store = tempStore(t);
  const jobs = ages.map((age) => writeFakeJob(store.root, { cwd: store.cwd, ageSeconds: age }));
  for (const d of jobs) settle(path.join(store.root, d));
  await listJobs(store.root, { cwd: store.cwd });
  await listJobs(store.root, { cwd: store.cwd });
  return { ...store, jobs };
}

test('list index: directories added and removed behind its back are walked in from the names file, the body is not rewritten', async (t) => {
  const { root, cwd, jobs } = await indexedStore(t, [40, 30, 20]);
  const before = header(root);
  const bodyFile = path.join(root, '.list-index.body');
  const bodyIno = statSync(bodyFile).ino;
  // As agent-exec 0.2.3 writes them: a new job directory, a deleted one (gc, delete, rm -r).
  const added = writeFakeJob(root, { cwd, ageSeconds: 10 });
  rmSync(path.join(root, jobs[1]), { recursive: true });
  assert.deepEqual(
    (await listJobs(root, { cwd })).jobs.map((j) => j.job_id),
    [added, jobs[2], jobs[0]],
  );
  const after = header(root);
  assert.equal(after.body, before.body);
  assert.equal(statSync(bodyFile).ino, bodyIno, 'the body file was not rewritten');
  assert.deepEqual(after.gone, [jobs[1]]);
  assert.deepEqual(after.live, [added]);
  assert.equal(after.dirs, 3);
  assert.notEqual(after.names, before.names);
  assert.deepEqual(readFileSync(path.join(root, '.list-index.names'), 'utf8').split('\0').sort(), [added, jobs[0], jobs[2]].sort());

  // A names file that is not the one the header describes (torn, edited): rebuilt from the root.
  writeFileSync(path.join(root, '.list-index.names'), `${jobs[0]}\0${jobs[1]}`);
  const third = writeFakeJob(root, { cwd, ageSeconds: 5 });
  assert.deepEqual(
    (await listJobs(root, { cwd })).jobs.map((j) => j.job_id),
    [third, added, jobs[2], jobs[0]],
  );
  assert.deepEqual(header(root).gone, []);
  assert.deepEqual(bodyNames(root), [jobs[2], jobs[0]]);

  // Gone entries leave the body once there are MERGE_AT of them.
  const many = Array.from({ length: MERGE_AT }, (_, i) => writeFakeJob(root, { cwd, ageSeconds: 100 + i }));
  for (const d of many) settle(path.join(root, d));
  settle(path.join(root, added));
  settle(path.join(root, third));
  await listJobs(root, { cwd, limit: 0 });
  await listJobs(root, { cwd, limit: 0 });
  assert.equal(bodyNames(root).length, MERGE_AT + 4);
  for (const d of many) rmSync(path.join(root, d), { recursive: true });
  assert.deepEqual(
    (await listJobs(root, { cwd, limit: 0 })).jobs.map((j) => j.job_id),
    [third, added, jobs[2], jobs[0]],
  );
  assert.deepEqual(header(root).gone, []);
  assert.deepEqual(bodyNames(root), [third, added, jobs[2], jobs[0]]);
});

test('list index: jobs that settle are put in place in a large body, which keeps list order', async (t) => {
  const { root, cwd } = tempStore(t);
  // 10 s apart: timestamps have whole seconds, and the clock moves while they are written.
  const jobs = Array.from({ length: 64 }, (_, i) => writeFakeJob(root, { cwd, ageSeconds: 100 + 10 * i }));
  for (const d of jobs) settle(path.join(root, d));
  await listJobs(root, { cwd, limit: 0 });
  assert.deepEqual(bodyNames(root), jobs);
  // MERGE_AT entries gone make the body be rewritten; two settled jobs are put in place then.
  const removed = jobs.filter((_, i) => i % 2 === 0);
  for (const d of removed) rmSync(path.join(root, d), { recursive: true });
  const middle = writeFakeJob(root, { cwd, ageSeconds: 305 });
  const newest = writeFakeJob(root, { cwd, ageSeconds: 50 });
  for (const d of [middle, newest]) settle(path.join(root, d));
  const listed = (await listJobs(root, { cwd, limit: 0 })).jobs.map((j) => j.job_id);
  const kept = jobs.filter((_, i) => i % 2 === 1);
  assert.deepEqual(listed, [newest, ...kept.slice(0, 10), middle, ...kept.slice(10)]);
  assert.deepEqual(bodyNames(root), listed);
  assert.deepEqual(header(root).live, []);
});

test('list index: jobs our create took in that joined the body are not taken in again when the root is read again', async (t) => {
  const { root, cwd } = tempStore(t);
  settle(path.join(root, writeFakeJob(root, { cwd, ageSeconds: 200 })));
  await listJobs(root, { cwd });
  await listJobs(root, { cwd });
  // Made as create makes them (ops/create.ts), then finished and settled.
  const made = Array.from({ length: MERGE_AT }, (_, i) => {
    const id = randomBytes(16).toString('hex');
    const before = indexBeforeNewDir(root);
    mkdirSync(path.join(root, id));
    indexNewDir(root, id, before);
    writeFakeJob(root, { id, cwd, ageSeconds: 100 + i });
    settle(path.join(root, id));
    return id;
  });
  assert.deepEqual(header(root).created, made);
  await listJobs(root, { cwd, limit: 0 });
  assert.ok(
    made.every((id) => bodyNames(root).includes(id)),
    'settled into the body',
  );
  // Written behind its back: the root's names are read again.
  const behind = writeFakeJob(root, { cwd, ageSeconds: 5 });
  const listed = (await listJobs(root, { cwd, limit: 0 })).jobs.map((j) => j.job_id);
  assert.equal(listed.length, MERGE_AT + 2);
  assert.equal(new Set(listed).size, listed.length, 'no job listed twice');
  assert.deepEqual(header(root).live, [behind]);
  assert.deepEqual(header(root).created, []);
});

test('list index: a job we created and then removed is not counted as skipped', async (t) => {
  const { root, cwd } = tempStore(t);
  const old = writeFakeJob(root, { cwd, ageSeconds: 10 });
  settle(path.join(root, old));
  await runCli(['--root', root, 'create', '--', 'true'], { cwd });
  await listJobs(root, { cwd });
  await listJobs(root, { cwd });
  const id = (await runCli(['--root', root, 'create', '--', 'true'], { cwd })).json.job_id;
  assert.ok(header(root).live.includes(id), 'taken into the live names by create');
  rmSync(path.join(root, id), { recursive: true });
  const r = await listJobs(root, { cwd });
  assert.equal(r.skipped, 0);
  assert.ok(!r.jobs.some((j) => j.job_id === id));
  assert.ok(!header(root).live.includes(id));
});

test('list index: a job we create joins the index at once; the next listing does not read the root again', async (t) => {
  const { root, cwd } = tempStore(t);
  const old = writeFakeJob(root, { cwd, ageSeconds: 10 });
  settle(path.join(root, old));
  // The first job of a root also starts its event feed (a new file in the root).
  const first = (await runCli(['--root', root, 'create', '--', 'true'], { cwd })).json.job_id;
  await listJobs(root, { cwd });
  await listJobs(root, { cwd });
  const before = header(root);
  const r = await runCli(['--root', root, 'create', '--', 'true'], { cwd });
  const id = r.json.job_id;
  const after = header(root);
  assert.deepEqual(after.live, [...before.live, id]);
  assert.equal(after.dirs, before.dirs + 1);
  assert.equal(after.body, before.body);
  assert.deepEqual(
    (await listJobs(root, { cwd })).jobs.map((j) => [j.job_id, j.state]),
    [
      [old, 'exited'],
      ...[id, first]
        .sort()
        .reverse()
        .map((x) => [x, 'created']),
    ],
  );
  assert.deepEqual(header(root), after, 'nothing rewritten');
});

test('list index: a listing reads the body only as far as its page', async (t) => {
  const { root, cwd, jobs } = await indexedStore(t, [10, 20, 30]);
  const token = header(root).body;
  // Garbage after the second entry: a one-job page (and one more entry for `truncated`) never
  // reaches it, and the index stands.
  const bodyFile = path.join(root, '.list-index.body');
  const lines = readFileSync(bodyFile, 'utf8').split('\n');
  writeFileSync(bodyFile, `${lines.slice(0, 3).join('\n')}\ngarbage\n`);
  const one = await listJobs(root, { cwd, limit: 1 });
  assert.deepEqual(
    one.jobs.map((j) => j.job_id),
    [jobs[0]],
  );
  assert.equal(one.truncated, true);
  assert.equal(header(root).body, token, 'no rebuild');
  // A listing that reaches the garbage rebuilds from the job directories.
  assert.deepEqual(
    (await listJobs(root, { cwd, limit: 0 })).jobs.map((j) => j.job_id),
    jobs,
  );
  assert.notEqual(header(root).body, token);
  assert.deepEqual(bodyNames(root), jobs);
});

test('list index: corrupt or hostile index files are ignored and rebuilt; agent-exec-visible behaviour unchanged', async (t) => {
  const { root, cwd } = tempStore(t);
  const id = writeFakeJob(root, { cwd });
  settle(path.join(root, id));
  await listJobs(root, { cwd });
  const good = header(root);
  const outside = JSON.stringify(['..', 1, { job_id: '..', created_at: 'x', state: 'exited', tags: [] }]);
  const cases: [string, string][] = [
    ['{', ''],
    ['[]\n', '[]'],
    [`${JSON.stringify({ ...good, live: ['../../etc'] })}\n`, ''],
    [`${JSON.stringify({ ...good, live: [] })}\n`, `${good.body}\n${outside}\n`],
    [`${JSON.stringify({ ...good, live: [] })}\n`, `another-token\n`],
    [
      `${JSON.stringify({ ...good, live: [] })}\n`,
      `${good.body}\n${JSON.stringify([id, 1, { job_id: 'f'.repeat(32), created_at: 'x', state: 'exited', tags: [] }])}\n`,
    ],
  ];
  for (const [head, body] of cases) {
    writeFileSync(path.join(root, '.list-index'), head);
    writeFileSync(path.join(root, '.list-index.body'), body);
    const r = await runCli(['--root', root, 'list'], { cwd });
    assert.deepEqual(ids(r), [id], `${head} / ${body}`);
    assert.equal(r.json.jobs[0].state, 'exited');
    assert.equal(r.json.skipped, 0);
  }
  // gc and delete --all ignore the files; they are not jobs.
  const gc = await runCli(['--root', root, 'gc', '--dry-run']);
  assert.equal(gc.json.scanned_dirs, 1);
  assert.equal((await runCli(['--root', root, 'status', '.list-index'])).json.error.code, 'job_not_found');
});

test('list index without a tag filter: finished jobs are placed from the index, the page is checked against disk', async (t) => {
  const { root, cwd } = tempStore(t);
  const newest = writeFakeJob(root, { cwd, ageSeconds: 10 });
  const older = writeFakeJob(root, { cwd, ageSeconds: 20 });
  for (const d of [newest, older]) settle(path.join(root, d));
  assert.deepEqual(
    (await listJobs(root, { cwd, limit: 1 })).jobs.map((j) => j.job_id),
    [newest],
  );
  // A tag set on a listed job is shown (the page entry's directory changed: re-read).
  assert.equal((await runCli(['--root', root, 'tag', 'set', newest, '--tag', 'fresh'])).code, 0);
  assert.deepEqual(
    (await listJobs(root, { cwd, limit: 1 })).jobs.map((j) => j.tags),
    [['fresh']],
  );
  // A finished record rewritten as running (only by hand: finished jobs never run again) is
  // caught by the page check, and the fully checked pass tells the truth.
  const stateFile = path.join(root, newest, 'state.json');
  const st = JSON.parse(readFileSync(stateFile, 'utf8'));
  writeFileSync(
    `${stateFile}.tmp`,
    JSON.stringify({
      ...st,
      job: { ...st.job, status: 'running' },
      result: { exit_code: null, signal: null, duration_ms: null },
      pid: process.pid,
      finished_at: undefined,
    }),
  );
  renameSync(`${stateFile}.tmp`, stateFile);
  const r = await listJobs(root, { cwd, limit: 2 });
  assert.deepEqual(
    r.jobs.map((j) => [j.job_id, j.state]),
    [
      [newest, 'running'],
      [older, 'exited'],
    ],
  );
  assert.deepEqual(
    (await listJobs(root, { cwd, state: 'exited' })).jobs.map((j) => j.job_id),
    [older],
  );
});

test(
  "list: a running job adds the ports it listens on and its ready state; a job without them (or finished) keeps agent-exec's entry",
  { skip: NEEDS_LINUX },
  async (t) => {
    const s = scratch(t);
    const port = await unusedPort();
    const pidsFile = path.join(s.tmp, 'server.pids');
    const cli = (...args: string[]) => runCli(['--root', s.root, ...args], { cwd: s.cwd, env: { ...s.env, FIXTURE_PIDS: pidsFile } });
    const server = await cli(
      'run',
      '--no-wait',
      '--ready-port',
      String(port),
      '--',
      'env',
      `FIXTURE_PORT=${port}`,
      'node',
      path.join(PROCS, 'http-server.js'),
    );
    assert.equal(server.code, 0, server.stdout + server.stderr);
    const id: string = server.json.job_id;
    s.killAtEnd.add(id);
    const plain = await cli('run', '--no-wait', '--', 'sleep', '300');
    s.killAtEnd.add(plain.json.job_id);
    const ready = await cli('wait', '--until-ready', '--until', '60', id);
    assert.equal(ready.json.ready, 'ready', ready.stdout);
    const { root: pid } = await waitForRoles({ jobId: id, pid: 0, pidsFile }, ['root']);

    const listed = await cli('list');
    const byId = Object.fromEntries(listed.json.jobs.map((j: { job_id: string }) => [j.job_id, j]));
    const running = ['job_id', 'short_job_id', 'state', 'created_at', 'started_at', 'updated_at', 'tags'];
    assert.deepEqual(Object.keys(byId[plain.json.job_id]), running, 'no ports, no readiness: the entry agent-exec 0.2.3 gives');
    assert.deepEqual(Object.keys(byId[id]), [...running, 'ports', 'ready', 'ready_at']);
    assert.deepEqual(byId[id].ports, [{ port, protocol: 'tcp', address: '127.0.0.1', pid }]);
    assert.deepEqual([byId[id].ready, byId[id].ready_at], ['ready', ready.json.ready_at]);
    assert.deepEqual(
      (await cli('ps')).json.jobs.find((j: { job_id: string }) => j.job_id === id),
      byId[id],
    );
    // Callers that need ids only (completion) skip the live look-ups.
    const idsOnly = await listJobs(s.root, { live: false });
    assert.deepEqual(Object.keys(idsOnly.jobs.find((j) => j.job_id === id)!), running);

    for (const job of [id, plain.json.job_id]) assert.equal((await cli('kill', job)).json.state, 'killed');
    const after = await cli('list');
    for (const j of after.json.jobs)
      assert.deepEqual(
        Object.keys(j),
        ENTRY_KEYS.filter((k) => k !== 'exit_code'),
        'a finished job: no live fields',
      );
  },
);
