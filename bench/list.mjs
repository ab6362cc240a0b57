// `list --limit 50` with 10 000 (JOBS; JOBS=100000 for the large store) finished jobs in the store,
// against `node -e 0`. Goal (issue 12): ≤ 30 ms beyond Node's start-up. Also measured: the listing
// right after a new job directory appeared (created by us: taken in at once where nlink counts
// subdirectories; behind its back, or past ~65,000 subdirectories on ext4: the index then reads the
// root's names again and walks them beside its names file), right after a finished job's directory
// was removed behind its back, and with RUNNING live jobs on the page (one an HTTP server declaring
// --ready-port): what their live fields (ports, ready) cost.
import { mkdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { CLI, cli, fmt, report, sideBySide, tempRoot, timeCommand } from './lib.mjs';

const JOBS = Number(process.env.JOBS ?? 10000);
const RUNS = Number(process.env.RUNS ?? 7);
const RUNNING = Number(process.env.RUNNING ?? 4);
const SERVER = path.resolve('test/fixtures/procs/http-server.js');

/** A loopback port nothing listens on right now (the server job takes it). */
async function unusedPort() {
  const srv = createServer();
  await new Promise((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address();
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

const { dir: root, cleanup } = tempRoot();
try {
  const ids = [];
  for (let i = 0; i < JOBS; i++) {
    const id = randomBytes(16).toString('hex');
    ids.push(id);
    const dir = path.join(root, id);
    mkdirSync(dir);
    const t = new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const meta = {
      job: { id },
      schema_version: '0.1',
      command: ['echo', String(i)],
      created_at: t,
      root,
      env_keys: [],
      cwd: '/',
      tags: [],
      inherit_env: true,
      timeout_ms: 0,
      kill_after_ms: 0,
      progress_every_ms: 0,
    };
    const state = {
      job: { id, status: 'exited', started_at: t },
      result: { exit_code: 0, signal: null, duration_ms: 5 },
      pid: 1000 + i,
      finished_at: t,
      updated_at: t,
    };
    writeFileSync(path.join(dir, 'meta.json'), JSON.stringify(meta, null, 2));
    writeFileSync(path.join(dir, 'state.json'), JSON.stringify(state, null, 2));
    // Finished a while ago, like a real store's history.
    utimesSync(dir, new Date(Date.UTC(2026, 0, 1)), new Date(Date.UTC(2026, 0, 1)));
  }
  const list = () => timeCommand([process.execPath, CLI, '--root', root, 'list', '--all', '--limit', '50']).ms;
  list(); // builds the index, as the first listing after an upgrade does
  list();
  const node = () => timeCommand([process.execPath, '-e', '0']).ms;
  const { dir: empty, cleanup: cleanupEmpty } = tempRoot();
  // The CLI's own cost (bundle load, envelope) with nothing to list: the floor of any listing.
  const floor = sideBySide(RUNS, node, () => timeCommand([process.execPath, CLI, '--root', empty, 'list', '--all', '--limit', '50']).ms);
  cleanupEmpty();
  const r = sideBySide(RUNS, node, list);
  const added = sideBySide(RUNS, node, (i) => {
    mkdirSync(path.join(root, `new-${i}`));
    return list();
  });
  const removed = sideBySide(RUNS, node, (i) => {
    rmSync(path.join(root, ids[i]), { recursive: true });
    return list();
  });
  const created = sideBySide(RUNS, node, () => {
    timeCommand([process.execPath, CLI, '--root', root, 'create', '--', 'true']);
    return list();
  });
  // Live jobs on the page: an HTTP server declaring --ready-port (listening, ready) and sleepers; ended by the CLI's kill.
  const { dir: scratch, cleanup: cleanupScratch } = tempRoot();
  const live = [];
  let running;
  try {
    const port = await unusedPort();
    const env = { ...process.env, FIXTURE_PIDS: path.join(scratch, 'server.pids'), FIXTURE_PORT: String(port) };
    live.push(cli(['--root', root, 'run', '--no-wait', '--ready-port', String(port), '--', process.execPath, SERVER], { env }).job_id);
    for (let i = 1; i < RUNNING; i++) live.push(cli(['--root', root, 'run', '--no-wait', '--', 'sleep', '600']).job_id);
    const ready = cli(['--root', root, 'wait', '--until-ready', '--until', '30', live[0]]);
    if (ready.ready !== 'ready') throw new Error(`the server job did not become ready: ${JSON.stringify(ready)}`);
    running = sideBySide(RUNS, node, list);
  } finally {
    for (const id of live) cli(['--root', root, 'kill', id]);
    cleanupScratch();
  }
  report(`list --limit 50 over ${JOBS} jobs`, '≤ 30 ms beyond node start-up', [
    `node -e 0: ${fmt(r.baseline)}`,
    `list of an empty root: ${fmt(floor.subject)} (beyond node start-up: ${fmt(floor.subject - floor.baseline)})`,
    `list: ${fmt(r.subject)} (beyond node start-up: ${fmt(r.subject - r.baseline)})`,
    `list after our create: ${fmt(created.subject)} (beyond node start-up: ${fmt(created.subject - created.baseline)})`,
    `list after a directory appeared behind its back: ${fmt(added.subject)} (beyond node start-up: ${fmt(added.subject - added.baseline)})`,
    `list after a directory was removed behind its back: ${fmt(removed.subject)} (beyond node start-up: ${fmt(removed.subject - removed.baseline)})`,
    `list with ${RUNNING} running jobs on the page (one listening, ready): ${fmt(running.subject)} (beyond node start-up: ${fmt(running.subject - running.baseline)})`,
  ]);
} finally {
  cleanup();
}
