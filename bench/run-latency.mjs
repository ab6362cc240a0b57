// `run` → JSON with job id, cold CLI process, against `node -e 0` in the same run, for both
// supervisor designs (Perl shim, default; Node supervisor: AGENT_EXEC_SUPERVISOR=node).
// Goal (issue 12): ≤ 1.3× `node -e 0`.
import { CLI, cli, fmt, median, report, tempRoot, timeCommand } from './lib.mjs';

const RUNS = Number(process.env.RUNS ?? 15);
const { dir: root, cleanup } = tempRoot();
const ids = [];
try {
  const run = (design) => {
    const env = { ...process.env, AGENT_EXEC_SUPERVISOR: design };
    const { ms, stdout } = timeCommand([process.execPath, CLI, '--root', root, 'run', '--no-wait', '--no-auto-gc', '--', 'true'], { env });
    ids.push(JSON.parse(stdout).job_id);
    return ms;
  };
  const node0 = [];
  const shim = [];
  const nodeSup = [];
  for (let i = 0; i < RUNS; i++) {
    node0.push(timeCommand([process.execPath, '-e', '0']).ms);
    shim.push(run('shim'));
    nodeSup.push(run('node'));
  }
  const r = { baseline: median(node0), subject: median(shim), node: median(nodeSup) };
  // Let every job finish before the root goes away.
  for (const id of ids) cli(['--root', root, 'wait', '--until', '10', id]);
  report('run --no-wait latency (cold CLI)', '≤ 1.3× node -e 0', [
    `node -e 0: ${fmt(r.baseline)}`,
    `agent-exec run (perl shim): ${fmt(r.subject)} = ${(r.subject / r.baseline).toFixed(2)}×`,
    `agent-exec run (node supervisor): ${fmt(r.node)} = ${(r.node / r.baseline).toFixed(2)}×  (medians of ${RUNS})`,
  ]);
} finally {
  cleanup();
}
