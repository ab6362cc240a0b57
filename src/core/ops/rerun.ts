/**
 * `rerun` (ours): a new attempt of a finished job — same id, same definition (re-read from
 * meta.json and the private env file, as `start` launches a created job). The finished attempt
 * is kept (ops/attempts.ts); the job's state becomes the new attempt's.
 */
import * as path from 'node:path';
import { invalidState } from '../errors';
import { isTerminal } from '../schema';
import { readMeta, resolveJob } from '../store/jobDir';
import { withLockFile } from '../store/lock';
import { readCurrentState, updateState } from '../store/stateFile';
import { archiveCurrentAttempt } from './attempts';
import { launchingState, type InlineResult, type LaunchContext } from './run';
import { launchRecorded, type StartRequest } from './start';

export async function rerunJob(root: string, input: string, req: StartRequest, ctx: LaunchContext): Promise<InlineResult> {
  const paths = await resolveJob(root, input);
  const meta = await readMeta(paths);
  // One rerun at a time: the second of two racing reruns finds the job running.
  const attempt = await withLockFile(path.join(paths.dir, '.rerun.lock'), async () => {
    const st = await readCurrentState(paths);
    if (!isTerminal(st.job.status)) {
      const hint = st.job.status === 'created' ? ' (start it instead)' : '';
      throw invalidState(`job ${input} is in '${st.job.status}' state; only a finished job can be rerun${hint}`);
    }
    const next = await archiveCurrentAttempt(paths);
    await updateState(paths, () => launchingState(paths.id), { newAttempt: true });
    return next;
  });
  return { ...(await launchRecorded(root, paths, meta, req, ctx)), attempt };
}
