// In-process launch, as the extension, MCP and HTTP call it: core runJob (no wait) → returns
// with the workload's pid in state.json, for both supervisor designs, against the floor of any
// launcher in Node: spawning the same workload detached (until its 'spawn' event), in the same
// run; also with the auto-GC that runs after a launch. Goal (issue 12): ≤ 10 ms.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fmt, importBundled, median, report, tempRoot } from './lib.mjs';

const RUNS = Number(process.env.RUNS ?? 21);
const { dir, cleanup } = tempRoot('ae-bench-launch-');
const pids = [];
const supervisors = [];
try {
  const { runJob } = await importBundled('src/core/ops/run.ts', path.join(dir, 'run.mjs'));
  const root = path.join(dir, 'jobs');
  const { definitionOf } = await importBundled('src/core/jobSpec.ts', path.join(dir, 'jobSpec.mjs'));
  const definition = definitionOf(['sleep', '30'], { owner: 'human:bench' });
  const launch = async (design, autoGc) => {
    const env = { ...process.env, AGENT_EXEC_SUPERVISOR: design };
    const ctx = {
      cwd: dir,
      env,
      runtime: { execPath: process.execPath, script: path.resolve('dist/supervisor.js'), env },
      warn: () => undefined,
    };
    const t0 = performance.now();
    const r = await runJob(
      root,
      { definition, ...(autoGc ? {} : { autoGc: { disabled: true } }), observe: { wait: false, untilSec: 0, forever: false, maxBytes: 0 } },
      ctx,
    );
    const ms = performance.now() - t0;
    const st = JSON.parse(readFileSync(path.join(root, r.job_id, 'state.json'), 'utf8'));
    if (!st.pid) throw new Error(`no workload pid on disk when runJob returned: ${JSON.stringify(st)}`);
    pids.push(st.pid);
    supervisors.push(st.supervisor_pid);
    return ms;
  };
  const floor = () =>
    new Promise((resolve, reject) => {
      const t0 = performance.now();
      const child = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
      child.on('error', reject);
      child.on('spawn', () => {
        pids.push(child.pid);
        child.unref();
        resolve(performance.now() - t0);
      });
    });
  const base = [];
  const shim = [];
  const shimGc = [];
  const node = [];
  for (let i = 0; i < RUNS; i++) {
    base.push(await floor());
    shim.push(await launch('shim', false));
    shimGc.push(await launch('shim', true));
    node.push(await launch('node', false));
  }
  report('In-process launch (extension, MCP, HTTP): runJob → workload pid on disk', '≤ 10 ms', [
    `floor, spawn('sleep') detached until 'spawn': ${fmt(median(base))}`,
    `runJob, perl shim: ${fmt(median(shim))} = ${(median(shim) / median(base)).toFixed(1)}× the floor`,
    `runJob, perl shim, with the auto-GC that follows a launch (as the extension runs it): ${fmt(median(shimGc))}`,
    `runJob, node supervisor: ${fmt(median(node))} = ${(median(node) / median(base)).toFixed(1)}× the floor  (medians of ${RUNS})`,
  ]);
} finally {
  for (const pid of pids) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  // Their supervisors record the ends in the job directories: let them finish first.
  const alive = (pid) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  const until = Date.now() + 10_000;
  while (supervisors.some(alive) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
  cleanup();
}
