// `tail` on a 1 GiB log must be flat as the log grows: timed in-process on sparse logs of
// 1 MiB … 1 GiB, and via the CLI against its own start-up. Goal (issue 3): ≤ 20 ms.
import { mkdirSync, truncateSync, writeFileSync, appendFileSync } from 'node:fs';
import * as path from 'node:path';
import { CLI, cli, fmt, report, sideBySide, tempRoot, timeCommand } from './lib.mjs';

const RUNS = Number(process.env.RUNS ?? 10);
const { dir: root, cleanup } = tempRoot();
try {
  const lines = [];
  for (const size of [1, 64, 1024].map((m) => m * 1024 ** 2)) {
    const id = `${size.toString(16).padStart(32, '0')}`;
    const dir = path.join(root, id);
    mkdirSync(dir);
    writeFileSync(
      path.join(dir, 'meta.json'),
      JSON.stringify({ job: { id }, schema_version: '0.1', command: ['x'], created_at: '2026-01-01T00:00:00Z', root, env_keys: [] }),
    );
    const log = path.join(dir, 'stdout.log');
    writeFileSync(log, '');
    truncateSync(log, size);
    appendFileSync(log, 'last line\n'.repeat(100));
    const r = sideBySide(
      RUNS,
      () => timeCommand([process.execPath, CLI, '--version']).ms,
      () => timeCommand([process.execPath, CLI, '--root', root, 'tail', id]).ms,
    );
    const out = cli(['--root', root, 'tail', id]);
    if (!out.stdout.endsWith('last line\n')) throw new Error('tail returned the wrong bytes');
    lines.push(
      `${(size / 1024 ** 2).toFixed(0)} MiB log: tail ${fmt(r.subject)}, CLI start-up ${fmt(r.baseline)}, beyond start-up ${fmt(r.subject - r.baseline)}`,
    );
  }
  report('tail on large logs', '≤ 20 ms beyond start-up, flat as the log grows', lines);
} finally {
  cleanup();
}
