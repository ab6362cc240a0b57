// kill of a TERM-respecting job → state recorded and tree verified gone, beyond the CLI's own
// start-up (`agent-exec --version` measured side by side). Goal (issue 3): ≤ 30 ms beyond start-up.
import { CLI, cli, fmt, report, sideBySide, tempRoot, timeCommand } from './lib.mjs';

const RUNS = Number(process.env.RUNS ?? 10);
const { dir: root, cleanup } = tempRoot();
try {
  const r = sideBySide(
    RUNS,
    () => timeCommand([process.execPath, CLI, '--version']).ms,
    () => {
      const job = cli(['--root', root, 'run', '--no-wait', '--no-auto-gc', '--', 'sleep', '60']);
      const { ms, stdout } = timeCommand([process.execPath, CLI, '--root', root, 'kill', job.job_id]);
      const res = JSON.parse(stdout);
      if (res.state !== 'killed' || res.survivors?.length) throw new Error(`kill did not verify: ${stdout}`);
      return ms;
    },
  );
  report('kill (TERM, verified)', '≤ 30 ms beyond CLI start-up (pm2 stop ≈ 450 ms here)', [
    `CLI start-up (--version): ${fmt(r.baseline)}`,
    `kill: ${fmt(r.subject)}`,
    `beyond start-up: ${fmt(r.subject - r.baseline)}  (median of ${RUNS})`,
  ]);
} finally {
  cleanup();
}
