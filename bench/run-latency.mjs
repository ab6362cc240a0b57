// `run` → JSON with job id, cold CLI process, against `node -e 0` in the same run.
// Goal (issue 3): ≤ 1.5× `node -e 0`.
import { CLI, cli, fmt, report, sideBySide, tempRoot, timeCommand } from './lib.mjs';

const RUNS = Number(process.env.RUNS ?? 15);
const { dir: root, cleanup } = tempRoot();
const ids = [];
try {
  const r = sideBySide(
    RUNS,
    () => timeCommand([process.execPath, '-e', '0']).ms,
    () => {
      const { ms, stdout } = timeCommand([process.execPath, CLI, '--root', root, 'run', '--no-wait', '--no-auto-gc', '--', 'true']);
      ids.push(JSON.parse(stdout).job_id);
      return ms;
    },
  );
  // Let every job finish before the root goes away.
  for (const id of ids) cli(['--root', root, 'wait', '--until', '10', id]);
  report('run --no-wait latency (cold CLI)', '≤ 1.5× node -e 0', [
    `node -e 0: ${fmt(r.baseline)}`,
    `agent-exec run: ${fmt(r.subject)}`,
    `ratio: ${(r.subject / r.baseline).toFixed(2)}×  (median of ${RUNS})`,
  ]);
} finally {
  cleanup();
}
