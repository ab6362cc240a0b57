import { okEnvelope } from '../../core/envelope';
import { getStatus } from '../../core/ops/status';
import { ATTEMPT_FLAG, attemptFromArgs, JOB_ID_HELP, type CliCommand } from '../command';

export const statusCommand: CliCommand = {
  spec: {
    name: 'status',
    about: 'Show the state of a job',
    flags: [ATTEMPT_FLAG],
    positionals: [{ name: 'JOB_ID', required: true, jobStates: 'any', help: JOB_ID_HELP }],
  },
  run: async (args, ctx) => okEnvelope('status', await getStatus(ctx.root, args.positional('JOB_ID')!, { attempt: attemptFromArgs(args) })),
};
