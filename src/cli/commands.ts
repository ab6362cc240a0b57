import type { CliCommand } from './command';
import { statusCommand } from './commands/status';
import { runCommand } from './commands/run';
import { createCommand } from './commands/create';
import { startCommand } from './commands/start';
import { rerunCommand } from './commands/rerun';
import { superviseCommand } from './commands/supervise';
import { gcCommand } from './commands/gc';
import { tailCommand } from './commands/tail';
import { waitCommand } from './commands/wait';
import { listCommand, psCommand } from './commands/list';
import { deleteCommand } from './commands/delete';
import { tagSetCommand } from './commands/tag';
import { notifySetCommand } from './commands/notify';
import { schemaCommand } from './commands/schema';
import { killCommand } from './commands/kill';
import { portsCommand } from './commands/ports';
import { sendInputCommand } from './commands/sendInput';
import { serveCommand } from './commands/serve';
import { mcpCommand } from './commands/mcp';
import { completionsCommand } from './commands/completions';
import { installSkillsCommand } from './commands/installSkills';

/** Every subcommand, in help order. */
export const COMMANDS: readonly CliCommand[] = [
  createCommand,
  startCommand,
  runCommand,
  rerunCommand,
  statusCommand,
  tailCommand,
  waitCommand,
  listCommand,
  psCommand,
  deleteCommand,
  gcCommand,
  tagSetCommand,
  installSkillsCommand,
  notifySetCommand,
  completionsCommand,
  schemaCommand,
  killCommand,
  portsCommand,
  sendInputCommand,
  serveCommand,
  mcpCommand,
  superviseCommand,
];
