/**
 * Faults: a supervisor SIGKILLed mid-job, recycled pids, a full disk, a job directory or log
 * removed under a running job, hostile records, 200 concurrent runs, kill/tag racing the end of a
 * job, and durations against the wall clock. Prints the faults survived per kind.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { listJobs } from '../../src/core/ops/list';
import { runJob } from '../../src/core/ops/run';
import { getStatus } from '../../src/core/ops/status';
import { findEnvTagged, isProcessAlive } from '../../src/core/process/proc';
import { newJobId } from '../../src/core/store/jobId';
import { agentJobDefinition } from '../../src/agent/agentJob';
import { CLI, runCli } from '../helpers/cli';
import { writeFakeJob } from '../helpers/fakeJobs';
import { alive, jobRoot, killScratch, reap, waitForRoles, writeRunningJob } from '../helpers/jobProcs';
import { tempDir } from '../helpers/tempRoot';
import { assertJobGone, poll, Tally, TRIALS } from './reliability';
import { NEEDS_LINUX } from '../helpers/platform';

const tally = new Tally('faults');
after(() => tally.print());

const node = process.execPath;
/** Prints a numbered line every 20 ms to stdout (the workload writes its log itself). */
const TICKER = ['sh', '-c', 'echo "root $$" >> "$FIXTURE_PIDS"; i=0; while :; do echo "line $i"; i=$((i+1)); sleep 0.02; done'];

const stateOf = (root: string, id: string) => JSON.parse(readFileSync(path.join(root, id, 'state.json'), 'utf8'));

test(
  'fault: supervisor SIGKILLed while the workload runs — status/list/wait tell the truth within 1 s, kill works, logs intact',
  { skip: NEEDS_LINUX },
  async (t) => {
    const { root, run, cli } = jobRoot(t, 'ae-rel-sup-');
    for (let i = 0; i < TRIALS; i++) {
      const job = await run([...TICKER]);
      await waitForRoles(job, ['root']);
      await poll('some output', () => readFileSync(path.join(root, job.jobId, 'stdout.log'), 'utf8').includes('line 3'));
      process.kill(job.supervisorPid, 'SIGKILL');
      await poll('supervisor gone', () => !isProcessAlive(job.supervisorPid, job.supervisorStartTime));
      // The workload lives on and keeps writing its own log.
      const size = readFileSync(path.join(root, job.jobId, 'stdout.log')).length;
      await poll('log grows without the supervisor', () => readFileSync(path.join(root, job.jobId, 'stdout.log')).length > size);
      assert.equal((await cli('status', job.jobId)).json.state, 'running');
      const listed = (await cli('list', '--all')).json.jobs.find((j: any) => j.job_id === job.jobId);
      assert.equal(listed.state, 'running');
      const k = await cli('kill', job.jobId);
      assert.equal(k.code, 0, k.stdout + k.stderr);
      assert.deepEqual(k.json.survivors, []);
      const t0 = Date.now();
      const [st, w, l] = await Promise.all([cli('status', job.jobId), cli('wait', '--until', '1', job.jobId), cli('list', '--all')]);
      assert.ok(Date.now() - t0 < 1000 + 1500, 'status/wait/list answered (1 s + CLI start-up)');
      assert.notEqual(st.json.state, 'running', 'status still says running');
      assert.notEqual(w.json.state, 'running', 'wait still says running');
      assert.notEqual(l.json.jobs.find((j: any) => j.job_id === job.jobId).state, 'running');
      // Logs intact: every line from 0 to the last, in order, none torn.
      const lines = readFileSync(path.join(root, job.jobId, 'stdout.log'), 'utf8')
        .trimEnd()
        .split('\n');
      lines.forEach((line, n) => assert.equal(line, `line ${n}`));
      assert.deepEqual(findEnvTagged(job.jobId), []);
      tally.add('supervisor SIGKILL', 'survived');
    }
  },
);

test(
  'fault: recycled pid — a stale record naming a live unrelated process (wrong start time, or an old agent-exec record) signals nothing',
  { skip: NEEDS_LINUX },
  async (t) => {
    const { dir, startUntagged } = killScratch(t, 'ae-rel-recycle-');
    const bystander = await startUntagged('bystander');
    const startTime = bystander.startTime;
    for (let i = 0; i < TRIALS; i++) {
      const records = [
        { pid_start_time: startTime - 1 - i },
        { pid_start_time: startTime + 1000 + i },
        // agent-exec 0.2.3 record (no start time), job started an hour before the process.
        {
          legacy: true,
          job: { id: '', status: 'running' as const, started_at: new Date(Date.now() - 3_600_000).toISOString().replace(/\.\d+Z$/, 'Z') },
        },
      ];
      for (const extra of records) {
        const id = newJobId();
        if (extra.job) extra.job.id = id;
        await writeRunningJob(dir, id, bystander.pid, extra);
        const r = await runCli(['--root', dir, 'kill', '--signal', 'KILL', '--grace', '0.1', id]);
        assert.equal(r.code, 0, r.stdout + r.stderr);
        assert.ok(!r.json.signalled.includes(bystander.pid), `record ${JSON.stringify(extra)} signalled the bystander`);
        assert.ok(alive(bystander.pid, startTime), 'the bystander died');
        tally.add('recycled pid', 'survived');
      }
    }
  },
);

/** Mounts a tmpfs of `size` at `dir`; false when mounting is refused (not root, no CAP_SYS_ADMIN). */
function mountTmpfs(dir: string, size: string): boolean {
  mkdirSync(dir, { recursive: true });
  return spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]).status === 0;
}

test(
  'fault: disk full on the job root — run fails clearly, no half-written record, other jobs unaffected',
  { skip: NEEDS_LINUX },
  async (t) => {
    const { dir, cleanup } = tempDir('ae-rel-full-');
    const root = path.join(dir, 'root');
    if (!mountTmpfs(root, '64k')) {
      cleanup();
      t.skip('mount -t tmpfs refused (needs root / CAP_SYS_ADMIN)');
      return;
    }
    t.after(() => {
      spawnSync('umount', [root]);
      cleanup();
    });
    const env = { XDG_CONFIG_HOME: path.join(dir, 'config') };
    const first = await runCli(['--root', root, 'run', '--', 'echo', 'before'], { env });
    assert.equal(first.code, 0, first.stdout + first.stderr);
    const good = first.json.job_id as string;
    await poll('first job finished', () => stateOf(root, good).job.status === 'exited');
    // Fill the disk, then free 0…3 pages: each run either fully succeeds or fails cleanly.
    const filler = path.join(root, 'filler');
    writeFileSync(filler, '');
    for (let chunk = Buffer.alloc(4096, 1); ;) {
      try {
        writeFileSync(filler, chunk, { flag: 'a' });
      } catch {
        break;
      }
    }
    const fullSize = readFileSync(filler).length;
    for (let freePages = 0; freePages <= 3; freePages++) {
      truncateSync(filler, Math.max(0, fullSize - freePages * 4096));
      const before = new Set(readdirSync(root));
      const r = await runCli(['--root', root, 'run', '--no-auto-gc', '--', 'echo', 'hello'], { env });
      const made = readdirSync(root).filter((n) => !before.has(n) && /^[0-9a-f]{32}$/.test(n));
      if (r.code === 0) {
        tally.add('disk full', 'run_succeeded');
        for (const id of made) {
          await poll('job recorded terminal', () => ['exited', 'failed'].includes(stateOf(root, id).job.status));
          JSON.parse(readFileSync(path.join(root, id, 'meta.json'), 'utf8'));
        }
      } else {
        assert.ok(r.json?.ok === false, `run failed without a JSON error: ${r.stdout}${r.stderr}`);
        assert.match(JSON.stringify(r.json.error), /ENOSPC|no space|space left/i, 'the error names the full disk');
        tally.add('disk full', 'run_failed_cleanly');
        // Whatever was left is readable: no torn meta.json/state.json (temp files never stay).
        for (const id of made) {
          for (const f of readdirSync(path.join(root, id))) assert.ok(!f.startsWith('.tmp-'), `temp file left: ${id}/${f}`);
          for (const f of ['meta.json', 'state.json']) {
            const p = path.join(root, id, f);
            if (existsSync(p)) JSON.parse(readFileSync(p, 'utf8'));
          }
        }
      }
      for (const id of made) await reap(id);
      assert.equal((await runCli(['--root', root, 'status', good], { env })).json.state, 'exited', 'the other job is unaffected');
      const listed = await runCli(['--root', root, 'list', '--all'], { env });
      assert.ok(listed.json.jobs.some((j: any) => j.job_id === good));
      tally.add('disk full', 'survived');
    }
  },
);

test(
  'fault: job directory deleted while running — status says not found, list goes on, the supervisor ends with its job',
  { skip: NEEDS_LINUX },
  async (t) => {
    const { root, run, cli } = jobRoot(t, 'ae-rel-rmdir-');
    const job = await run([...TICKER]);
    await waitForRoles(job, ['root']);
    const other = writeFakeJob(root, { status: 'exited' });
    rmSync(path.join(root, job.jobId), { recursive: true, force: true });
    const st = await cli('status', job.jobId);
    assert.equal(st.code, 1);
    assert.equal(st.json.error.code, 'job_not_found');
    const l = await cli('list', '--all');
    assert.equal(l.code, 0);
    assert.ok(l.json.jobs.some((j: any) => j.job_id === other));
    // Nothing can address the job by id any more: end its workload by pid; its supervisor must not hang.
    process.kill(-job.pid, 'SIGKILL');
    // The signal is delivered asynchronously: wait (bounded) for the group to be gone.
    await poll('the workload group to die after SIGKILL', () => findEnvTagged(job.jobId).length === 0, 5_000);
    await assertJobGone(job, 'deleted job');
    tally.add('job dir deleted', 'survived');
  },
);

test('fault: logs truncated and deleted while the job writes and tail reads them', { skip: NEEDS_LINUX }, async (t) => {
  const { root, run, cli } = jobRoot(t, 'ae-rel-trunc-');
  const job = await run([...TICKER]);
  await waitForRoles(job, ['root']);
  const out = path.join(root, job.jobId, 'stdout.log');
  for (let i = 0; i < TRIALS; i++) {
    await poll('output', () => readFileSync(out).length > 200);
    truncateSync(out, 0);
    const r = await cli('tail', job.jobId);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.json.stdout_range[0] <= r.json.stdout_range[1] && r.json.stdout_range[1] <= r.json.stdout_total_bytes);
    tally.add('log truncated', 'survived');
  }
  unlinkSync(out);
  const gone = await cli('tail', job.jobId);
  assert.equal(gone.code, 0, `tail of a deleted log: ${gone.stdout}${gone.stderr}`);
  assert.equal(gone.json.stdout, '');
  tally.add('log deleted', 'survived');
  const k = await cli('kill', job.jobId);
  assert.deepEqual(k.json.survivors, []);
  await poll('job terminal', () => stateOf(root, job.jobId).job.status !== 'running');
  await assertJobGone(job, 'truncated-log job');
});

test(
  'fault: corrupt, empty, huge, deeply nested, wrong-typed and non-file records — an error per job, list shows every other job',
  { skip: NEEDS_LINUX },
  async (t) => {
    const { dir: root, cleanup } = tempDir('ae-rel-corrupt-');
    t.after(cleanup);
    const good = Array.from({ length: 5 }, () => writeFakeJob(root, { status: 'exited' }));
    const hostile: Record<string, string> = {
      'not json': '{"job": {"id": ',
      empty: '',
      array: '[]',
      null: 'null',
      string: '"running"',
      'huge (20 MB)': JSON.stringify({ job: { id: 'x', status: 'running' }, pad: 'x'.repeat(20 * 1024 * 1024) }),
      'deeply nested (100 000)': '['.repeat(100_000) + ']'.repeat(100_000),
      'deep object': '{"a":'.repeat(50_000) + '1' + '}'.repeat(50_000),
      'wrong types': JSON.stringify({ job: 'x', result: 7, pid: 'self', updated_at: [] }),
      'status not a status': JSON.stringify({ job: { id: 'x', status: 'rm -rf' }, result: null }),
      'pid 1 running': JSON.stringify({
        job: { id: 'x', status: 'running' },
        result: { exit_code: null, signal: null, duration_ms: null },
        pid: 1,
        pid_start_time: 'x',
      }),
      'NUL bytes': '\0\0\0\0',
    };
    const bad: string[] = [];
    for (const text of Object.values(hostile)) {
      for (const file of ['state.json', 'meta.json']) {
        const id = writeFakeJob(root, { status: 'exited' });
        writeFileSync(path.join(root, id, file), text);
        bad.push(id);
        tally.add('hostile records', 'inputs_tried');
      }
    }
    // A FIFO (would block a naive open) and a symlink to a file outside the root.
    const fifoId = writeFakeJob(root, { status: 'exited' });
    rmSync(path.join(root, fifoId, 'state.json'));
    assert.equal(spawnSync('mkfifo', [path.join(root, fifoId, 'state.json')]).status, 0);
    const linkId = writeFakeJob(root, { status: 'exited' });
    rmSync(path.join(root, linkId, 'meta.json'));
    symlinkSync('/etc/passwd', path.join(root, linkId, 'meta.json'));
    bad.push(fifoId, linkId);
    tally.add('hostile records', 'inputs_tried', 2);

    const t0 = Date.now();
    const listed = await listJobs(root, { limit: 1000 });
    assert.ok(Date.now() - t0 < 10_000, 'list took too long');
    const ids = new Set(listed.jobs.map((j) => j.job_id));
    for (const id of good) assert.ok(ids.has(id), `good job ${id} missing from list`);
    const cliList = await runCli(['--root', root, 'list', '--all', '--limit', '1000'], { timeoutMs: 30_000 });
    assert.equal(cliList.code, 0, cliList.stderr);
    for (const id of good) assert.ok(cliList.json.jobs.some((j: any) => j.job_id === id));
    for (const id of bad) {
      // Per job: an error or a state, never a crash or a hang, and never "running" from a hostile record.
      const r = await getStatus(root, id).then(
        (s) => ({ ok: true, state: s.state }),
        (e: any) => ({ ok: false, code: e?.code }),
      );
      if (r.ok) assert.notEqual((r as any).state, 'running', `hostile record ${id} reported running`);
      else assert.ok(typeof (r as any).code === 'string', `status ${id}: ${JSON.stringify(r)}`);
      const c = await runCli(['--root', root, 'status', id], { timeoutMs: 30_000 });
      assert.ok(
        c.json && typeof c.json.ok === 'boolean',
        `CLI status ${id} printed no envelope: ${c.stdout.slice(0, 200)} ${c.stderr.slice(0, 300)}`,
      );
    }
    tally.add('hostile records', 'survived', bad.length);
  },
);

/** What a stuck job's supervisor and workload are doing (kernel state and wait channel). */
function processDiagnosis(st: { pid?: number; supervisor_pid?: number }): string {
  const describe = (pid: number | undefined) => {
    if (pid === undefined) return 'none';
    const read = (f: string) => {
      try {
        return readFileSync(`/proc/${pid}/${f}`, 'utf8');
      } catch {
        return '';
      }
    };
    const state = /^State:\s*(.*)$/m.exec(read('status'))?.[1];
    return state ? `${pid} ${state} wchan=${read('wchan') || '?'} cgroup=${read('cgroup').trim()}` : `${pid} gone`;
  };
  return `[supervisor ${describe(st.supervisor_pid)}; workload ${describe(st.pid)}]`;
}

/** Runs per launching process: 4 × 50 = 200 in the full mode, 4 × 20 in CI (2 cores, with the rest of the suite). */
const CONCURRENT_PER_PROCESS = TRIALS >= 10 ? 50 : 20;
const CONCURRENT_RUNS = 4 * CONCURRENT_PER_PROCESS;

test(
  `fault: ${CONCURRENT_RUNS} runs at once from 4 processes (3 CLI shells and one in-process) — distinct ids, a terminal record each, run told the truth`,
  { skip: NEEDS_LINUX },
  async (t) => {
    const { dir, cleanup } = tempDir('ae-rel-conc-');
    const root = path.join(dir, 'root');
    const codes = path.join(dir, 'codes');
    t.after(async () => {
      if (existsSync(root)) for (const id of readdirSync(root)) await reap(id);
      cleanup();
    });
    const env = {
      ...process.env,
      AGENT_EXEC_ROOT: '',
      XDG_DATA_HOME: '',
      XDG_CONFIG_HOME: path.join(dir, 'config'),
      CLI,
      NODE: node,
      ROOT: root,
      CODES: codes,
    };
    const script = `i=0; while [ $i -lt ${CONCURRENT_PER_PROCESS} ]; do ( "$NODE" -- "$CLI" --root "$ROOT" run --no-wait --no-auto-gc -- sh -c "echo $i" >/dev/null; echo $? >> "$CODES" ) & i=$((i+1)); done; wait`;
    const shells = Array.from(
      { length: 3 },
      () => new Promise<number | null>((res) => spawn('sh', ['-c', script], { env, stdio: 'ignore' }).on('exit', res)),
    );
    const inProcess = Array.from({ length: CONCURRENT_PER_PROCESS }, (_, i) =>
      runJob(
        root,
        {
          definition: agentJobDefinition({ command: ['echo', `in-${i}`], owner: 'reliability' }),
          observe: { wait: false, untilSec: 0, forever: false, maxBytes: 0 },
          autoGc: { disabled: true },
        },
        {
          cwd: dir,
          env: process.env,
          runtime: { execPath: node, script: path.resolve('dist/supervisor.js') },
        },
      ),
    );
    const results = await Promise.allSettled(inProcess);
    assert.deepEqual(await Promise.all(shells), [0, 0, 0]);
    const cliCodes = readFileSync(codes, 'utf8').trim().split('\n').map(Number);
    assert.equal(cliCodes.length, 3 * CONCURRENT_PER_PROCESS);
    const started = results.filter((r) => r.status === 'fulfilled').length + cliCodes.filter((c) => c === 0).length;
    const refused = CONCURRENT_RUNS - started;
    const ids = () => readdirSync(root).filter((n) => /^[0-9a-f]{32}$/.test(n));
    // Through status (which reconciles a job whose supervisor is gone), as every reader sees it.
    const settled = async (id: string) => ['exited', 'failed'].includes((await getStatus(root, id).catch(() => undefined))?.state ?? '');
    const unsettled = async () => (await Promise.all(ids().map(async (id) => ((await settled(id)) ? [] : [id])))).flat();
    await poll('a terminal record in every job directory', async () => (await unsettled()).length === 0, 120_000).catch(async (err) => {
      const raw = (await unsettled()).map((id) =>
        existsSync(path.join(root, id, 'state.json'))
          ? `${JSON.stringify(stateOf(root, id))} ${processDiagnosis(stateOf(root, id))}`
          : `${id}: no state.json`,
      );
      throw new Error(`${err.message}: ${raw.join(' | ').slice(0, 2000)}`);
    });
    const all = ids();
    assert.equal(new Set(all).size, all.length);
    const exited = all.filter((id) => stateOf(root, id).job.status === 'exited');
    for (const id of exited) assert.equal(stateOf(root, id).result.exit_code, 0, id);
    for (const id of all) assert.equal(JSON.parse(readFileSync(path.join(root, id, 'meta.json'), 'utf8')).job.id, id);
    // Every run that answered ok ran to its end; a refused one (supervisor start-up timeout under
    // this load) never ran: run told the truth either way.
    assert.equal(exited.length, started, `${started} runs answered ok, ${exited.length} jobs exited`);
    assert.equal((await listJobs(root, { limit: 1000 })).jobs.length, all.length);
    tally.add('concurrency', 'runs', CONCURRENT_RUNS);
    tally.add('concurrency', 'started', started);
    tally.add('concurrency', 'refused_spawn_timeout', refused);
    tally.add('concurrency', 'distinct_ids', all.length);
  },
);

test(
  'fault: tag set and kill racing the end of the job — no lost update, a consistent terminal record',
  { skip: NEEDS_LINUX },
  async (t) => {
    const { root, run, cli } = jobRoot(t, 'ae-rel-race-');
    for (let i = 0; i < TRIALS * 2; i++) {
      const job = await run(['sh', '-c', `echo "root $$" >> "$FIXTURE_PIDS"; sleep 0.${1 + (i % 3)}`]);
      await waitForRoles(job, ['root']);
      const tag = `race.t${i}`;
      const [tagged, killed] = await Promise.all([cli('tag', 'set', '--tag', tag, job.jobId), cli('kill', '--grace', '0.5', job.jobId)]);
      assert.equal(tagged.code, 0, tagged.stdout + tagged.stderr);
      assert.equal(killed.code, 0, killed.stdout + killed.stderr);
      await poll('terminal', () => stateOf(root, job.jobId).job.status !== 'running');
      await assertJobGone(job, 'race');
      const st = stateOf(root, job.jobId);
      assert.ok(['exited', 'killed'].includes(st.job.status), st.job.status);
      assert.equal(killed.json.state, st.job.status, 'kill reported what was recorded');
      const meta = JSON.parse(readFileSync(path.join(root, job.jobId, 'meta.json'), 'utf8'));
      assert.deepEqual(meta.tags, [tag], 'the tag update was lost');
      tally.add('tag/kill race', st.job.status);
    }
  },
);

// The system clock cannot be changed here (it would disturb every other process on the
// machine): the check is that recorded durations agree with a monotonic wall measurement.
test('fault: durations are monotonic and agree with the measured run time', { skip: NEEDS_LINUX }, async (t) => {
  const { root, cli } = jobRoot(t, 'ae-rel-clock-');
  for (let i = 0; i < TRIALS; i++) {
    const t0 = performance.now();
    const r = await cli('run', '--forever', '--', 'sleep', '0.3');
    const wall = performance.now() - t0;
    assert.equal(r.code, 0, r.stderr);
    await poll('terminal', () => stateOf(root, r.json.job_id).job.status === 'exited');
    const d = stateOf(root, r.json.job_id).result.duration_ms;
    assert.ok(d >= 290 && d <= wall + 50, `duration_ms ${d} vs sleep 300 ms, wall ${Math.round(wall)} ms`);
    tally.add('clock', 'durations_checked');
  }
});
