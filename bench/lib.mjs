// Shared helpers for the benchmarks: timing of whole commands, medians, temp roots, /proc PSS.
import * as esbuild from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

export const CLI = path.resolve('dist/cli.js');

export function tempRoot(prefix = 'ae-bench-') {
  const dir = realpathSync(mkdtempSync(path.join(os.tmpdir(), prefix)));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Wall time in ms of one synchronous run of argv; throws on a non-zero exit. */
export function timeCommand(argv, opts = {}) {
  const t0 = performance.now();
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', ...opts });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status}: ${r.stdout}${r.stderr}`);
  return { ms, stdout: r.stdout };
}

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

export const fmt = (ms) => `${ms.toFixed(1)} ms`;

/** Proportional set size of a process in kB (Linux), undefined when it is gone. */
export function pssKb(pid) {
  try {
    const m = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8').match(/^Pss:\s+(\d+) kB/m);
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Runs the CLI and returns the parsed JSON envelope. */
export function cli(args, opts = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', ...opts });
  if (!r.stdout.trim()) throw new Error(`agent-exec ${args.join(' ')}: no output (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** Alternates baseline and subject runs so machine noise hits both alike; returns both medians. */
export function sideBySide(runs, baseline, subject) {
  const a = [];
  const b = [];
  for (let i = 0; i < runs; i++) {
    a.push(baseline(i));
    b.push(subject(i));
  }
  return { baseline: median(a), subject: median(b) };
}

export function report(name, goal, lines) {
  console.log(`\n## ${name}\ngoal: ${goal}`);
  for (const l of lines) console.log(`  ${l}`);
}

/** Bundles a TypeScript entry of the project (no vscode) into `outFile` as an ES module and imports it. */
export async function importBundled(entry, outFile) {
  await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile: outFile,
    logLevel: 'warning',
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
  });
  return import(pathToFileURL(outFile).href);
}
