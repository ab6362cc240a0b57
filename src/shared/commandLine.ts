/**
 * A job's command as one line of text, for the tree, the panel, notifications and
 * confirmations: a one-element command is a shell command line (run through the shell wrapper)
 * and shows as is; an argv is joined with shell-style quoting, so the exact argv can be read back.
 */
export function commandLine(command: readonly string[]): string {
  return command.length === 1 ? command[0] : command.map(quoteArg).join(' ');
}

/** One argument quoted for a POSIX shell; left bare when it holds nothing the shell would read. */
export function quoteArg(arg: string): string {
  if (arg !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}
