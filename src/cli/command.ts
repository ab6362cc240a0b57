import type { Args, CommandSpec, FlagSpec } from './args';

/** What a subcommand receives besides its arguments. */
export interface CliContext {
  /** Resolved job root (agent-exec-compat.md §1.1). */
  root: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
}

/** Text a subcommand prints as is instead of an envelope (`completions`' shell script). */
export class RawOutput {
  constructor(readonly text: string) {}
}

/** A subcommand: its argv spec and the op that returns one envelope (`type` + payload). */
export interface CliCommand {
  spec: CommandSpec;
  /** Returns the success envelope; throws JobError for an error envelope, UsageError for exit 2. */
  run(args: Args, ctx: CliContext): Promise<object>;
}

export const JOB_ID_HELP = 'Job id, or a unique prefix of it';

/** `--attempt N` (ours): an earlier attempt of a rerun job (1 = the first run; default the latest). */
export const ATTEMPT_FLAG: FlagSpec = {
  name: 'attempt',
  value: '<N>',
  validate: (v) => (/^[1-9]\d*$/.test(v) ? undefined : 'expected an attempt number from 1'),
  default: 'the latest',
  help: 'Which attempt of a rerun job (1 = the first run)',
};

export const attemptFromArgs = (args: Args): number | undefined => (args.has('attempt') ? args.int('attempt', 1) : undefined);
