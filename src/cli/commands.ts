import type { CliCommand } from './command';
import { statusCommand } from './commands/status';
import { gcCommand } from './commands/gc';
import { killCommand } from './commands/kill';

/** Every subcommand, in help order. */
export const COMMANDS: readonly CliCommand[] = [statusCommand, gcCommand, killCommand];
