import { okEnvelope } from '../../core/envelope';
import { deleteAll, deleteJob } from '../../core/ops/delete';
import { canonicalCwd } from '../../core/ops/list';
import { JOB_ID_HELP, type CliCommand } from '../command';

export const deleteCommand: CliCommand = {
  spec: {
    name: 'delete',
    aliases: ['rm'],
    about: 'Delete a finished job, or every finished job of the current directory',
    flags: [
      { name: 'all', conflictsWithPositional: '[JOB_ID]', help: 'Every finished job whose cwd is the current directory' },
      { name: 'dry-run', help: 'Report what would be deleted' },
    ],
    positionals: [{ name: 'JOB_ID', required: false, jobStates: ['exited', 'killed', 'failed'], help: JOB_ID_HELP }],
    requireOneOf: ['JOB_ID', 'all'],
  },
  run: async (args, ctx) => {
    const dryRun = args.bool('dry-run');
    const id = args.positional('JOB_ID');
    const result =
      id !== undefined ? await deleteJob(ctx.root, id, { dryRun }) : await deleteAll(ctx.root, canonicalCwd(ctx.cwd), { dryRun });
    return okEnvelope('delete', result);
  },
};
