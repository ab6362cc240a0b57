import type { CliCommand } from './command';
import { statusCommand } from './commands/status';
import { runCommand } from './commands/run';
import { createCommand } from './commands/create';
import { startCommand } from './commands/start';
import { superviseCommand } from './commands/supervise';
import { gcCommand } from './commands/gc';
import { killCommand } from './commands/kill';

/** Every subcommand, in help order. */
export const COMMANDS: readonly CliCommand[] = [createCommand, startCommand, runCommand, statusCommand, gcCommand, killCommand, superviseCommand];
