// What watching for attention costs (issue 14): 20 running jobs with an input channel and a
// stall clock, each waiting at a prompt; one probe per job per second is what the extension or a
// `wait` does. Measured in process (the core bundled from src): the time of one round of 20
// probes, and beside it one round of the state reads every watcher already does.
// `node bench/attention.mjs` after `npm run build`.
import * as esbuild from 'esbuild';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { cli, fmt, median, report, tempRoot } from './lib.mjs';

const JOBS = Number(process.env.JOBS ?? 20);
const ROUNDS = Number(process.env.ROUNDS ?? 30);

const { dir, cleanup } = tempRoot('ae-bench-attention-');
const root = path.join(dir, 'root');
const ids = [];
try {
  const probe = path.join(dir, 'probe.cjs');
  await esbuild.build({
    stdin: {
      contents: `export { observeAttention } from './src/core/ops/attention';
export { readCurrentState } from './src/core/store/stateFile';
export { jobPaths, readMeta } from './src/core/store/jobDir';`,
      resolveDir: process.cwd(),
      loader: 'ts',
    },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    outfile: probe,
    logLevel: 'warning',
  });
  const core = createRequire(import.meta.url)(probe);
  for (let i = 0; i < JOBS; i++) {
    const args = [
      '--root',
      root,
      'run',
      '--no-wait',
      '--stdin-pipe',
      '--stall-after',
      '5m',
      '--',
      'sh',
      '-c',
      'printf "Continue? [y/N] "; read a',
    ];
    ids.push(cli(args).job_id);
  }
  const jobs = await Promise.all(
    ids.map(async (id) => ({ paths: core.jobPaths(root, id), meta: await core.readMeta(core.jobPaths(root, id)) })),
  );
  // Every job at its prompt before timing (the probe's most expensive path: it reads the job's fds).
  for (const deadline = Date.now() + 30_000; ;) {
    const seen = await Promise.all(
      jobs.map(async (j) => core.observeAttention(root, j.paths, j.meta, await core.readCurrentState(j.paths))),
    );
    if (seen.every((a) => a?.kind === 'needs_input')) break;
    if (Date.now() > deadline) throw new Error('the jobs did not all reach their prompt within 30 s');
    await new Promise((r) => setTimeout(r, 50));
  }
  const states = [];
  const probes = [];
  const cpu = [];
  for (let r = 0; r < ROUNDS; r++) {
    let t0 = performance.now();
    const current = [];
    for (const j of jobs) current.push(await core.readCurrentState(j.paths));
    states.push(performance.now() - t0);
    const c0 = process.cpuUsage();
    t0 = performance.now();
    for (const [i, j] of jobs.entries()) await core.observeAttention(root, j.paths, j.meta, current[i]);
    probes.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  const round = median(probes);
  report(
    `attention probes, ${JOBS} running jobs at a prompt (input channel + stall clock), ${ROUNDS} rounds`,
    'nothing while nobody watches; ≤ one cheap probe per job per second while watched',
    [
      `one round of ${JOBS} state reads (what any watcher does): ${fmt(median(states))}`,
      `one round of ${JOBS} attention probes: ${fmt(round)} wall, ${fmt(median(cpu))} CPU (${fmt(round / JOBS)} per job)`,
      `watching at one probe per job per second: ${((median(cpu) / 1000) * 100).toFixed(2)} % of one core`,
      'while nobody watches: no process runs for it (the probes are made by the watcher)',
    ],
  );
} finally {
  for (const id of ids) cli(['--root', root, 'kill', '--signal', 'KILL', id]);
  cleanup();
}
