// Log throughput of a 1 GiB stdout burst through a job, against `head -c` writing the same bytes
// to a file directly (the `cat`-to-file baseline). Goal (issue 3): ≥ 0.9× the baseline.
import { rmSync } from 'node:fs';
import * as path from 'node:path';
import { cli, fmt, report, sideBySide, tempRoot, timeCommand } from './lib.mjs';

const BYTES = Number(process.env.BYTES ?? 1024 ** 3);
const RUNS = Number(process.env.RUNS ?? 3);
const { dir: root, cleanup } = tempRoot();
const burst = `head -c ${BYTES} /dev/zero`;
try {
  const r = sideBySide(
    RUNS,
    (i) => {
      const out = path.join(root, `baseline-${i}.out`);
      const { ms } = timeCommand(['sh', '-c', `${burst} > '${out}'`]);
      rmSync(out);
      return ms;
    },
    () => {
      const t0 = performance.now();
      const job = cli(['--root', root, 'run', '--forever', '--no-auto-gc', '--', 'sh', '-c', `sleep 0.05; ${burst}`]);
      const done = job.state === 'running' ? cli(['--root', root, 'wait', '--forever', job.job_id]) : job;
      const ms = performance.now() - t0 - 50;
      if (done.stdout_total_bytes !== BYTES) throw new Error(`expected ${BYTES} bytes, got ${JSON.stringify(done)}`);
      cli(['--root', root, 'delete', job.job_id]);
      return ms;
    },
  );
  const mb = BYTES / 1024 ** 2;
  report(`stdout burst of ${mb} MiB`, '≥ 0.9× baseline throughput', [
    `baseline (${burst} > file): ${fmt(r.baseline)} = ${(mb / (r.baseline / 1000)).toFixed(0)} MiB/s`,
    `through a job (run → wait, incl. CLI start-ups): ${fmt(r.subject)} = ${(mb / (r.subject / 1000)).toFixed(0)} MiB/s`,
    `ratio: ${(r.baseline / r.subject).toFixed(2)}×  (median of ${RUNS})`,
  ]);
} finally {
  cleanup();
}
