/**
 * `agent-exec` CLI: argv → one subcommand → exactly one envelope on stdout (agent-exec-compat.md §4).
 * Exit codes: 0 success, 1 error envelope, 2 usage error (stdout left empty).
 */
import { errorEnvelope } from '../core/envelope';
import { resolveRoot } from '../core/store/root';
import { Args, parseCommand, UsageError } from './args';
import { RawOutput, type CliCommand, type CliContext } from './command';
import { COMMANDS } from './commands';
import { completionRequest, printCandidates } from './completion';
import { commandHelp, mainHelp, nearestCommand } from './help';
import { formatEnvelope } from './output';
import { VERSION } from './version';

const usageText = () => mainHelp(COMMANDS);

/** A subcommand that does not exist: exit 2 with the nearest one, if any, and where help is. */
function unknownSubcommand(word: string): string {
  const near = nearestCommand(word, COMMANDS);
  const hint = near ? `\n\n\tDid you mean '${near}'?` : '';
  return `error: The subcommand '${word}' wasn't recognized${hint}\n\nUsage: agent-exec [OPTIONS] <COMMAND>\n\nFor more information try '--help'\n`;
}

function findCommand(argv: string[]): { command: CliCommand; rest: string[] } | undefined {
  const [first, second] = argv;
  for (const c of COMMANDS) {
    const names = [c.spec.name, ...(c.spec.aliases ?? [])];
    if (names.includes(first)) return { command: c, rest: argv.slice(1) };
    // Two-word subcommands: `tag set`, `notify set`.
    if (names.includes(`${first} ${second}`)) return { command: c, rest: argv.slice(2) };
  }
  return undefined;
}

export async function main(argv: string[], io = { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin }): Promise<number> {
  // Shell completion (the registration script calls back with COMPLETE=<shell>, agent-exec-compat.md §4.0).
  const completion = completionRequest(argv, process.env);
  if (completion) {
    io.stdout.write(await printCandidates(completion, COMMANDS, { cwd: process.cwd(), env: process.env }));
    return 0;
  }
  const globals = new Map<string, string[]>();
  // Global flags before the subcommand.
  let i = 0;
  for (; i < argv.length; i++) {
    const tok = argv[i];
    if (tok === '--version' || tok === '-V') {
      io.stdout.write(`${VERSION}\n`);
      return 0;
    }
    if (tok === '--help' || tok === '-h') {
      io.stdout.write(usageText());
      return 0;
    }
    if (!tok.startsWith('-')) break;
    if (tok === '--root') globals.set('root', [argv[++i] ?? '']);
    else if (tok.startsWith('--root=')) globals.set('root', [tok.slice(7)]);
    else if (tok === '--yaml') globals.set('yaml', ['true']);
    else if (/^-v+$/.test(tok) || tok === '--verbose') continue;
    else {
      io.stderr.write(`error: Found argument '${tok}' which wasn't expected, or isn't valid in this context\n`);
      return 2;
    }
  }
  if (argv[i] === 'help') {
    const topic = argv.slice(i + 1);
    if (topic.length === 0) {
      io.stdout.write(usageText());
      return 0;
    }
    const sub = findCommand(topic);
    if (!sub || sub.command.spec.hidden) {
      io.stderr.write(unknownSubcommand(topic[0]));
      return 2;
    }
    io.stdout.write(commandHelp(sub.command.spec));
    return 0;
  }
  const found = i < argv.length ? findCommand(argv.slice(i)) : undefined;
  if (!found) {
    if (i < argv.length) io.stderr.write(unknownSubcommand(argv[i]));
    else io.stderr.write(usageText());
    return 2;
  }
  let yaml = globals.has('yaml');
  try {
    if (found.rest.includes('--help') || found.rest.includes('-h')) {
      const dd = found.rest.indexOf('--');
      const h = Math.max(found.rest.indexOf('--help'), found.rest.indexOf('-h'));
      if (dd < 0 || h < dd) {
        io.stdout.write(commandHelp(found.command.spec));
        return 0;
      }
    }
    const parsed = parseCommand(found.command.spec, found.rest, globals);
    yaml = globals.has('yaml');
    const args = new Args(parsed, globals);
    const ctx: CliContext = {
      root: resolveRoot(args.str('root') ?? globals.get('root')?.at(-1)),
      cwd: process.cwd(),
      env: process.env,
      stdin: io.stdin,
    };
    const envelope = await found.command.run(args, ctx);
    io.stdout.write(envelope instanceof RawOutput ? envelope.text : formatEnvelope(envelope, yaml));
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`${err.message}\n\nFor more information try '--help'\n`);
      return 2;
    }
    io.stdout.write(formatEnvelope(errorEnvelope(err), yaml));
    return 1;
  }
}

/** Runs the CLI as the program (dist/cli.js, launcher.ts, calls it): the exit code is main's. */
export function runProgram(): void {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      process.stderr.write(`${(err as Error).stack ?? err}\n`);
      process.exitCode = 1;
    },
  );
}
