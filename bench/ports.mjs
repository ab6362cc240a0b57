// `ports` on a machine with ~1,000 listening sockets and ~200 processes, against `node -e 0`.
// Goal (issue 13): ≤ 50 ms beyond Node's start-up. Made here, loopback only: HOLDERS perl
// processes with SOCKETS_EACH listening TCP sockets on 127.0.0.1 (one of them a job of the
// store, so the job lookup runs too) and idle `sleep` processes up to PROCS; all ended by pid.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { CLI, cli, fmt, report, sideBySide, tempRoot, timeCommand } from './lib.mjs';

const HOLDERS = Number(process.env.HOLDERS ?? 20);
const SOCKETS_EACH = Number(process.env.SOCKETS_EACH ?? 50);
const PROCS = Number(process.env.PROCS ?? 200);
const RUNS = Number(process.env.RUNS ?? 7);
const HOLDER = `use IO::Socket::INET; my @s; for (1..${SOCKETS_EACH}) { push @s, IO::Socket::INET->new(Listen => 5, LocalAddr => '127.0.0.1', LocalPort => 0, Proto => 'tcp') or die "listen: $!" } $| = 1; print "ready\\n"; sleep 600;`;

const { dir: root, cleanup } = tempRoot();
const children = [];
let jobId;
try {
  for (let i = 0; i < HOLDERS - 1; i++) {
    const c = spawn('perl', ['-e', HOLDER], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(c);
    await once(c.stdout, 'data'); // "ready": its sockets listen
  }
  for (let i = children.length; i < PROCS - 1; i++) children.push(spawn('sleep', ['600'], { stdio: 'ignore' }));
  // The last holder is a job of the store.
  jobId = cli(['--root', root, 'run', '--no-wait', '--', 'perl', '-e', HOLDER]).job_id;
  for (const deadline = Date.now() + 20_000; (cli(['--root', root, 'status', jobId]).ports ?? []).length < SOCKETS_EACH;) {
    if (Date.now() > deadline) throw new Error("the job's sockets did not show up within 20 s");
    await new Promise((r) => setTimeout(r, 20));
  }
  const all = cli(['--root', root, 'ports']).ports;
  const ofJob = all.filter((p) => p.job_id === jobId);
  if (ofJob.length !== SOCKETS_EACH) throw new Error(`expected ${SOCKETS_EACH} ports of the job, got ${ofJob.length}`);
  const onePort = ofJob[0].port;
  const node = () => timeCommand([process.execPath, '-e', '0']).ms;
  const ports = () => timeCommand([process.execPath, CLI, '--root', root, 'ports']).ms;
  const byPort = () => timeCommand([process.execPath, CLI, '--root', root, 'ports', '--port', String(onePort)]).ms;
  const { dir: empty, cleanup: cleanupEmpty } = tempRoot();
  // The CLI's own cost (bundle load, envelope) with an empty store: the floor.
  const floor = sideBySide(RUNS, node, () => timeCommand([process.execPath, CLI, '--root', empty, 'schema']).ms);
  cleanupEmpty();
  const r = sideBySide(RUNS, node, ports);
  const one = sideBySide(RUNS, node, byPort);
  report(
    `ports with ${all.length} listening sockets and ${PROCS} processes of ours (${HOLDERS} holding sockets, one a job)`,
    '≤ 50 ms beyond node start-up',
    [
      `node -e 0: ${fmt(r.baseline)}`,
      `agent-exec schema (CLI floor): ${fmt(floor.subject)} (beyond node start-up: ${fmt(floor.subject - floor.baseline)})`,
      `ports: ${fmt(r.subject)} (beyond node start-up: ${fmt(r.subject - r.baseline)})`,
      `ports --port N: ${fmt(one.subject)} (beyond node start-up: ${fmt(one.subject - one.baseline)})`,
    ],
  );
} finally {
  if (jobId) cli(['--root', root, 'kill', jobId]);
  for (const c of children) c.kill('SIGKILL');
  await Promise.all(children.map((c) => (c.exitCode === null && c.signalCode === null ? once(c, 'exit') : undefined)));
  cleanup();
}
