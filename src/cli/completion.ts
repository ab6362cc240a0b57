/**
 * Shell completion. `completions <shell>` prints a registration script; the script calls the CLI
 * back with `COMPLETE=<shell>` and the words typed so far (`agent-exec -- agent-exec kill 3f`),
 * the way agent-exec's clap_complete does (agent-exec-compat.md §4.0), and the CLI prints one candidate a
 * line. Job-id arguments complete from the job store: the caller's directory's jobs in the
 * states the subcommand accepts (agent-exec-compat.md §4.13), running jobs first.
 */
import { findFlag, GLOBAL_FLAGS, type CommandSpec, type FlagSpec } from './args';
import type { CliCommand } from './command';
import { canonicalCwd, listJobs } from '../core/ops/list';
import { resolveRoot } from '../core/store/root';

export const SHELLS = ['bash', 'zsh', 'fish', 'powershell'] as const;
export type Shell = (typeof SHELLS)[number];

const isShell = (v: string | undefined): v is Shell => (SHELLS as readonly (string | undefined)[]).includes(v);

export interface CompletionRequest {
  shell: Shell;
  /** The command line up to the word being completed (the last one, possibly empty); words[0] is the program. */
  words: string[];
}

/** A completion call-back, or undefined for an ordinary invocation. */
export function completionRequest(argv: readonly string[], env: NodeJS.ProcessEnv): CompletionRequest | undefined {
  if (!isShell(env.COMPLETE)) return undefined;
  return { shell: env.COMPLETE, words: argv[0] === '--' ? argv.slice(1) : [...argv] };
}

/** The registration script for `shell`: it defines the completion function and registers it for `agent-exec`. */
export function registrationScript(shell: Shell): string {
  switch (shell) {
    case 'bash':
      return `# agent-exec completion for bash: source it, e.g. from ~/.bashrc:
#   source <(agent-exec completions bash)
_agent_exec() {
    local IFS=$'\\n'
    COMPREPLY=($(COMPLETE=bash "\${COMP_WORDS[0]}" -- "\${COMP_WORDS[@]:0:COMP_CWORD+1}" 2>/dev/null))
}
complete -o nosort -o default -F _agent_exec agent-exec 2>/dev/null || complete -o default -F _agent_exec agent-exec
`;
    case 'zsh':
      return `#compdef agent-exec
# agent-exec completion for zsh: source it, e.g. from ~/.zshrc (after compinit):
#   source <(agent-exec completions zsh)
_agent_exec() {
    local -a candidates
    candidates=("\${(@f)$(COMPLETE=zsh "\${words[1]}" -- "\${(@)words[1,CURRENT]}" 2>/dev/null)}")
    candidates=(\${candidates:#})
    (( \${#candidates} )) && compadd -V agent-exec -- "\${candidates[@]}" || _files
}
compdef _agent_exec agent-exec
`;
    case 'fish':
      return `# agent-exec completion for fish: save it as ~/.config/fish/completions/agent-exec.fish
#   agent-exec completions fish > ~/.config/fish/completions/agent-exec.fish
function __agent_exec_complete
    set -l words (commandline -opc) (commandline -ct)
    env COMPLETE=fish $words[1] -- $words 2>/dev/null
end
complete -c agent-exec -k -a '(__agent_exec_complete)'
`;
    case 'powershell':
      return `# agent-exec completion for PowerShell: add it to your $PROFILE
#   agent-exec completions powershell | Out-String | Invoke-Expression
Register-ArgumentCompleter -Native -CommandName agent-exec -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)
    $words = @($commandAst.CommandElements | Where-Object { $_.Extent.EndOffset -le $cursorPosition } | ForEach-Object { $_.ToString() })
    if ($wordToComplete -eq '') { $words += '' }
    $previous = $env:COMPLETE
    $env:COMPLETE = 'powershell'
    try { $candidates = & $words[0] @words 2>$null } finally { $env:COMPLETE = $previous }
    $candidates | ForEach-Object { [System.Management.Automation.CompletionResult]::new($_, $_, 'ParameterValue', $_) }
}
`;
  }
}

const flagNames = (flags: readonly FlagSpec[]) => flags.flatMap((f) => [`--${f.name}`, ...(f.short ? [`-${f.short}`] : [])]);

interface Scope {
  cwd: string;
  env: NodeJS.ProcessEnv;
}

/** The ids of the caller's jobs in `states`, running jobs first, then newest first. */
async function jobCandidates(root: string, states: CommandSpec['positionals'][number]['jobStates'], scope: Scope): Promise<string[]> {
  const { jobs } = await listJobs(root, { cwd: canonicalCwd(scope.cwd), limit: 0, live: false });
  const wanted = jobs.filter((j) => states === 'any' || (states ?? []).some((s) => s === j.state));
  return [...wanted.filter((j) => j.state === 'running'), ...wanted.filter((j) => j.state !== 'running')].map((j) => j.job_id);
}

/** Candidates for the last word of `words` (without the program name). */
async function candidates(words: readonly string[], commands: readonly CliCommand[], scope: Scope): Promise<string[]> {
  const current = words.at(-1) ?? '';
  const before = words.slice(0, -1);
  let root: string | undefined;
  const visible = commands.filter((c) => !c.spec.hidden);
  // Global flags before the subcommand.
  let i = 0;
  for (; i < before.length && before[i].startsWith('-'); i++) {
    if (before[i] === '--root') root = before[++i];
    else if (before[i].startsWith('--root=')) root = before[i].slice('--root='.length);
  }
  if (i > before.length) return []; // completing the value of --root: the shell's file completion
  if (i === before.length) {
    if (current.startsWith('-')) return [...flagNames(GLOBAL_FLAGS), '--help', '--version'];
    return [...new Set([...visible.flatMap((c) => [c.spec.name.split(' ')[0], ...(c.spec.aliases ?? [])]), 'help'])];
  }
  const first = before[i];
  if (first === 'help') return i + 1 === before.length ? [...new Set(visible.map((c) => c.spec.name.split(' ')[0]))] : [];
  const command =
    visible.find((c) => [c.spec.name, ...(c.spec.aliases ?? [])].includes(first)) ??
    visible.find((c) => c.spec.name === `${first} ${before[i + 1]}`);
  if (!command) {
    // The second word of a two-word subcommand (`tag set`, `notify set`).
    return i + 1 === before.length ? visible.filter((c) => c.spec.name.startsWith(`${first} `)).map((c) => c.spec.name.split(' ')[1]) : [];
  }
  const spec = command.spec;
  const flags = [...spec.flags, ...GLOBAL_FLAGS];
  let positional = 0;
  let rest = false;
  for (let j = i + spec.name.split(' ').length; j < before.length; j++) {
    const w = before[j];
    if (rest || !w.startsWith('-') || w === '-') {
      if (!spec.positionals[positional]?.variadic) positional++;
      else rest = true;
      continue;
    }
    if (w === '--') {
      rest = true;
      continue;
    }
    const flag = findFlag(flags, w);
    if (w.startsWith('--root=')) root = w.slice('--root='.length);
    if (!flag?.value) continue;
    if (j + 1 === before.length) return flag.choices ? [...flag.choices] : []; // completing this flag's value
    if (flag.name === 'root') root = before[j + 1];
    j++;
  }
  if (current.startsWith('-') && !rest) return [...flagNames(flags), '--help'];
  // Past the last positional (`kill <id> <TAB>`) nothing more is accepted.
  const pos = spec.positionals.at(positional);
  if (!pos || (rest && !pos.variadic)) return [];
  if (pos.choices) return [...pos.choices];
  if (pos.jobStates) return jobCandidates(resolveRoot(root, scope.env), pos.jobStates, scope);
  return [];
}

/** What a completion call-back prints: the registration script when no words were given, else the candidates. */
export async function printCandidates(req: CompletionRequest, commands: readonly CliCommand[], scope: Scope): Promise<string> {
  if (req.words.length === 0) return registrationScript(req.shell);
  const current = req.words.at(-1) ?? '';
  // Best effort: an unreadable store offers nothing rather than an error in the middle of a line.
  const all = await candidates(req.words.slice(1), commands, scope).catch(() => []);
  return all
    .filter((c) => c.startsWith(current))
    .map((c) => `${c}\n`)
    .join('');
}
