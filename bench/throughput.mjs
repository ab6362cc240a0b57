// Log throughput of a 1 GiB stdout burst through a job, against `head -c` writing the same bytes
// to a file directly (the `cat`-to-file baseline), for both supervisor designs (both build
// full.log). SOURCE=lines: 44-byte text lines instead of zeros (full.log then has every line).
// Goal (issue 12): ≥ 0.9× the baseline.
import { rmSync } from 'node:fs';
import * as path from 'node:path';
import { cli, fmt, report, sideBySide, tempRoot, timeCommand } from './lib.mjs';

const BYTES = Number(process.env.BYTES ?? 1024 ** 3);
const RUNS = Number(process.env.RUNS ?? 3);
const { dir: root, cleanup } = tempRoot();
const burst =
  process.env.SOURCE === 'lines' ? `yes 'a log line of text, forty-four bytes long' | head -c ${BYTES}` : `head -c ${BYTES} /dev/zero`;

/** ms for the burst through a job supervised by `design` (AGENT_EXEC_SUPERVISOR), run → wait. */
function throughJob(design) {
  const env = { ...process.env, AGENT_EXEC_SUPERVISOR: design };
  const t0 = performance.now();
  const job = cli(['--root', root, 'run', '--forever', '--no-auto-gc', '--', 'sh', '-c', `sleep 0.05; ${burst}`], { env });
  const done = job.state === 'running' ? cli(['--root', root, 'wait', '--forever', job.job_id], { env }) : job;
  const ms = performance.now() - t0 - 50;
  if (done.stdout_total_bytes !== BYTES) throw new Error(`expected ${BYTES} bytes, got ${JSON.stringify(done)}`);
  cli(['--root', root, 'delete', job.job_id], { env });
  return ms;
}
try {
  const r = sideBySide(
    RUNS,
    (i) => {
      const out = path.join(root, `baseline-${i}.out`);
      const { ms } = timeCommand(['sh', '-c', `${burst} > '${out}'`]);
      rmSync(out);
      return ms;
    },
    () => throughJob('shim'),
  );
  const viaNode = sideBySide(
    RUNS,
    () => 0,
    () => throughJob('node'),
  ).subject;
  const mb = BYTES / 1024 ** 2;
  report(`stdout burst of ${mb} MiB`, '≥ 0.9× baseline throughput', [
    `baseline (${burst} > file): ${fmt(r.baseline)} = ${(mb / (r.baseline / 1000)).toFixed(0)} MiB/s`,
    `through a job, perl shim (run → wait, incl. CLI start-ups): ${fmt(r.subject)} = ${(mb / (r.subject / 1000)).toFixed(0)} MiB/s, ratio ${(r.baseline / r.subject).toFixed(2)}×`,
    `through a job, node supervisor: ${fmt(viaNode)} = ${(mb / (viaNode / 1000)).toFixed(0)} MiB/s, ratio ${(r.baseline / viaNode).toFixed(2)}×  (medians of ${RUNS})`,
  ]);
} finally {
  cleanup();
}
