import type { CliCommand } from './command';
import { statusCommand } from './commands/status';

/** Every subcommand, in help order. */
export const COMMANDS: readonly CliCommand[] = [statusCommand];
