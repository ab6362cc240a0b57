/**
 * The short-lived Node steps of a shim-supervised job (shimScript.ts), started by the shim:
 * - `_finish`: the workload has exited and `exit.rec` says how; writes the terminal state and
 *   emits `job.finished` to the job's sinks.
 * - `_follow --from <stdout>,<stderr>`: output matching from those log offsets until the shim
 *   closes this process's stdin (the job ended), then a last read.
 * - `_progress --every <ms> --pid <workload>`: `--progress-every` (progress.ts) until the shim
 *   closes this process's stdin.
 * Sinks get this process's environment, which is the caller's without the job's secrets.
 */
import { promises as fs } from 'node:fs';
import { shellWrapperOf, definedEnv } from '../jobSpec';
import { emitJobFinished } from '../notify';
import { isTerminal } from '../schema';
import { readExitRecord, stateFromExitRecord } from '../store/exitRecord';
import { jobPaths, readMeta, type JobPaths } from '../store/jobDir';
import { isValidIdInput } from '../store/jobId';
import { updateState } from '../store/stateFile';
import { LogFollower } from './logFollower';
import { outputMatcher } from './outputMatch';
import { startProgress } from './progress';

/** `_finish`: 0 when the exit was recorded (by this step or before it). */
async function finishJob(paths: JobPaths): Promise<number> {
  const rec = readExitRecord(paths.dir);
  if (!rec) return 1;
  // A record already terminal (a kill that verified the tree gone, or a reader that settled
  // from exit.rec first) is kept: the job.finished event still goes out from here. A record
  // naming another workload is not this exit's to settle, nor is the record of a new attempt:
  // a rerun that archived this exit (the attempt settled by a reader) before this step took the
  // lock has put a launching record without a pid in its place.
  const stillCurrent = (): boolean => {
    const now = readExitRecord(paths.dir);
    return now !== undefined && now.pid === rec.pid && now.finishedMs === rec.finishedMs;
  };
  const final = await updateState(paths, (cur) =>
    (cur?.pid !== undefined && cur.pid !== rec.pid) || (cur && isTerminal(cur.job.status)) || !stillCurrent()
      ? undefined
      : stateFromExitRecord(cur, paths.id, rec),
  );
  if (!final || !isTerminal(final.job.status) || final.pid !== rec.pid) return 1;
  const meta = await readMeta(paths);
  await emitJobFinished(paths, meta, final, shellWrapperOf(meta), definedEnv(process.env));
  return 0;
}

/** Resolves when the shim closes this step's stdin: the job ended (or the shim died). */
function shimClosed(input: NodeJS.ReadableStream): Promise<void> {
  return new Promise<void>((resolve) => {
    input
      .on('end', resolve)
      .on('error', () => resolve())
      .resume();
  });
}

/** `_follow`: output matching from the given offsets until stdin closes. */
async function followJob(paths: JobPaths, from: { stdout: number; stderr: number }, until: NodeJS.ReadableStream): Promise<number> {
  const meta = await readMeta(paths);
  const sink = await fs.open('/dev/null', 'w');
  const follower = await LogFollower.start(paths, sink, outputMatcher(paths, meta, shellWrapperOf(meta), definedEnv(process.env)), from);
  await shimClosed(until);
  await follower.finish();
  return 0;
}

/** `_progress`: refreshes the running record of workload `pid` every `everyMs` until stdin closes. */
async function progressJob(paths: JobPaths, everyMs: number, pid: number, until: NodeJS.ReadableStream): Promise<number> {
  const stop = startProgress(paths, everyMs, pid);
  await shimClosed(until);
  stop();
  return 0;
}

/** `_finish|_follow|_progress --job-id <id> --supervise-root <root> [--from <o>,<e>] [--every <ms> --pid <pid>]`; exits the process when done. */
export function runShimStep(argv: readonly string[], input: NodeJS.ReadableStream): void {
  const value = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const jobId = value('--job-id');
  const root = value('--supervise-root');
  if (!jobId || !root || !isValidIdInput(jobId)) process.exit(2);
  process.on('unhandledRejection', () => undefined);
  const paths = jobPaths(root, jobId);
  const [o, e] = (value('--from') ?? '0,0').split(',').map(Number);
  const step =
    argv[0] === '_follow'
      ? followJob(paths, { stdout: o || 0, stderr: e || 0 }, input)
      : argv[0] === '_progress'
        ? progressJob(paths, Number(value('--every')), Number(value('--pid')), input)
        : finishJob(paths);
  step.then(
    (code) => process.exit(code),
    () => process.exit(1),
  );
}
