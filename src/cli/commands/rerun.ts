import { rerunJob } from '../../core/ops/rerun';
import { launchExistingCommand } from './run';

export const rerunCommand = launchExistingCommand(
  'rerun',
  'Run a finished job again as a new attempt, keeping the earlier attempts (ours)',
  ['exited', 'killed', 'failed'],
  rerunJob,
);
