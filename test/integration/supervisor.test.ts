import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync, writeFileSync, ftruncateSync } from 'node:fs';
import * as path from 'node:path';
import { isProcessAlive } from '../../src/core/process/proc';
import { runJob } from '../../src/core/ops/run';
import { filesHoldingSecrets } from '../helpers/secrets';
import { CLI, runCli } from '../helpers/cli';
import { commandLines } from '../helpers/jobProcs';
import { needsWritableCgroup2 } from '../helpers/platform';
import { definition, jobIds, readIf, readJson, scratch, SUPERVISOR, until } from './runHelpers';

test('the supervisor is detached: SIGINT to the caller group during run --forever leaves the job running', async (t) => {
  const s = scratch(t);
  const caller = spawn(process.execPath, [CLI, '--root', s.root, 'run', '--forever', '--', 'sh', '-c', 'sleep 1; echo survived'], {
    cwd: s.cwd,
    env: { ...process.env, ...s.env },
    detached: true,
    stdio: 'ignore',
  });
  const exited = new Promise<NodeJS.Signals | null>((res) => caller.on('exit', (_c, sig) => res(sig)));
  const id = await until('job recorded', () => {
    const [only] = jobIds(s.root);
    const text = only ? readIf(path.join(s.root, only, 'state.json')) : '';
    return text && JSON.parse(text).pid ? only : undefined;
  });
  process.kill(-caller.pid!, 'SIGINT');
  assert.equal(await exited, 'SIGINT');
  await until('job finished', () => readJson(path.join(s.root, id, 'state.json')).job.status === 'exited');
  assert.equal(readFileSync(path.join(s.root, id, 'stdout.log'), 'utf8'), 'survived\n');
});

test('a SIGKILLed supervisor: running while the workload lives, failed once it is gone — never running forever', async (t) => {
  const s = scratch(t);
  const r = await runCli(['--root', s.root, 'run', '--no-wait', '--', 'sleep', '30'], { cwd: s.cwd, env: s.env });
  const id = r.json.job_id;
  const st = readJson(path.join(s.root, id, 'state.json'));
  process.kill(st.supervisor_pid, 'SIGKILL');
  await until('supervisor gone', () => !isProcessAlive(st.supervisor_pid, st.supervisor_start_time));
  assert.equal((await runCli(['--root', s.root, 'status', id], { env: s.env })).json.state, 'running');
  process.kill(-st.pid, 'SIGKILL');
  await until('workload gone', () => !isProcessAlive(st.pid, st.pid_start_time));
  const after = await runCli(['--root', s.root, 'status', id], { env: s.env });
  assert.equal(after.json.state, 'failed');
  assert.match(readJson(path.join(s.root, id, 'state.json')).error, /supervisor/);
});

test('no early-kill race: when run returns, state.json holds the workload pid (own group, env-tagged)', async (t) => {
  const s = scratch(t);
  const r = await runCli(['--root', s.root, 'run', '--no-wait', '--', 'sleep', '30'], { cwd: s.cwd, env: s.env });
  const id = r.json.job_id;
  s.killAtEnd.add(id);
  const st = readJson(path.join(s.root, id, 'state.json'));
  assert.equal(st.job.status, 'running');
  assert.notEqual(st.pid, st.supervisor_pid);
  const stat = readFileSync(`/proc/${st.pid}/stat`, 'latin1');
  const [, , pgid, sid] = stat
    .slice(stat.lastIndexOf(')') + 2)
    .split(' ')
    .map(Number);
  assert.equal(pgid, st.pid, 'workload leads its own process group');
  assert.equal(sid, st.pid, 'workload leads its own session');
  assert.ok(readFileSync(`/proc/${st.pid}/environ`, 'latin1').split('\0').includes(`AGENT_EXEC_JOB_ID=${id}`));
  assert.ok(!readFileSync(`/proc/${st.supervisor_pid}/environ`, 'latin1').includes('AGENT_EXEC_JOB_ID='), 'supervisor is not env-tagged');
  assert.match(readFileSync(`/proc/${st.supervisor_pid}/cmdline`, 'latin1'), new RegExp(`_supervise\\x00--job-id\\x00${id}`));
});

test('secrets: --env values appear in no process argv, and masked values in no job file', async (t) => {
  const s = scratch(t);
  const secret = `s3cr3t-${process.pid}-value`;
  const r = await runCli(['--root', s.root, 'run', '--no-wait', '--env', `TOKEN=${secret}`, '--mask', 'TOKEN', '--', 'sleep', '30'], {
    cwd: s.cwd,
    env: s.env,
  });
  const id = r.json.job_id;
  s.killAtEnd.add(id);
  assert.deepEqual(r.json.env_vars, ['TOKEN=***']);
  for (const { pid, cmdline } of commandLines()) assert.ok(!cmdline.includes(secret), `secret in argv of pid ${pid}`);
  assert.deepEqual(filesHoldingSecrets(path.join(s.root, id), [secret]), [], 'the secret in a job file');
  const st = readJson(path.join(s.root, id, 'state.json'));
  assert.ok(readFileSync(`/proc/${st.pid}/environ`, 'latin1').split('\0').includes(`TOKEN=${secret}`), 'the workload gets the real value');
});

// agent-exec waited its whole --until (10 s) and said `running`. Ours answers as soon as the
// supervisor reports: two Node start-ups (CLI + supervisor), ~0.3 s on an idle machine. What
// proves the answer came from the supervisor is the reason in the message (a timeout would say
// "did not report"); the bound only catches a wait on a timer. It is relative to a Node start-up
// measured just before, and never under 5 s, so a loaded machine (CI: 1.9 s once) does not fail it.
async function fastBound(): Promise<number> {
  const t0 = Date.now();
  await new Promise((res) => spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' }).on('exit', res));
  return Math.max(5000, 4 * (Date.now() - t0) + 500);
}

test('spawn failures are reported at once (no 10 s wait), as spawn_failed, and leave no orphan directory', async (t) => {
  const s = scratch(t);
  const notDir = path.join(s.tmp, 'plain-file');
  writeFileSync(notDir, '');
  const cases: [string[], RegExp][] = [
    [['--cwd', path.join(s.tmp, 'missing')], /working directory .*missing: No such file or directory/],
    [['--cwd', notDir], /Not a directory/],
    [['--log', path.join(notDir, 'sub', 'full.log')], /cannot open log .*: Not a directory/],
  ];
  for (const [flags, message] of cases) {
    const bound = await fastBound();
    const t0 = Date.now();
    const r = await runCli(['--root', s.root, 'run', ...flags, '--', 'true'], { cwd: s.cwd, env: s.env });
    assert.ok(Date.now() - t0 < bound, `${flags.join(' ')} took ${Date.now() - t0} ms`);
    assert.equal(r.code, 1);
    assert.equal(r.json.error.code, 'spawn_failed');
    assert.match(r.json.error.message, message);
  }
  const r = await runCli(['--root', s.root, 'run', '--stdin-file', path.join(s.tmp, 'no-input'), '--', 'cat'], { cwd: s.cwd, env: s.env });
  assert.equal(r.json.error.code, 'internal_error');
  assert.match(r.json.error.message, /cannot read stdin file .*no-input: No such file or directory/);
  assert.deepEqual(jobIds(s.root), []);
});

test('a missing wrapper program: the job is recorded failed with the reason and run says spawn_failed', async (t) => {
  const s = scratch(t);
  const bound = await fastBound();
  const t0 = Date.now();
  const r = await runCli(['--root', s.root, 'run', '--shell-wrapper', 'no-such-shell-xyz -c', '--', 'true'], { cwd: s.cwd, env: s.env });
  assert.ok(Date.now() - t0 < bound, `took ${Date.now() - t0} ms`);
  assert.equal(r.json.error.code, 'spawn_failed');
  const id = r.json.error.details.job_id;
  const st = readJson(path.join(s.root, id, 'state.json'));
  assert.equal(st.job.status, 'failed');
  assert.match(st.error, /no-such-shell-xyz: No such file or directory/);
  assert.equal((await runCli(['--root', s.root, 'status', id], { env: s.env })).json.state, 'failed');
});

test('an unreadable --env-file is refused before the job exists (core op, as the extension calls it)', async (t) => {
  const s = scratch(t);
  await assert.rejects(
    runJob(
      s.root,
      { definition: definition(['true'], { envFiles: ['missing.env'] }) },
      {
        cwd: s.cwd,
        env: { ...process.env, ...s.env },
        runtime: { execPath: process.execPath, script: SUPERVISOR },
      },
    ),
    (err: Error & { code?: string }) => err.code === 'spawn_failed' && /cannot read env file missing\.env/.test(err.message),
  );
  assert.deepEqual(jobIds(s.root), []);
});

test('a 1 GB stdin file is refused by --stdin-max-bytes without being read; piped stdin too; no orphan dir', async (t) => {
  const s = scratch(t);
  const big = path.join(s.tmp, 'big.bin');
  const fd = openSync(big, 'w');
  ftruncateSync(fd, 1024 ** 3);
  closeSync(fd);
  const bound = await fastBound();
  const t0 = Date.now();
  const r = await runCli(['--root', s.root, 'run', '--stdin-file', big, '--', 'cat'], { cwd: s.cwd, env: s.env });
  assert.ok(Date.now() - t0 < bound, `took ${Date.now() - t0} ms`);
  assert.equal(r.json.error.code, 'stdin_too_large');
  assert.equal(r.json.error.message, 'stdin_too_large: input exceeds 67108864 byte limit');
  const piped = await runCli(['--root', s.root, 'run', '--stdin', '-', '--stdin-max-bytes', '1000', '--', 'cat'], {
    cwd: s.cwd,
    env: s.env,
    input: Buffer.alloc(5000, 0x61),
  });
  assert.equal(piped.json.error.code, 'stdin_too_large');
  assert.deepEqual(jobIds(s.root), []);
});

test('output of a background descendant that outlives the root process is kept', async (t) => {
  const s = scratch(t);
  const r = await runCli(['--root', s.root, 'run', '--', 'sh', '-c', '(sleep 0.5; echo late; echo late-err >&2) & echo early'], {
    cwd: s.cwd,
    env: s.env,
  });
  const id = r.json.job_id;
  await until('root exited', () => readJson(path.join(s.root, id, 'state.json')).job.status === 'exited');
  await until('late output', () => readIf(path.join(s.root, id, 'stdout.log')) === 'early\nlate\n');
  await until('late stderr', () => readIf(path.join(s.root, id, 'stderr.log')) === 'late-err\n');
});

test('--progress-every refreshes updated_at every N seconds while running', async (t) => {
  const s = scratch(t);
  const r = await runCli(['--root', s.root, 'run', '--no-wait', '--progress-every', '1', '--', 'sleep', '30'], { cwd: s.cwd, env: s.env });
  const id = r.json.job_id;
  s.killAtEnd.add(id);
  const first = readJson(path.join(s.root, id, 'state.json'));
  assert.equal(readJson(path.join(s.root, id, 'meta.json')).progress_every_ms, 1000);
  const later = await until(
    'updated_at refresh',
    () => {
      const st = readJson(path.join(s.root, id, 'state.json'));
      return st.updated_at > first.updated_at ? st : undefined;
    },
    4000,
  );
  assert.equal(later.job.status, 'running');
  assert.equal(later.pid, first.pid);
});

test(
  'where cgroup v2 is writable, the workload is born in its job cgroup: an env -i setsid escapee stays in it',
  { skip: needsWritableCgroup2() },
  async (t) => {
    const s = scratch(t);
    const pidFile = path.join(s.tmp, 'escapee.pid');
    const r = await runCli(['--root', s.root, 'run', '--', `env -i setsid sh -c 'echo $$ > ${pidFile}; exec sleep 30' & echo started`], {
      cwd: s.cwd,
      env: s.env,
    });
    const id = r.json.job_id;
    const escapee = Number(await until('escapee pid', () => readIf(pidFile).trim() || undefined));
    t.after(() => {
      try {
        process.kill(escapee, 'SIGKILL');
      } catch {
        /* gone */
      }
    });
    const cg = readFileSync(`/proc/${escapee}/cgroup`, 'utf8');
    assert.match(cg, new RegExp(`^0::.*/agent-exec/${id}$`, 'm'));
    assert.ok(!readFileSync(`/proc/${escapee}/environ`, 'latin1').includes('AGENT_EXEC_JOB_ID'), 'the escapee dropped the env tag');
    // The supervisor itself went back to its own cgroup: a cgroup.kill of the job never hits it.
    const st = await until('job ended', () => {
      const cur = readJson(path.join(s.root, id, 'state.json'));
      return cur.job.status === 'exited' ? cur : undefined;
    });
    if (isProcessAlive(st.supervisor_pid, st.supervisor_start_time)) {
      assert.doesNotMatch(readFileSync(`/proc/${st.supervisor_pid}/cgroup`, 'utf8'), /agent-exec/);
    }
  },
);

test('the job cgroup is removed when the job ends with nothing left in it', { skip: needsWritableCgroup2() }, async (t) => {
  const s = scratch(t);
  const r = await runCli(['--root', s.root, 'run', '--', 'cat /proc/self/cgroup'], { cwd: s.cwd, env: s.env });
  const rel = /^0::(.*\/agent-exec\/[0-9a-f]{32})$/m.exec(r.json.stdout)?.[1];
  assert.ok(rel, `the workload ran outside a job cgroup: ${r.json.stdout}`);
  const mount = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .find((l) => l.split(' - ')[1]?.startsWith('cgroup2 '))!
    .split(' ')[4];
  const st = readJson(path.join(s.root, r.json.job_id, 'state.json'));
  await until('supervisor done', () => !isProcessAlive(st.supervisor_pid, st.supervisor_start_time));
  assert.equal(existsSync(path.join(mount, rel)), false);
});

test('absurd durations: a 46-day --timeout and --progress-every do not fire at once', async (t) => {
  const s = scratch(t);
  const r = await runCli(
    [
      '--root',
      s.root,
      'run',
      '--forever',
      '--timeout',
      '4000000',
      '--kill-after',
      '4000000',
      '--progress-every',
      '4000000',
      '--',
      'sh',
      '-c',
      'sleep 0.5; echo ok',
    ],
    {
      cwd: s.cwd,
      env: s.env,
    },
  );
  const st = await until('exit', () => {
    const cur = readJson(path.join(s.root, r.json.job_id, 'state.json'));
    return cur.job.status !== 'running' ? cur : undefined;
  });
  assert.equal(st.job.status, 'exited');
  assert.equal(st.result.exit_code, 0);
  assert.equal(st.timed_out, undefined);
});

test('a log deleted while the job runs: the job still finishes and full.log keeps the later lines', async (t) => {
  const s = scratch(t);
  const gate = path.join(s.tmp, 'gate');
  const r = await runCli(['--root', s.root, 'run', '--', `echo before; while [ ! -e '${gate}' ]; do sleep 0.05; done; echo after`], {
    cwd: s.cwd,
    env: s.env,
  });
  const dir = path.join(s.root, r.json.job_id);
  await until('first line in full.log', () => readIf(path.join(dir, 'full.log')).includes('before'));
  rmSync(path.join(dir, 'stdout.log'));
  writeFileSync(gate, '');
  await until('exit', () => readJson(path.join(dir, 'state.json')).job.status === 'exited');
  await until('later line in full.log', () => readIf(path.join(dir, 'full.log')).includes('[STDOUT] after'));
});
