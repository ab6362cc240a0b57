import { okEnvelope } from '../../core/envelope';
import { DEFAULT_TAIL_LINES, DEFAULT_TAIL_MAX_BYTES, tailJob } from '../../core/ops/tail';
import { ATTEMPT_FLAG, attemptFromArgs, JOB_ID_HELP, type CliCommand } from '../command';

export const tailCommand: CliCommand = {
  spec: {
    name: 'tail',
    about: "Show the end of a job's stdout and stderr",
    flags: [
      { name: 'tail-lines', value: '<TAIL_LINES>', default: String(DEFAULT_TAIL_LINES), help: 'Lines per stream (0 = no line limit)' },
      { name: 'max-bytes', value: '<MAX_BYTES>', default: String(DEFAULT_TAIL_MAX_BYTES), help: 'Bytes per stream' },
      ATTEMPT_FLAG,
    ],
    positionals: [{ name: 'JOB_ID', required: true, jobStates: 'any', help: JOB_ID_HELP }],
  },
  run: async (args, ctx) =>
    okEnvelope(
      'tail',
      await tailJob(ctx.root, args.positional('JOB_ID')!, {
        tailLines: args.int('tail-lines', DEFAULT_TAIL_LINES),
        maxBytes: args.int('max-bytes', DEFAULT_TAIL_MAX_BYTES),
        attempt: attemptFromArgs(args),
      }),
    ),
};
