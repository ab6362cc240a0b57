import type { Args, CommandSpec } from './args';

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
