// Memory per running job beyond the workload: PSS of every process of ours that exists because
// of the jobs (supervisors), divided by the job count. Goal (issue 3): ≤ 2 MB per job at 20 jobs.
import { readdirSync, readFileSync } from 'node:fs';
import { cli, report, pssKb, tempRoot } from './lib.mjs';

const JOBS = Number(process.env.JOBS ?? 20);
const { dir: root, cleanup } = tempRoot();
const ids = [];
try {
  for (let i = 0; i < JOBS; i++) ids.push(cli(['--root', root, 'run', '--no-wait', '--no-auto-gc', '--', 'sleep', '120']).job_id);
  // Supervisors: processes whose argv names one of our job ids after `_supervise`.
  const supervisors = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let argv;
    try {
      argv = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    const i = argv.indexOf('_supervise');
    if (i >= 0 && ids.includes(argv[argv.indexOf('--job-id') + 1])) supervisors.push(Number(name));
  }
  const total = supervisors.reduce((sum, pid) => sum + (pssKb(pid) ?? 0), 0);
  report(`memory at ${JOBS} running jobs`, '≤ 2 MB per job beyond the workload (pm2 ≈ 3.3 MB/job, a Node process per job ≈ 40 MB)', [
    `supervisor processes: ${supervisors.length}`,
    `total PSS: ${(total / 1024).toFixed(1)} MB`,
    `per job: ${(total / 1024 / JOBS).toFixed(2)} MB`,
  ]);
} finally {
  for (const id of ids) cli(['--root', root, 'kill', '--signal', 'KILL', id]);
  cleanup();
}
