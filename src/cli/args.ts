/**
 * A small declarative argv parser that reproduces the clap behaviour agent-exec 0.2.3 users
 * depend on: global flags anywhere, `--flag value` and `--flag=value`, a trailing variadic
 * command after the first positional or `--`, conflicts, choices, and clap's error texts.
 * Usage errors are thrown as `UsageError` (exit 2, empty stdout).
 */

import type { JobStatus } from '../core/schema';

export class UsageError extends Error {
  override name = 'UsageError';
}

export interface FlagSpec {
  /** Long name without dashes, e.g. `until`. */
  name: string;
  short?: string;
  /** Placeholder shown in errors (`<UNTIL>`); absent for boolean switches. */
  value?: string;
  multiple?: boolean;
  choices?: readonly string[];
  /** Returns an error text for an invalid value (clap "Invalid value" form). */
  validate?: (v: string) => string | undefined;
  conflicts?: readonly string[];
  /** Whether a positional conflicts with this flag, named as clap prints it (`[JOB_ID]`). */
  conflictsWithPositional?: string;
  /** Boolean flag that may take an optional explicit `true`/`false` value (`--wait false`). */
  optionalBool?: boolean;
  help?: string;
  /** The value used when the flag is absent, as `--help` shows it. */
  default?: string;
}

export interface PositionalSpec {
  name: string;
  required: boolean;
  /** Takes every remaining token (the trailing command). */
  variadic?: boolean;
  choices?: readonly string[];
  /** A job id: shell completion offers the caller's jobs in these states ('any' = every state). */
  jobStates?: 'any' | readonly JobStatus[];
  help?: string;
}

export interface CommandSpec {
  name: string;
  aliases?: readonly string[];
  about: string;
  flags: readonly FlagSpec[];
  positionals: readonly PositionalSpec[];
  hidden?: boolean;
  /** Requires at least one of these (flag names or positional names). */
  requireOneOf?: readonly string[];
}

export interface ParsedArgs {
  flags: Map<string, string[]>;
  positionals: Map<string, string[]>;
}

export const GLOBAL_FLAGS: readonly FlagSpec[] = [
  { name: 'root', value: '<ROOT>', help: 'Job store root' },
  { name: 'yaml', help: 'Print YAML instead of JSON' },
  { name: 'verbose', short: 'v', multiple: true, help: 'More logs on stderr' },
];

export const placeholder = (f: FlagSpec) => (f.value ? `--${f.name} ${f.value}` : `--${f.name}`);
const unexpected = (tok: string) => new UsageError(`error: Found argument '${tok}' which wasn't expected, or isn't valid in this context`);

export function findFlag(specs: readonly FlagSpec[], token: string): FlagSpec | undefined {
  if (token.startsWith('--')) return specs.find((f) => f.name === token.slice(2));
  if (/^-[A-Za-z]$/.test(token)) return specs.find((f) => f.short === token.slice(1));
  return undefined;
}

function addValue(out: Map<string, string[]>, spec: FlagSpec, value: string): void {
  if (spec.choices && !spec.choices.includes(value)) {
    throw new UsageError(`error: '${value}' isn't a valid value for '${placeholder(spec)}'`);
  }
  const problem = spec.validate?.(value);
  if (problem) throw new UsageError(`error: Invalid value '${value}' for '${placeholder(spec)}': ${problem}`);
  const list = out.get(spec.name) ?? [];
  if (list.length > 0 && !spec.multiple && spec.value) {
    throw new UsageError(`error: The argument '${placeholder(spec)}' was provided more than once, but cannot be used multiple times`);
  }
  list.push(value);
  out.set(spec.name, list);
}

/**
 * Parses `tokens` (everything after the subcommand name) against `spec` plus the global flags.
 */
export function parseCommand(spec: CommandSpec, tokens: readonly string[], globals: Map<string, string[]>): ParsedArgs {
  const flags = new Map<string, string[]>();
  const positionals = new Map<string, string[]>();
  let posIndex = 0;
  let rest = false;
  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i];
    const pos = spec.positionals[posIndex];
    if (rest || tok === '-' || !tok.startsWith('-') || tok.length === 1) {
      if (!pos) throw unexpected(tok);
      if (pos.choices && !pos.choices.includes(tok)) {
        throw new UsageError(`error: '${tok}' isn't a valid value for '<${pos.name}>'\n\t[possible values: ${pos.choices.join(', ')}]`);
      }
      positionals.set(pos.name, [...(positionals.get(pos.name) ?? []), tok]);
      if (pos.variadic) rest = true;
      else posIndex++;
      continue;
    }
    if (tok === '--') {
      rest = true;
      if (!pos) throw unexpected(tok);
      // From here on every token is positional; a variadic positional takes them all.
      continue;
    }
    const eq = tok.startsWith('--') ? tok.indexOf('=') : -1;
    const name = eq > 0 ? tok.slice(0, eq) : tok;
    const own = findFlag(spec.flags, name);
    const global = own ? undefined : findFlag(GLOBAL_FLAGS, name);
    const f = own ?? global;
    if (!f) throw unexpected(name);
    const target = own ? flags : globals;
    if (f.optionalBool) {
      // agent-exec: `--wait` takes a following true/false as its value (anywhere before the
      // command); bare, it means true (its argv rewrite, docs/agent-exec-compat.md §5.1).
      const given = eq > 0 ? tok.slice(eq + 1) : /^(true|false)$/i.test(tokens[i + 1] ?? '') ? tokens[++i] : undefined;
      const v = given ?? 'true';
      if (!/^(true|false)$/i.test(v)) throw new UsageError(`error: '${v}' isn't a valid value for '${placeholder(f)}'`);
      target.set(f.name, [v.toLowerCase()]);
      continue;
    }
    if (!f.value) {
      if (eq > 0) throw unexpected(tok);
      target.set(f.name, [...(target.get(f.name) ?? []), 'true']);
      continue;
    }
    let value: string | undefined;
    if (eq > 0) value = tok.slice(eq + 1);
    else if (i + 1 < tokens.length) value = tokens[++i];
    if (value === undefined) {
      throw new UsageError(`error: The argument '${placeholder(f)}' requires a value but none was supplied`);
    }
    addValue(target, f, value);
  }
  for (const f of spec.flags) {
    const given = flags.has(f.name);
    if (!given) continue;
    for (const other of f.conflicts ?? []) {
      if (flags.has(other)) {
        const o = spec.flags.find((x) => x.name === other)!;
        throw new UsageError(`error: The argument '${placeholder(f)}' cannot be used with '${placeholder(o)}'`);
      }
    }
    if (f.conflictsWithPositional && positionals.size > 0) {
      throw new UsageError(`error: The argument '${placeholder(f)}' cannot be used with '${f.conflictsWithPositional}'`);
    }
  }
  const missing = spec.positionals.filter((p) => p.required && !positionals.has(p.name));
  if (missing.length > 0) {
    throw new UsageError(`error: The following required arguments were not provided:\n    <${missing.map((p) => p.name).join('> <')}>`);
  }
  if (spec.requireOneOf && !spec.requireOneOf.some((n) => flags.has(n) || positionals.has(n))) {
    throw new UsageError(`error: The following required arguments were not provided:\n    <${spec.requireOneOf.join('|')}>`);
  }
  return { flags, positionals };
}

/** Typed accessors over parsed flags. */
export class Args {
  constructor(
    private readonly parsed: ParsedArgs,
    readonly globals: Map<string, string[]>,
  ) {}
  has(name: string): boolean {
    return this.parsed.flags.has(name);
  }
  str(name: string): string | undefined {
    return this.parsed.flags.get(name)?.at(-1);
  }
  all(name: string): string[] {
    return this.parsed.flags.get(name) ?? [];
  }
  bool(name: string): boolean {
    return this.str(name) === 'true';
  }
  /** Non-negative integer flag; clap rejects anything else with exit 2. */
  int(name: string, fallback: number): number {
    const v = this.str(name);
    if (v === undefined) return fallback;
    if (!/^\d+$/.test(v) || !Number.isSafeInteger(Number(v))) {
      throw new UsageError(`error: Invalid value '${v}' for '--${name}': invalid digit found in string`);
    }
    return Number(v);
  }
  positional(name: string): string | undefined {
    return this.parsed.positionals.get(name)?.[0];
  }
  rest(name: string): string[] {
    return this.parsed.positionals.get(name) ?? [];
  }
}
