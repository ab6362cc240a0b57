/**
 * `agent-exec` start-up (dist/cli.js): runs the CLI bundle (src/cli/main.ts, embedded here as a
 * string by esbuild.mjs, so that the CLI stays one file) from a V8 code cache kept beside this
 * file, so that a cold CLI does not compile 350 KB of JavaScript on every call (about 8 ms of
 * each `run`). The first call of a Node version that finds no cache, or one V8
 * rejects, writes it at exit (by rename: concurrent calls cannot tear it); a directory we may not
 * write to, or any other failure, just means a plain compile. The cache holds compiled code of
 * this bundle only: it is as trusted as the bundle beside it.
 */
import { closeSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { Script } from 'node:vm';
import bundle from 'cli-bundle:text';
import type * as CliMain from './main';

// V8 checks a cache against its own version and flags, but against the source only by length:
// the name carries this file's size and mtime, so a cache of another build is never read.
const { size, mtimeMs } = statSync(__filename);
const cacheFile = `${__filename}.${process.arch}-v8-${process.versions.v8}-${size}-${Math.trunc(mtimeMs)}.cache`;

function readCache(): Buffer | undefined {
  try {
    return readFileSync(cacheFile);
  } catch {
    return undefined;
  }
}

function writeCache(data: Buffer): void {
  const tmp = `${cacheFile}.${process.pid}.tmp`;
  try {
    const fd = openSync(tmp, 'wx', 0o644);
    try {
      writeSync(fd, data);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, cacheFile);
  } catch {
    try {
      unlinkSync(tmp);
    } catch {
      // never made
    }
  }
}

/**
 * The bundle, compiled from the cache where there is one. No `import()` of a module outside the
 * bundle may run in it (a vm.Script has no loader for one): esbuild turns `import()` of bundled
 * modules into require, and Node's own modules are loaded lazily by require.
 */
function compileBundle(): (...args: unknown[]) => void {
  const cached = readCache();
  const script = new Script(Module.wrap(bundle), { filename: __filename, cachedData: cached });
  if (cached === undefined || script.cachedDataRejected) {
    // At exit, so that the cache also holds the functions this call compiled.
    process.once('exit', () => writeCache(script.createCachedData()));
  }
  return script.runInThisContext() as (...args: unknown[]) => void;
}

const cli = new Module(__filename, module);
cli.filename = __filename;
compileBundle().call(cli.exports, cli.exports, createRequire(__filename), cli, __filename, __dirname);
(cli.exports as typeof CliMain).runProgram();
