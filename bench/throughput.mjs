// Log throughput of a 1 GiB stdout burst through a job, against `head -c` writing the same bytes
// to a file directly (the `cat`-to-file baseline), for both supervisor designs (both build
// full.log). SOURCE=lines: 44-byte text lines instead of zeros (full.log then has every line).
// Goal (issue 12): ≥ 0.9× the baseline.
//
// Two measures. run → wait counts two CLI start-ups (~250 ms), which caps the ratio whatever the
// data path does. The data path: the workload's own duration (state.json result.duration_ms,
// spawn to reap in the supervisor) against the baseline command timed the same way (a perl
// parent, fork to waitpid), and how long after the workload's exit full.log is complete (its
// mtime against exit.rec's finished_ms; the shim only); with a `wait` observing the job, and
// without one (`wait` wakes on every append to the logs, beside the workload). A job's duration
// also holds a fixed start cost (the supervisor's fork to the workload's exec), measured apart
// with an empty workload and shown subtracted as well. `sync` after every run, so that the
// writeback of one run does not land in the next.
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { cli, fmt, median, report, tempRoot, timeCommand } from './lib.mjs';

const BYTES = Number(process.env.BYTES ?? 1024 ** 3);
const RUNS = Number(process.env.RUNS ?? 5);
const SLEEP_MS = 50;
const { dir: root, cleanup } = tempRoot();
const burst =
  process.env.SOURCE === 'lines' ? `yes 'a log line of text, forty-four bytes long' | head -c ${BYTES}` : `head -c ${BYTES} /dev/zero`;
/** The workload sleeps first (so that `run` returns a running job); every figure leaves the sleep out. */
const sleepThen = (command) => `sleep ${SLEEP_MS / 1000}; ${command}`;
const sync = () => spawnSync('sync');

/** Polls `ok` every `everyMs` (bounded): a sleeping poll costs the workload nothing. */
function until(ok, everyMs) {
  const deadline = Date.now() + 300_000;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error('bench: timed out');
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, everyMs);
  }
}

/** `command` with its stdout in a file, timed as the supervisor times a workload: ms from fork to waitpid. */
function baseline(command, i) {
  const out = path.join(root, `baseline-${i}.out`);
  const timer = 'my $t = Time::HiRes::time(); system(@ARGV) == 0 or exit 1; printf "%.1f", (Time::HiRes::time() - $t) * 1000';
  const { stdout } = timeCommand(['perl', '-MTime::HiRes', '-e', timer, 'sh', '-c', `${sleepThen(command)} > '${out}'`]);
  rmSync(out);
  sync();
  return Number(stdout) - SLEEP_MS;
}

/**
 * `command` as a job supervised by `design` (AGENT_EXEC_SUPERVISOR): run → wait, the workload's
 * duration, full.log's lag. `observed` false: run --no-wait, and the bench looks for exit.rec
 * every 20 ms instead of a `wait` (which wakes on every append to the logs).
 */
function throughJob(design, command, bytes, observed = true) {
  const env = { ...process.env, AGENT_EXEC_SUPERVISOR: design };
  const t0 = performance.now();
  const job = cli(['--root', root, 'run', observed ? '--forever' : '--no-wait', '--no-auto-gc', '--', 'sh', '-c', sleepThen(command)], {
    env,
  });
  const dir = path.join(root, job.job_id);
  if (!observed) until(() => existsSync(path.join(dir, 'exit.rec')), 20);
  const done = job.state === 'running' ? cli(['--root', root, 'wait', '--forever', job.job_id], { env }) : job;
  const runWait = performance.now() - t0 - SLEEP_MS;
  if (done.stdout_total_bytes !== bytes) throw new Error(`expected ${bytes} bytes, got ${JSON.stringify(done)}`);
  const full = path.join(dir, 'full.log');
  // full.log is complete once the supervisor is gone (wait returns at the workload's exit).
  const supervisor = JSON.parse(readFileSync(path.join(dir, 'state.json'), 'utf8')).supervisor_pid;
  until(() => !existsSync(`/proc/${supervisor}`), 5);
  if (statSync(full).size < bytes) throw new Error(`full.log has ${statSync(full).size} bytes`);
  const duration = JSON.parse(readFileSync(path.join(dir, 'state.json'), 'utf8')).result.duration_ms - SLEEP_MS;
  let lag;
  if (design === 'shim') {
    const finished = Number(/^finished_ms=(\d+)$/m.exec(readFileSync(path.join(dir, 'exit.rec'), 'utf8'))[1]);
    lag = statSync(full).mtimeMs - finished;
  }
  cli(['--root', root, 'delete', job.job_id], { env });
  sync();
  return { runWait, duration, lag };
}

const ratio = (base, x) => `${(base / x).toFixed(2)}×`;
try {
  const runs = { base: [], shim: [], unobserved: [], node: [], emptyBase: [], emptyShim: [], emptyNode: [] };
  // Alternated, so that machine noise hits all alike.
  for (let i = 0; i < RUNS; i++) {
    runs.emptyBase.push(baseline('true', i));
    runs.emptyShim.push(throughJob('shim', 'true', 0).duration);
    runs.emptyNode.push(throughJob('node', 'true', 0).duration);
    runs.base.push(baseline(burst, i));
    runs.shim.push(throughJob('shim', burst, BYTES));
    runs.unobserved.push(throughJob('shim', burst, BYTES, false));
    runs.node.push(throughJob('node', burst, BYTES));
  }
  const b = median(runs.base);
  const m = (design, key) => median(runs[design].map((r) => r[key]));
  const startCost = (empty) => median(empty) - median(runs.emptyBase);
  const mb = BYTES / 1024 ** 2;
  const rate = (ms) => `${(mb / (ms / 1000)).toFixed(0)} MiB/s`;
  const durationLine = (design, empty) => {
    const d = m(design, 'duration');
    const start = startCost(empty);
    return `workload duration ${fmt(d)}, ratio ${ratio(b, d)}; less its start cost (${fmt(start)}): ratio ${ratio(b, d - start)}`;
  };
  report(`stdout burst of ${mb} MiB${process.env.SOURCE === 'lines' ? ' (44-byte lines)' : ''}`, '≥ 0.9× baseline throughput', [
    `baseline (${burst} > file, fork → waitpid): ${fmt(b)} = ${rate(b)}`,
    `perl shim: ${durationLine('shim', runs.emptyShim)}`,
    `perl shim: full.log complete ${fmt(m('shim', 'lag'))} after the workload's exit`,
    `perl shim, no \`wait\` observing: ${durationLine('unobserved', runs.emptyShim)}; full.log complete ${fmt(m('unobserved', 'lag'))} after the exit`,
    `perl shim: run → wait (incl. two CLI start-ups) ${fmt(m('shim', 'runWait'))} = ${rate(m('shim', 'runWait'))}, ratio ${ratio(b, m('shim', 'runWait'))}`,
    `node supervisor: ${durationLine('node', runs.emptyNode)}`,
    `node supervisor: run → wait ${fmt(m('node', 'runWait'))} = ${rate(m('node', 'runWait'))}, ratio ${ratio(b, m('node', 'runWait'))}  (medians of ${RUNS})`,
  ]);
} finally {
  cleanup();
}
