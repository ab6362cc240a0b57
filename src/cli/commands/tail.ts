import { okEnvelope } from '../../core/envelope';
import { DEFAULT_TAIL_LINES, DEFAULT_TAIL_MAX_BYTES, tailJob } from '../../core/ops/tail';
import type { CliCommand } from '../command';

export const tailCommand: CliCommand = {
  spec: {
    name: 'tail',
    about: 'Show the end of a job\'s stdout and stderr',
    flags: [
      { name: 'tail-lines', value: '<TAIL_LINES>', help: 'Lines per stream (0 = no line limit; default 50)' },
      { name: 'max-bytes', value: '<MAX_BYTES>', help: 'Bytes per stream (default 65536)' },
    ],
    positionals: [{ name: 'JOB_ID', required: true }],
  },
  run: async (args, ctx) =>
    okEnvelope(
      'tail',
      await tailJob(ctx.root, args.positional('JOB_ID')!, {
        tailLines: args.int('tail-lines', DEFAULT_TAIL_LINES),
        maxBytes: args.int('max-bytes', DEFAULT_TAIL_MAX_BYTES),
      }),
    ),
};
