/**
 * Help texts, generated from the same flag and positional declarations the parser uses (one
 * home): the global usage, `<subcommand> --help` / `help <subcommand>`, and the "did you mean"
 * hint for a misspelled subcommand.
 */
import { GLOBAL_FLAGS, placeholder, type CommandSpec, type FlagSpec, type PositionalSpec } from './args';
import type { CliCommand } from './command';

const HELP_FLAG: FlagSpec = { name: 'help', short: 'h', help: 'Print help' };

export function mainHelp(commands: readonly CliCommand[]): string {
  const visible = commands.filter((c) => !c.spec.hidden);
  const width = Math.max(...visible.map((c) => c.spec.name.length)) + 2;
  const lines = ['Non-interactive agent job runner', '', 'Usage: agent-exec [OPTIONS] <COMMAND>', '', 'Commands:'];
  for (const c of visible) lines.push(`  ${c.spec.name.padEnd(width)}${c.spec.about}`);
  lines.push(`  ${'help'.padEnd(width)}Print this message or the help of the given subcommand`);
  lines.push('', 'Options:', ...table([...GLOBAL_FLAGS, HELP_FLAG, { name: 'version', short: 'V', help: 'Print version' }].map(flagRow)));
  lines.push('', "Run 'agent-exec <COMMAND> --help' for a subcommand's flags.");
  return `${lines.join('\n')}\n`;
}

const positionalUsage = (p: PositionalSpec) => `${p.required ? `<${p.name}>` : `[${p.name}]`}${p.variadic ? '...' : ''}`;

function flagRow(f: FlagSpec): [string, string] {
  const short = f.short ? `-${f.short}, ` : '    ';
  const name = f.optionalBool ? `--${f.name}[=<true|false>]` : placeholder(f);
  const notes = [
    f.help ?? '',
    f.multiple && f.value ? '(repeatable)' : '',
    f.default !== undefined ? `[default: ${f.default}]` : '',
    f.choices ? `[possible values: ${f.choices.join(', ')}]` : '',
  ];
  return [`${short}${name}`, notes.filter((n) => n && !(n === '(repeatable)' && /repeat/i.test(f.help ?? ''))).join(' ')];
}

function table(rows: [string, string][]): string[] {
  const width = Math.max(...rows.map(([l]) => l.length)) + 2;
  return rows.map(([l, r]) => `  ${l.padEnd(width)}${r}`.trimEnd());
}

export function commandHelp(spec: CommandSpec): string {
  const variadic = spec.positionals.some((p) => p.variadic);
  // Global flags make [OPTIONS] apply to every subcommand.
  const usage = ['agent-exec', spec.name, '[OPTIONS]', variadic ? '[--]' : '', ...spec.positionals.map(positionalUsage)].filter(Boolean);
  const lines = [spec.about, '', `Usage: ${usage.join(' ')}`];
  if (spec.aliases?.length) lines.push(`Alias: ${spec.aliases.join(', ')}`);
  if (spec.positionals.length > 0) {
    lines.push('', 'Arguments:');
    lines.push(
      ...table(
        spec.positionals.map((p) => [
          positionalUsage(p),
          [p.help ?? '', p.choices ? `[possible values: ${p.choices.join(', ')}]` : ''].filter(Boolean).join(' '),
        ]),
      ),
    );
  }
  // A subcommand's own --root (tag set, notify set) replaces the global one.
  const globals = GLOBAL_FLAGS.filter((g) => !spec.flags.some((f) => f.name === g.name));
  lines.push('', 'Options:', ...table([...spec.flags, ...globals, HELP_FLAG].map(flagRow)));
  return `${lines.join('\n')}\n`;
}

/** Edit distance (insert, delete, substitute, swap two neighbours). */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/** The visible subcommand closest to `word` (its first word), if it is close enough to be a typo. */
export function nearestCommand(word: string, commands: readonly CliCommand[]): string | undefined {
  const names = [...commands.filter((c) => !c.spec.hidden).flatMap((c) => [c.spec.name, ...(c.spec.aliases ?? [])]), 'help'];
  let best: { name: string; d: number } | undefined;
  for (const name of names) {
    const d = distance(word, name.split(' ')[0]);
    if (!best || d < best.d) best = { name, d };
  }
  return best && best.d <= Math.max(1, Math.floor(best.name.length / 3)) ? best.name : undefined;
}
