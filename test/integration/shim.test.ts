import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import * as path from 'node:path';
import { isProcessAlive, readProcStat } from '../../src/core/process/proc';
import { launchShim, linuxSyscalls } from '../../src/core/supervisor/shim';
import { newJobId } from '../../src/core/store/jobId';
import { runCli } from '../helpers/cli';
import { needsWritableCgroup2 } from '../helpers/platform';
import { readIf, readJson, scratch, SUPERVISOR, until } from './runHelpers';

const posix = process.platform !== 'win32';
const cmdline = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, 'latin1');

test(
  'shim: the supervisor is a perl process; exit 130 and a SIGINT death are told apart; full.log interleaves both streams',
  { skip: !posix },
  async (t) => {
    const s = scratch(t);
    const exited = await runCli(['--root', s.root, 'run', '--', 'sh', '-c', 'echo out; echo err >&2; exit 130'], {
      cwd: s.cwd,
      env: s.env,
    });
    assert.equal(exited.json.state, 'exited');
    assert.equal(exited.json.exit_code, 130);
    const st = readJson(path.join(s.root, exited.json.job_id, 'state.json'));
    assert.deepEqual(st.result.signal, null);
    assert.equal(typeof st.result.duration_ms, 'number');
    assert.match(readFileSync(path.join(s.root, exited.json.job_id, 'full.log'), 'utf8'), /^\S+Z \[STDOUT\] out\n\S+Z \[STDERR\] err\n$/);

    const signalled = await runCli(['--root', s.root, 'run', '--', 'sh', '-c', 'kill -INT $$'], { cwd: s.cwd, env: s.env });
    assert.equal(signalled.json.state, 'killed');
    const st2 = readJson(path.join(s.root, signalled.json.job_id, 'state.json'));
    assert.deepEqual([st2.result.exit_code, st2.result.signal], [null, '2']);

    const running = await runCli(['--root', s.root, 'run', '--no-wait', '--', 'sleep', '30'], { cwd: s.cwd, env: s.env });
    s.killAtEnd.add(running.json.job_id);
    const sup = readJson(path.join(s.root, running.json.job_id, 'state.json')).supervisor_pid;
    assert.match(cmdline(sup), /^perl\0-e\0/);
    assert.match(cmdline(sup), new RegExp(`_supervise\\x00--job-id\\x00${running.json.job_id}`));
    assert.ok(!cmdline(sup).includes('sleep'), "the workload is not on the shim's command line");
  },
);

test(
  'shim: AGENT_EXEC_SUPERVISOR=node selects the Node supervisor; its jobs (as the previous version started them) are listed and killed',
  { skip: !posix },
  async (t) => {
    const s = scratch(t);
    const r = await runCli(['--root', s.root, 'run', '--no-wait', '--', 'sleep', '30'], {
      cwd: s.cwd,
      env: { ...s.env, AGENT_EXEC_SUPERVISOR: 'node' },
    });
    const id = r.json.job_id;
    s.killAtEnd.add(id);
    const st = readJson(path.join(s.root, id, 'state.json'));
    assert.match(cmdline(st.supervisor_pid), /supervisor\.js\0_supervise\0/);
    assert.deepEqual(
      (await runCli(['--root', s.root, 'list', '--all'], { env: s.env })).json.jobs.map((j: { state: string }) => j.state),
      ['running'],
    );
    const k = await runCli(['--root', s.root, 'kill', id], { env: s.env });
    assert.deepEqual([k.json.state, k.json.survivors], ['killed', []]);
    await until('Node supervisor gone', () => !isProcessAlive(st.supervisor_pid, st.supervisor_start_time));
    assert.deepEqual(
      (await runCli(['--root', s.root, 'list', '--all'], { env: s.env })).json.jobs.map((j: { state: string }) => j.state),
      ['killed'],
    );
  },
);

test('shim: the exit it recorded survives the death of every later step (a reader settles from exit.rec)', { skip: !posix }, async (t) => {
  const s = scratch(t);
  const r = await runCli(['--root', s.root, 'run', '--no-wait', '--', 'sleep', '30'], { cwd: s.cwd, env: s.env });
  const id = r.json.job_id;
  const dir = path.join(s.root, id);
  const st = readJson(path.join(dir, 'state.json'));
  // The shim dies, then the workload: as if the shim had recorded the exit and died before
  // `_finish` ran, the exit record is written by hand (what the shim writes, by rename).
  process.kill(st.supervisor_pid, 'SIGKILL');
  await until('shim gone', () => !isProcessAlive(st.supervisor_pid, st.supervisor_start_time));
  process.kill(-st.pid, 'SIGKILL');
  await until('workload gone', () => !isProcessAlive(st.pid, st.pid_start_time));
  writeFileSync(
    path.join(dir, '.exit.rec.tmp'),
    `pid=${st.pid}\nstatus=${3 << 8}\nduration_ms=1234\ntimed_out=1\nstarted_ms=${Date.now() - 2000}\nfinished_ms=${Date.now()}\n`,
  );
  renameSync(path.join(dir, '.exit.rec.tmp'), path.join(dir, 'exit.rec'));
  const status = await runCli(['--root', s.root, 'status', id], { env: s.env });
  assert.equal(status.json.state, 'exited');
  assert.equal(status.json.exit_code, 3);
  const after = readJson(path.join(dir, 'state.json'));
  assert.deepEqual(
    [after.job.status, after.result.exit_code, after.result.duration_ms, after.timed_out, after.error],
    ['exited', 3, 1234, true, undefined],
  );
});

test('shim: notify set after launch starts output matching on demand, from the lines after it', { skip: !posix }, async (t) => {
  const s = scratch(t);
  const gate = path.join(s.tmp, 'gate');
  const r = await runCli(
    [
      '--root',
      s.root,
      'run',
      '--no-wait',
      '--',
      'sh',
      '-c',
      `echo 'early warn'; while [ ! -e '${gate}' ]; do sleep 0.05; done; echo 'late warn'`,
    ],
    { cwd: s.cwd, env: s.env },
  );
  const id = r.json.job_id;
  await until('early line in full.log', () => readIf(path.join(s.root, id, 'full.log')).includes('early warn'));
  assert.equal((await runCli(['--root', s.root, 'notify', 'set', id, '--output-pattern', 'warn'], { env: s.env })).code, 0);
  writeFileSync(gate, '');
  const nd = path.join(s.root, id, 'notification_events.ndjson');
  const line = await until('match after notify set', () => readIf(nd) || undefined);
  await until('job finished', () => readJson(path.join(s.root, id, 'state.json')).job.status === 'exited');
  assert.deepEqual(
    line
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).line),
    ['late warn'],
  );
});

test(
  'shim: `_finish` keeps a record already terminal (a verified kill) and still sends job.finished; an exit.rec of another workload settles nothing',
  { skip: !posix },
  async (t) => {
    const s = scratch(t);
    const events = path.join(s.tmp, 'events.ndjson');
    const r = await runCli(['--root', s.root, 'run', '--no-wait', '--notify-file', events, '--', 'sleep', '30'], {
      cwd: s.cwd,
      env: s.env,
    });
    const id = r.json.job_id;
    const dir = path.join(s.root, id);
    const st = readJson(path.join(dir, 'state.json'));
    // The shim dies before its finishing step; the workload is then killed and `kill` records it.
    process.kill(st.supervisor_pid, 'SIGKILL');
    await until('shim gone', () => !isProcessAlive(st.supervisor_pid, st.supervisor_start_time));
    const killed = await runCli(['--root', s.root, 'kill', '--signal', 'KILL', id], { env: s.env });
    assert.equal(killed.json.state, 'killed');
    const recorded = readJson(path.join(dir, 'state.json'));
    const finish = (pid: number) => {
      writeFileSync(
        path.join(dir, '.exit.rec.tmp'),
        `pid=${pid}\nstatus=${3 << 8}\nduration_ms=1234\ntimed_out=0\nstarted_ms=${Date.now() - 2000}\nfinished_ms=${Date.now()}\n`,
      );
      renameSync(path.join(dir, '.exit.rec.tmp'), path.join(dir, 'exit.rec'));
      return spawnSync(process.execPath, [path.resolve('dist/supervisor.js'), '_finish', '--job-id', id, '--supervise-root', s.root], {
        input: '',
        timeout: 20_000,
      }).status;
    };

    assert.equal(finish(st.pid + 100_000), 1, 'an exit record naming another workload');
    assert.deepEqual(readJson(path.join(dir, 'state.json')), recorded);
    assert.equal(readIf(events), '', 'no job.finished for a record that is not this exit');

    assert.equal(finish(st.pid), 0);
    assert.deepEqual(readJson(path.join(dir, 'state.json')), recorded, 'the verified kill stands (not replaced by exit 3)');
    const sent = readIf(events)
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.deepEqual(
      sent.map((e) => [e.event_type, e.job_id, e.state]),
      [['job.finished', id, 'killed']],
    );
  },
);

// Both ways the shim forks the workload: clone3 straight into the job's cgroup with setsid by
// syscall number (Linux), and fork + setsid from POSIX + a write to cgroup.procs (elsewhere, or
// where clone3 is refused). Either way the workload is its own session and group leader in its
// job cgroup, and the shim stays outside it.
for (const [how, syscalls] of [
  ['clone3 into the cgroup', linuxSyscalls()],
  ['fork, then cgroup.procs (the fallback)', ''],
] as const) {
  test(`shim: ${how}: the workload leads its own session and group, in its job cgroup`, { skip: needsWritableCgroup2() }, async (t) => {
    const s = scratch(t);
    const jobId = newJobId();
    const dir = path.join(s.root, jobId);
    mkdirSync(dir, { recursive: true });
    s.killAtEnd.add(jobId);
    const { pid, supervisorPid } = await launchShim(
      {
        jobId,
        root: s.root,
        argv: ['sleep', '30'],
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', AGENT_EXEC_JOB_ID: jobId },
        cwd: s.cwd,
        fullLog: path.join(dir, 'full.log'),
        timeoutMs: 0,
        killAfterMs: 0,
        progressEveryMs: 0,
        shellWrapper: ['sh', '-c'],
        sinkEnv: {},
        outputMatch: false,
      },
      { execPath: process.execPath, script: SUPERVISOR },
      process.env,
      15_000,
      false,
      syscalls,
    );
    const stat = readProcStat(pid);
    assert.deepEqual([stat?.pgid, stat?.sid], [pid, pid]);
    assert.equal(readFileSync(`/proc/${pid}/cmdline`, 'latin1'), 'sleep\u000030\u0000');
    assert.match(readFileSync(`/proc/${pid}/cgroup`, 'utf8'), new RegExp(`^0::.*/agent-exec/${jobId}$`, 'm'));
    assert.doesNotMatch(readFileSync(`/proc/${supervisorPid}/cgroup`, 'utf8'), /agent-exec/);
  });
}

test(
  'shim: --progress-every runs under the shim; its `_progress` step refreshes updated_at and ends with the job',
  { skip: !posix },
  async (t) => {
    const s = scratch(t);
    const r = await runCli(['--root', s.root, 'run', '--no-wait', '--progress-every', '1', '--', 'sleep', '30'], {
      cwd: s.cwd,
      env: s.env,
    });
    const id = r.json.job_id;
    s.killAtEnd.add(id);
    const first = readJson(path.join(s.root, id, 'state.json'));
    assert.match(cmdline(first.supervisor_pid), /^perl\0-e\0/);
    const step = await until('the _progress step', () =>
      readdirSync('/proc')
        .filter((p) => /^\d+$/.test(p))
        .map(Number)
        .find((p) => readProcStat(p)?.ppid === first.supervisor_pid && cmdline(p).includes('\0_progress\0')),
    );
    const later = await until('updated_at refreshed', () => {
      const st = readJson(path.join(s.root, id, 'state.json'));
      return st.updated_at > first.updated_at ? st : undefined;
    });
    assert.deepEqual([later.job.status, later.pid], ['running', first.pid]);
    const k = await runCli(['--root', s.root, 'kill', id], { env: s.env });
    assert.equal(k.json.state, 'killed');
    await until('the _progress step gone with the job', () => !existsSync(`/proc/${step}`));
    await until('shim gone', () => !isProcessAlive(first.supervisor_pid, first.supervisor_start_time));
  },
);

test(
  'shim: the shim yields the CPU to the workload (nice 19, and so its session where Linux groups by session)',
  { skip: !posix },
  async (t) => {
    const s = scratch(t);
    const r = await runCli(['--root', s.root, 'run', '--no-wait', '--', 'sleep', '30'], { cwd: s.cwd, env: s.env });
    s.killAtEnd.add(r.json.job_id);
    const st = readJson(path.join(s.root, r.json.job_id, 'state.json'));
    // The shim lowers itself once the workload runs (it answers first): wait for it, bounded.
    await until('shim at nice 19', () => getPriority(st.supervisor_pid) === 19);
    assert.equal(getPriority(st.pid), getPriority(), "the workload keeps its launcher's priority");
    const autogroup = (pid: number) => readIf(`/proc/${pid}/autogroup`);
    // Only on kernels built with autogroups.
    if (autogroup(st.supervisor_pid) !== '') {
      await until("shim's session at nice 19", () => /nice 19$/m.test(autogroup(st.supervisor_pid)));
      assert.notEqual(autogroup(st.pid), autogroup(st.supervisor_pid), 'the workload has its own session');
      assert.doesNotMatch(autogroup(st.pid), /nice 19$/m);
    }
  },
);

test(
  'shim: full.log keeps lines split across reads whole (also a UTF-8 character), cuts a line at 1 MiB, interleaves the streams, keeps CR and empty lines',
  { skip: !posix },
  async (t) => {
    const s = scratch(t);
    const cut = 1300000;
    // Each stderr marker is written after a partial stdout line; once it is in full.log, the shim
    // has read that partial line (it drains stdout before stderr), so the rest comes in a later read.
    const script = [
      'f="$1/$AGENT_EXEC_JOB_ID/full.log"',
      'synced() { i=0; until grep -qF "] $1" "$f"; do i=$((i+1)); [ $i -gt 1500 ] && exit 9; sleep 0.02; done; }',
      "printf 'o1\\n'; printf 'e1\\n' >&2; synced e1",
      "printf 'split '; printf 'e2\\n' >&2; synced e2; printf 'line\\n'",
      "printf '\\346\\227'; printf 'e3\\n' >&2; synced e3; printf '\\245 and \\377 invalid\\n'",
      "printf 'crlf\\r\\n\\n\\n'",
      `head -c ${cut} /dev/zero | tr '\\0' x; printf 'e4\\n' >&2; synced e4; printf 'tail\\n'`,
      "printf 'last'",
    ].join('\n');
    const r = await runCli(['--root', s.root, 'run', '--no-wait', '--', 'sh', '-c', script, 'sh', s.root], { cwd: s.cwd, env: s.env });
    const dir = path.join(s.root, r.json.job_id);
    const st = readJson(path.join(dir, 'state.json'));
    // full.log is complete when the shim is gone.
    await until('shim gone', () => !isProcessAlive(st.supervisor_pid, st.supervisor_start_time), 60_000);
    assert.equal(readJson(path.join(dir, 'state.json')).result.exit_code, 0);
    const lines = readFileSync(path.join(dir, 'full.log'), 'utf8').split('\n');
    assert.equal(lines.pop(), '', 'every line ends in a newline');
    const parsed = lines.map((l) => {
      const m = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \[(STDOUT|STDERR)\] (.*)$/s.exec(l);
      assert.ok(m, `prefixed: ${l.slice(0, 80)}`);
      return `${m[1] === 'STDOUT' ? 'o' : 'e'}: ${m[2]}`;
    });
    assert.deepEqual(parsed.slice(0, 9), [
      'o: o1',
      'e: e1',
      'e: e2',
      'o: split line',
      'e: e3',
      'o: \u65e5 and \ufffd invalid',
      'o: crlf\r',
      'o: ',
      'o: ',
    ]);
    // The cut comes after the read that takes the pending part to 1 MiB or more (reads are 256 KiB).
    const head = parsed[9].slice('o: '.length);
    assert.match(head, /^x+$/);
    assert.ok(head.length >= 1024 ** 2 && head.length < 1024 ** 2 + 256 * 1024, `cut after ${head.length} bytes`);
    assert.deepEqual(parsed.slice(10), ['e: e4', `o: ${'x'.repeat(cut - head.length)}tail`, 'o: last']);
  },
);
