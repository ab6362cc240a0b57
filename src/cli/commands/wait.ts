import { okEnvelope } from '../../core/envelope';
import { DEFAULT_WAIT_UNTIL_SECONDS, waitJob } from '../../core/ops/wait';
import { JOB_ID_HELP, type CliCommand } from '../command';

const nonNegativeNumber = (v: string) => (/^\d+(\.\d+)?$/.test(v) ? undefined : 'invalid float literal');

export const waitCommand: CliCommand = {
  spec: {
    name: 'wait',
    about: 'Wait until a job finishes (or --until seconds pass)',
    flags: [
      // Accepted for compatibility: the wait is event-driven, there is no poll interval.
      { name: 'poll', value: '<POLL>', validate: nonNegativeNumber, help: 'Ignored (kept for agent-exec compatibility)' },
      {
        name: 'until',
        value: '<UNTIL>',
        conflicts: ['forever'],
        default: String(DEFAULT_WAIT_UNTIL_SECONDS),
        help: 'Give up after this many seconds',
      },
      { name: 'forever', help: 'Wait without a deadline' },
      { name: 'until-ready', help: 'Return as soon as the job is ready (or its ready timeout passes, or it ends)' },
    ],
    positionals: [{ name: 'JOB_ID', required: true, jobStates: ['created', 'running'], help: JOB_ID_HELP }],
  },
  run: async (args, ctx) => {
    const timeoutMs = args.has('forever') ? undefined : args.int('until', DEFAULT_WAIT_UNTIL_SECONDS) * 1000;
    return okEnvelope('wait', await waitJob(ctx.root, args.positional('JOB_ID')!, { timeoutMs, untilReady: args.bool('until-ready') }));
  },
};
