import { okEnvelope } from '../../core/envelope';
import { DEFAULT_OLDER_THAN, runGc } from '../../core/ops/gc';
import type { CliCommand } from '../command';

export const gcCommand: CliCommand = {
  spec: {
    name: 'gc',
    about: 'Delete old finished jobs',
    flags: [
      { name: 'older-than', value: '<DURATION>', default: DEFAULT_OLDER_THAN, help: 'Retention, e.g. 30d, 24h, 60m, 3600s' },
      { name: 'max-jobs', value: '<N>', help: 'Among expired jobs, keep only the newest N' },
      { name: 'max-bytes', value: '<N>', help: 'Among expired jobs, delete oldest first until their total is at most N bytes' },
      { name: 'dry-run', help: 'Report what would be deleted' },
    ],
    positionals: [],
  },
  run: async (args, ctx) =>
    okEnvelope(
      'gc',
      await runGc(ctx.root, {
        olderThan: args.str('older-than'),
        maxJobs: args.has('max-jobs') ? args.int('max-jobs', 0) : undefined,
        maxBytes: args.has('max-bytes') ? args.int('max-bytes', 0) : undefined,
        dryRun: args.bool('dry-run'),
      }),
    ),
};
