import { okEnvelope } from '../../core/envelope';
import { rerunJob } from '../../core/ops/rerun';
import { JOB_ID_HELP, type CliCommand } from '../command';
import { autoGcFromArgs, cliLaunchContext, LAUNCH_FLAGS, observeFromArgs } from './run';

export const rerunCommand: CliCommand = {
  spec: {
    name: 'rerun',
    about: 'Run a finished job again as a new attempt, keeping the earlier attempts (ours)',
    flags: LAUNCH_FLAGS,
    positionals: [{ name: 'JOB_ID', required: true, jobStates: ['exited', 'killed', 'failed'], help: JOB_ID_HELP }],
  },
  run: async (args, ctx) =>
    okEnvelope(
      'rerun',
      await rerunJob(
        ctx.root,
        args.positional('JOB_ID')!,
        { observe: observeFromArgs(args), autoGc: autoGcFromArgs(args) },
        cliLaunchContext(ctx),
      ),
    ),
};
