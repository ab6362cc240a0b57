// Memory per running job beyond the workload: PSS of every process of ours that exists because
// of the jobs (supervisors), divided by the job count, at 1, 20 and 100 jobs (JOBS=1,20,100);
// and the CPU time an idle running job's supervisor costs per minute (IDLE_S seconds measured).
// Both supervisor designs side by side: the Perl shim (default) and the Node supervisor
// (AGENT_EXEC_SUPERVISOR=node). Goal (issue 12): ≤ 1.5 MB per job at 20 jobs; idle CPU 0.
import { readdirSync, readFileSync } from 'node:fs';
import { cli, report, pssKb, tempRoot } from './lib.mjs';

const COUNTS = (process.env.JOBS ?? '1,20,100').split(',').map(Number);
const IDLE_S = Number(process.env.IDLE_S ?? 20);
const TICKS_PER_S = 100;

/** Supervisors of `ids`: processes whose command line names one of them after `_supervise`. */
function supervisorsOf(ids) {
  const found = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let cmd;
    try {
      cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').join(' ');
    } catch {
      continue;
    }
    const m = /_supervise --job-id ([0-9a-f]{32})/.exec(cmd);
    if (m && ids.includes(m[1])) found.push(Number(name));
  }
  return found;
}

/** utime + stime of a process, in clock ticks. */
function cpuTicks(pid) {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8')
    .replace(/^.*\)\s+/s, '')
    .split(' ');
  return Number(f[11]) + Number(f[12]);
}

function measure(design, count, env) {
  const { dir: root, cleanup } = tempRoot();
  const ids = [];
  try {
    for (let i = 0; i < count; i++)
      ids.push(cli(['--root', root, 'run', '--no-wait', '--no-auto-gc', '--', 'sleep', '600'], { env }).job_id);
    const sups = supervisorsOf(ids);
    const total = sups.reduce((sum, pid) => sum + (pssKb(pid) ?? 0), 0);
    const lines = [
      `supervisor processes: ${sups.length}`,
      `total PSS: ${(total / 1024).toFixed(1)} MB`,
      `per job: ${(total / 1024 / count).toFixed(2)} MB`,
    ];
    if (count === 1 && IDLE_S > 0) {
      const before = sups.map(cpuTicks);
      const t0 = Date.now();
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, IDLE_S * 1000);
      const ticks = sups.map(cpuTicks).reduce((a, b, i) => a + b - before[i], 0);
      const perMinute = ((ticks / TICKS_PER_S) * 1000 * 60_000) / (Date.now() - t0);
      lines.push(`idle CPU per minute: ${perMinute.toFixed(1)} ms (${ticks} ticks of 10 ms in ${IDLE_S} s)`);
    }
    report(`${design}: memory at ${count} running job(s)`, '≤ 1.5 MB per job beyond the workload; idle CPU 0', lines);
  } finally {
    for (const id of ids) cli(['--root', root, 'kill', '--signal', 'KILL', id], { env });
    cleanup();
  }
}

for (const count of COUNTS) {
  measure('perl shim', count, { ...process.env, AGENT_EXEC_SUPERVISOR: 'shim' });
  measure('node supervisor', count, { ...process.env, AGENT_EXEC_SUPERVISOR: 'node' });
}
