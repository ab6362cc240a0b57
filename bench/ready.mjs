// Ready detection latency (issue 13): the moment a job's port is bound, or its ready line is
// written, → the moment an armed `wait --until-ready` returns. The waiter is started first and the
// event is triggered only once it watches the job (its inotify descriptor is open), so the figure
// is what the CLI adds beyond its own start-up (measured side by side: `--version`, and `status`
// on a finished job against `wait --until-ready` on a job that is already ready). Also: the CPU a
// waiter burns on a port that is not bound yet (the port probe ticks every 20 ms).
// Goal: ≤ 50 ms beyond start-up, event-driven.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import * as path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { CLI, cli, fmt, median, report, sideBySide, tempRoot, timeCommand } from './lib.mjs';

const RUNS = Number(process.env.RUNS ?? 10);
const epochMs = () => performance.timeOrigin + performance.now();

/** A free loopback port (bound once, then released). */
async function freePort() {
  const srv = createServer();
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address();
  await new Promise((r) => srv.close(r));
  return port;
}

/**
 * The job: writes its pid, then on SIGUSR2 makes itself ready (`how`: a stdout line, a bound
 * port) and writes the epoch ms at which it did to `<dir>/at`.
 */
const JOB = `
const fs = require('node:fs'), path = require('node:path'), dir = process.env.BENCH_DIR;
const at = (t) => fs.writeFileSync(path.join(dir, 'at'), String(t));
process.on('SIGUSR2', () => {
  if (process.env.BENCH_HOW === 'log') { const t = performance.timeOrigin + performance.now(); process.stdout.write('server READY\\n'); at(t); }
  else require('node:net').createServer().listen(Number(process.env.BENCH_PORT), '127.0.0.1', () => at(performance.timeOrigin + performance.now()));
});
fs.writeFileSync(path.join(dir, 'pid'), String(process.pid));
setInterval(() => {}, 1000);
`;

async function until(what, cond, ms = 20_000) {
  for (const end = Date.now() + ms; ; await delay(5)) {
    const v = cond();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
  }
}

const readIf = (file) => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
};

/** True once `pid` holds an inotify descriptor: its wait watches the job directory. */
const watching = (pid) =>
  readdirSync(`/proc/${pid}/fd`).some((fd) => {
    try {
      return readlinkSync(`/proc/${pid}/fd/${fd}`) === 'anon_inode:inotify';
    } catch {
      return false;
    }
  });

/** One trial: ms from the event to the waiter's exit. */
async function trial(root, how) {
  const port = await freePort();
  const { dir, cleanup } = tempRoot('ae-bench-ready-');
  const flags = how === 'log' ? ['--ready-log', 'READY'] : ['--ready-port', String(port)];
  const env = { ...process.env, BENCH_DIR: dir, BENCH_HOW: how, BENCH_PORT: String(port) };
  const job = cli(['--root', root, 'run', '--no-wait', '--no-auto-gc', ...flags, '--', process.execPath, '-e', JOB], { env });
  try {
    const pid = Number(await until('the job to start', () => readIf(path.join(dir, 'pid'))));
    const waiter = spawn(process.execPath, [CLI, '--root', root, 'wait', '--until-ready', '--until', '30', job.job_id], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    waiter.stdout.on('data', (b) => (out += b));
    const exited = once(waiter, 'exit').then(() => epochMs());
    await until('the waiter to watch the job', () => watching(waiter.pid));
    process.kill(pid, 'SIGUSR2');
    const end = await exited;
    const at = Number(await until('the event time', () => readIf(path.join(dir, 'at'))));
    const answer = JSON.parse(out);
    if (answer.ready !== 'ready') throw new Error(`not ready: ${out}`);
    return end - at;
  } finally {
    cli(['--root', root, 'kill', job.job_id]);
    cleanup();
  }
}

/** CPU ms (user + sys) of the children this process has waited for, from /proc/self/stat. */
function childrenCpuMs() {
  const fields = readFileSync('/proc/self/stat', 'latin1').split(') ')[1].split(' ');
  return (Number(fields[13]) + Number(fields[14])) * 10; // cutime, cstime: 100 ticks a second
}

/** CPU ms a `wait --until-ready` spends over `seconds` on a port nobody binds. */
async function idleWaitCpuMs(root, seconds) {
  const port = await freePort();
  const job = cli(['--root', root, 'run', '--no-wait', '--no-auto-gc', '--ready-port', String(port), '--', 'sleep', '60']);
  try {
    const before = childrenCpuMs();
    timeCommand([process.execPath, CLI, '--root', root, 'wait', '--until-ready', '--until', String(seconds), job.job_id]);
    return childrenCpuMs() - before;
  } finally {
    cli(['--root', root, 'kill', job.job_id]);
  }
}

/** Waits (bounded) for every job's supervisor to exit: one still finishing would write into the store being removed. */
async function supervisorsGone(root) {
  for (const id of readdirSync(root).filter((n) => /^[0-9a-f]{32}$/.test(n))) {
    const pid = JSON.parse(readIf(path.join(root, id, 'state.json')) || '{}').supervisor_pid;
    if (pid) await until(`job ${id}'s supervisor to exit`, () => !existsSync(`/proc/${pid}`), 10_000);
  }
}

const { dir: root, cleanup } = tempRoot();
try {
  const finished = cli(['--root', root, 'run', '--no-auto-gc', '--', 'true']).job_id;
  cli(['--root', root, 'wait', finished]);
  const log = [];
  const port = [];
  for (let i = 0; i < RUNS; i++) {
    log.push(await trial(root, 'log'));
    port.push(await trial(root, 'port'));
  }
  // The cold path: a waiter started on a job that is already ready answers at its first look.
  const ready = cli(['--root', root, 'run', '--no-auto-gc', '--ready-log', 'up', '--wait-ready', '--', 'sh', '-c', 'echo up; sleep 60']);
  if (ready.ready !== 'ready') throw new Error(`not ready: ${JSON.stringify(ready)}`);
  const version = () => timeCommand([process.execPath, CLI, '--version']).ms;
  const cold = sideBySide(
    RUNS,
    () => timeCommand([process.execPath, CLI, '--root', root, 'status', finished]).ms,
    () => timeCommand([process.execPath, CLI, '--root', root, 'wait', '--until-ready', ready.job_id]).ms,
  );
  const startUp = median(Array.from({ length: RUNS }, version));
  const idleSeconds = 5;
  const idleCpu = await idleWaitCpuMs(root, idleSeconds);
  cli(['--root', root, 'kill', ready.job_id]);
  report('ready detection latency (event → armed `wait --until-ready` returns)', '≤ 50 ms beyond CLI start-up', [
    `CLI start-up (--version): ${fmt(startUp)}; status on a finished job: ${fmt(cold.baseline)}`,
    `--ready-log (stdout line written → wait returns): ${fmt(median(log))} (max ${fmt(Math.max(...log))})`,
    `--ready-port (port bound → wait returns): ${fmt(median(port))} (max ${fmt(Math.max(...port))})`,
    `wait --until-ready on a job already ready: ${fmt(cold.subject)} (beyond status: ${fmt(cold.subject - cold.baseline)})  (medians of ${RUNS})`,
    `CPU of wait --until-ready over ${idleSeconds} s on a port nobody binds: ${fmt(idleCpu)} (start-up included; ${((idleCpu / (idleSeconds * 1000)) * 100).toFixed(0)}% of a core)`,
  ]);
} finally {
  await supervisorsGone(root);
  cleanup();
}
