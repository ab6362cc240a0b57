// Bundles every entry point into dist/. `node esbuild.mjs --watch` rebuilds on change.
import * as esbuild from 'esbuild';
import { chmodSync, existsSync, readdirSync, rmSync } from 'node:fs';
import * as path from 'node:path';

const watch = process.argv.includes('--watch');
/** `--tests=unit,integration` bundles those test/ folders into out/<first folder's suite>. */
const testsArg = process.argv.find((a) => a.startsWith('--tests='));
const testDirs = testsArg ? testsArg.slice('--tests='.length).split(',') : [];
const testOut = process.argv.find((a) => a.startsWith('--out='))?.slice('--out='.length) ?? 'out/test';
const production = process.argv.includes('--production');

// `--` stops Node 20 from reading the CLI's own `--env-file` flag as its own (nodejs/node#54232).
const CLI_SHEBANG = '#!/usr/bin/env -S node --';

const node = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
  // Text files bundled as strings (the skill files `install-skills` writes).
  loader: { '.md': 'text' },
};

/**
 * `import bundle from 'cli-bundle:text'` in src/cli/launcher.ts: the CLI bundle (src/cli/main.ts)
 * as a string, which the launcher compiles from a V8 code cache; dist/cli.js stays one file.
 * @type {esbuild.Plugin}
 */
const embedCliBundle = {
  name: 'embed-cli-bundle',
  setup(build) {
    build.onResolve({ filter: /^cli-bundle:text$/ }, () => ({ path: 'cli-bundle', namespace: 'cli-bundle' }));
    build.onLoad({ filter: /.*/, namespace: 'cli-bundle' }, async () => {
      const main = await esbuild.build({
        ...node,
        sourcemap: false,
        entryPoints: ['src/cli/main.ts'],
        outfile: 'dist/cli-main.js',
        write: false,
        metafile: true,
      });
      return {
        contents: main.outputFiles[0].text,
        loader: 'text',
        watchFiles: Object.keys(main.metafile.inputs).map((f) => path.resolve(f)),
      };
    });
  },
};

/** @type {esbuild.BuildOptions[]} */
const builds = [
  { ...node, entryPoints: { cli: 'src/cli/launcher.ts' }, outdir: 'dist', banner: { js: CLI_SHEBANG }, plugins: [embedCliBundle] },
  { ...node, entryPoints: { supervisor: 'src/supervisor/main.ts' }, outdir: 'dist' },
  // Required at run time by `agent-exec mcp` only (src/cli/commands/mcp.ts).
  { ...node, entryPoints: { mcp: 'src/mcp/server.ts' }, outdir: 'dist' },
];
if (existsSync('src/extension/extension.ts')) {
  builds.push({ ...node, entryPoints: { extension: 'src/extension/extension.ts' }, outdir: 'dist', external: ['vscode'] });
}
if (existsSync('webview/main.ts')) {
  builds.push({
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    sourcemap: !production,
    minify: production,
    logLevel: 'warning',
    entryPoints: { webview: 'webview/main.ts' },
    outdir: 'dist',
  });
}

/** test/<dir>/**\/*.test.ts → <out>/<dir>/**\/*.test.js, run by `node --test <out>`. */
function testEntries(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return testEntries(p);
    return e.name.endsWith('.test.ts') ? [p] : [];
  });
}
if (testDirs.length > 0) {
  builds.length = 0;
  // Each item is a folder under test/ or a single test file (test/unit/core/logs.test.ts →
  // `unit/core/logs.test.ts`). A missing one is an error: skipping it would pass with no tests.
  const missing = testDirs.filter((d) => !existsSync(path.join('test', d)));
  if (missing.length > 0) throw new Error(`--tests: no such folder or file under test/: ${missing.join(', ')}`);
  const entryPoints = testDirs.map((d) => path.join('test', d)).flatMap((p) => (p.endsWith('.test.ts') ? [p] : testEntries(p)));
  // A test moved or deleted since the last build must not keep running from a stale bundle.
  rmSync(testOut, { recursive: true, force: true });
  builds.push({ ...node, sourcemap: 'inline', entryPoints, outdir: testOut, outbase: 'test', packages: 'external' });
}

if (watch) {
  for (const b of builds) await (await esbuild.context(b)).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
  if (existsSync('dist/cli.js')) chmodSync('dist/cli.js', 0o755);
  // Code caches of the previous build (src/cli/launcher.ts names them by build): litter now.
  if (testDirs.length === 0 && existsSync('dist')) {
    for (const f of readdirSync('dist')) if (/^cli\.js\..*\.cache$/.test(f)) rmSync(path.join('dist', f), { force: true });
  }
}
