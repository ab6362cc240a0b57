/**
 * `rerun` (ours): a new attempt of a finished job — same id, same definition (re-read from
 * meta.json and the private env file, as `start` launches a created job). The finished attempt
 * is kept (ops/attempts.ts); the job's state becomes the new attempt's.
 */
import { invalidState } from '../errors';
import { isTerminal } from '../schema';
import { readMeta, readState, resolveJob, type JobPaths } from '../store/jobDir';
import { withJobLock } from '../store/lock';
import { readCurrentState, supervisorAlive, updateStateLocked } from '../store/stateFile';
import { archiveCurrentAttempt } from './attempts';
import { supervisorFinished } from './jobWatch';
import { launchingState, type InlineResult, type LaunchContext } from './run';
import { ensureSingleton } from './singleton';
import { lostMaskedEnv, launchPersisted, observeLaunched, type StartRequest } from './start';

/**
 * Archives the finished attempt and records the new one as launching, under the job lock (so a
 * gc or delete that chose the finished job, and a second rerun, see the change). Returns the new
 * attempt's number.
 */
async function flipToNewAttempt(paths: JobPaths, input: string): Promise<number> {
  // Settled first (a lost job becomes failed; that write takes the lock itself).
  const seen = await readCurrentState(paths);
  if (!isTerminal(seen.job.status)) {
    const hint = seen.job.status === 'created' ? ' (start it instead)' : '';
    throw invalidState(`job ${input} is in '${seen.job.status}' state; only a finished job can be rerun${hint}`);
  }
  // The finished attempt's supervisor may still be finishing (full.log, events, sinks; a
  // kill-after escalation aimed at the job's id and cgroup): the new attempt must not meet it.
  if (supervisorAlive(seen)) await supervisorFinished(paths);
  return withJobLock(paths.dir, async () => {
    const st = await readState(paths);
    if (!isTerminal(st.job.status)) throw invalidState(`job ${input} is in '${st.job.status}' state; only a finished job can be rerun`);
    if (supervisorAlive(st)) throw invalidState(`job ${input} is still finishing its last attempt; try again in a moment`);
    const next = await archiveCurrentAttempt(paths);
    await updateStateLocked(paths, () => launchingState(paths.id), { newAttempt: true });
    return next;
  });
}

export async function rerunJob(root: string, input: string, req: StartRequest, ctx: LaunchContext): Promise<InlineResult> {
  const paths = await resolveJob(root, input);
  const meta = await readMeta(paths);
  const lost = await lostMaskedEnv(paths, meta);
  if (lost.length > 0)
    throw invalidState(
      `job ${paths.id} was started with masked --env values that were not kept (${lost.join(', ')}); run it again with run`,
    );
  const launch = async () => {
    const attempt = await flipToNewAttempt(paths, input);
    return { paths, attempt, envVars: await launchPersisted(paths, meta, ctx) };
  };
  // A singleton job comes back only while no other job holds its key ("no duplicates").
  const key = meta.singleton;
  const outcome = key === undefined ? { started: await launch() } : await ensureSingleton(root, key, launch);
  if (outcome.reused)
    throw invalidState(`job ${outcome.reused.paths.id} is running with the singleton key '${key}'; job ${paths.id} was not rerun`);
  const { attempt, envVars } = outcome.started!;
  return { ...(await observeLaunched(root, paths, meta, envVars, req, ctx)), attempt };
}
