import { RawOutput, type CliCommand } from '../command';
import { registrationScript, SHELLS, type Shell } from '../completion';

/** `completions <shell>` (agent-exec-compat.md §4.13): prints the shell's registration script, not an envelope. */
export const completionsCommand: CliCommand = {
  spec: {
    name: 'completions',
    about: 'Print a shell completion script (job ids complete from the job store)',
    flags: [],
    positionals: [{ name: 'SHELL', required: true, choices: SHELLS, help: 'Shell to print the script for' }],
  },
  run: async (args) => new RawOutput(registrationScript(args.positional('SHELL') as Shell)),
};
