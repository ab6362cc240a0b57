import { okEnvelope } from '../../core/envelope';
import { canonicalCwd, DEFAULT_LIST_LIMIT, LIST_STATES, listJobs, type ListState } from '../../core/ops/list';
import { tagPatternProblem } from '../../core/tags';
import type { Args, FlagSpec } from '../args';
import type { CliCommand, CliContext } from '../command';

/** Flags shared by `list` and `ps`. */
const SCOPE_FLAGS: readonly FlagSpec[] = [
  { name: 'limit', value: '<N>', default: String(DEFAULT_LIST_LIMIT), help: 'Maximum number of jobs (0 = all)' },
  { name: 'cwd', value: '<CWD>', conflicts: ['all'], default: 'the current directory', help: 'Only jobs started in this directory' },
  { name: 'all', help: 'Jobs of every directory' },
  {
    name: 'tag',
    value: '<PATTERN>',
    multiple: true,
    validate: tagPatternProblem,
    help: 'Only jobs with this tag (`ns.*` for a namespace); repeat to AND',
  },
];

const runList = async (args: Args, ctx: CliContext, state: ListState | undefined) =>
  okEnvelope(
    'list',
    await listJobs(ctx.root, {
      cwd: args.has('all') ? undefined : canonicalCwd(ctx.cwd, args.str('cwd')),
      tags: args.all('tag'),
      state,
      limit: args.int('limit', DEFAULT_LIST_LIMIT),
    }),
  );

export const listCommand: CliCommand = {
  spec: {
    name: 'list',
    about: 'List jobs (of the current directory by default)',
    flags: [...SCOPE_FLAGS, { name: 'state', value: '<STATE>', choices: LIST_STATES, help: 'Only jobs in this state' }],
    positionals: [],
  },
  run: (args, ctx) => runList(args, ctx, args.str('state') as ListState | undefined),
};

export const psCommand: CliCommand = {
  spec: { name: 'ps', about: 'List running jobs (list --state running)', flags: SCOPE_FLAGS, positionals: [] },
  run: (args, ctx) => runList(args, ctx, 'running'),
};
