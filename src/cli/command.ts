import type { Args, CommandSpec } from './args';

/** What a subcommand receives besides its arguments. */
export interface CliContext {
  /** Resolved job root (contract §1.1). */
  root: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
}

/** A subcommand: its argv spec and the op that returns one envelope (`type` + payload). */
export interface CliCommand {
  spec: CommandSpec;
  /** Returns the success envelope; throws JobError for an error envelope, UsageError for exit 2. */
  run(args: Args, ctx: CliContext): Promise<object>;
}
