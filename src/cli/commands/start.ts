import { okEnvelope } from '../../core/envelope';
import { startJob } from '../../core/ops/start';
import { JOB_ID_HELP, type CliCommand } from '../command';
import { autoGcFromArgs, cliLaunchContext, LAUNCH_FLAGS, observeFromArgs } from './run';

export const startCommand: CliCommand = {
  spec: {
    name: 'start',
    about: 'Start a created job',
    flags: LAUNCH_FLAGS,
    positionals: [{ name: 'JOB_ID', required: true, jobStates: ['created'], help: JOB_ID_HELP }],
  },
  run: async (args, ctx) =>
    okEnvelope(
      'start',
      await startJob(
        ctx.root,
        args.positional('JOB_ID')!,
        { observe: observeFromArgs(args), autoGc: autoGcFromArgs(args) },
        cliLaunchContext(ctx),
      ),
    ),
};
