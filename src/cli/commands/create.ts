import { DEFAULT_SHELL_WRAPPER, parseShellWrapperFlag } from '../../core/config';
import { okEnvelope } from '../../core/envelope';
import type { JobDefinition } from '../../core/jobSpec';
import { createJob, DEFAULT_STDIN_MAX_BYTES, type CreateRequest, type StdinSource } from '../../core/ops/create';
import type { MatchStream, MatchType, ReadySpec } from '../../core/schema';
import { dedupeTags, tagProblem } from '../../core/tags';
import { UsageError, type Args, type FlagSpec } from '../args';
import { parseDurationSeconds } from '../../core/duration';
import { hasReadyCondition, READY_TIMEOUT_ALONE, regexProblem, readyPortProblem, readyUrlProblem } from '../../core/ops/ready';
import type { CliCommand, CliContext } from '../command';

/** Definition-time flags shared by `run` and `create` (agent-exec-compat.md §4.1, §4.2). */
export const DEFINITION_FLAGS: readonly FlagSpec[] = [
  { name: 'timeout', value: '<SECONDS>', default: '0', help: 'Seconds before the job is terminated (0 = none)' },
  { name: 'kill-after', value: '<SECONDS>', default: '0', help: 'Seconds between TERM and KILL on timeout' },
  { name: 'cwd', value: '<CWD>', default: 'the current directory', help: 'Working directory' },
  { name: 'env', value: '<KEY=VALUE>', multiple: true, help: 'Environment variable (repeatable)' },
  { name: 'env-file', value: '<FILE>', multiple: true, help: 'Environment file (repeatable)' },
  { name: 'inherit-env', conflicts: ['no-inherit-env'], help: 'Inherit the caller environment (the default)' },
  { name: 'no-inherit-env', help: 'Start from an empty environment' },
  { name: 'mask', value: '<KEY>', multiple: true, help: 'Hide the value of this --env key' },
  { name: 'stdin', value: '<VALUE>', conflicts: ['stdin-file'], help: "Literal stdin, or '-' for the caller's stdin" },
  { name: 'stdin-file', value: '<PATH>', help: 'File copied to the job as stdin' },
  { name: 'stdin-max-bytes', value: '<BYTES>', default: String(DEFAULT_STDIN_MAX_BYTES), help: 'Largest stdin accepted, in bytes' },
  { name: 'progress-every', value: '<SECONDS>', default: '0', help: 'Refresh updated_at every N seconds (0 = never)' },
  { name: 'notify-command', value: '<COMMAND>', help: 'Shell command run with the job.finished event' },
  { name: 'notify-file', value: '<PATH>', help: 'NDJSON file receiving the job.finished event' },
  { name: 'output-pattern', value: '<PATTERN>', help: 'Output line pattern that fires job.output.matched' },
  {
    name: 'output-match-type',
    value: '<TYPE>',
    choices: ['contains', 'regex'],
    default: 'contains',
    help: 'How --output-pattern matches a line',
  },
  {
    name: 'output-stream',
    value: '<STREAM>',
    choices: ['stdout', 'stderr', 'either'],
    default: 'either',
    help: 'Which stream --output-pattern watches',
  },
  { name: 'output-command', value: '<COMMAND>', help: 'Shell command run with each job.output.matched event on stdin' },
  { name: 'output-file', value: '<PATH>', help: 'NDJSON file receiving each job.output.matched event' },
  { name: 'config', value: '<PATH>', default: '$XDG_CONFIG_HOME/agent-exec/config.toml', help: 'config.toml path' },
  {
    name: 'shell-wrapper',
    value: '<WRAPPER>',
    default: `config [shell], else ${DEFAULT_SHELL_WRAPPER.join(' ')}`,
    help: 'Wrapper for a one-string command, e.g. "bash -lc"',
  },
  { name: 'tag', value: '<TAG>', multiple: true, validate: tagProblem, help: 'Tag (repeatable)' },
  // ours: readiness (ops/ready.ts)
  {
    name: 'ready-port',
    value: '<PORT>',
    validate: (v) => (/^\d+$/.test(v) ? readyPortProblem(Number(v)) : 'expected a port number'),
    help: 'Ready when a process of the job listens on this port',
  },
  { name: 'ready-http', value: '<URL>', validate: readyUrlProblem, help: 'Ready when this URL answers with a status below 500' },
  { name: 'ready-log', value: '<REGEX>', validate: regexProblem, help: 'Ready when a line of stdout or stderr matches' },
  {
    name: 'ready-timeout',
    value: '<DURATION>',
    validate: durationProblem,
    help: 'Not ready this long after the start (e.g. 90, 90s, 2m): ready becomes timed_out',
  },
  { name: 'ready-timeout-kill', help: 'Kill the job when its ready timeout passes' },
  // ours: input channel and attention (ops/input.ts, ops/attention.ts)
  {
    name: 'stdin-pipe',
    conflicts: ['stdin', 'stdin-file'],
    help: 'Keep stdin open as a pipe fed by send-input (a prompt blocks instead of reading end-of-file)',
  },
  { name: 'input-prompt', value: '<REGEX>', validate: regexProblem, help: 'An output line matching this is a prompt (needs_input)' },
  { name: 'stall-after', value: '<DURATION>', validate: durationProblem, help: 'No output and no CPU time this long: attention "stalled"' },
  { name: 'stall-kill', help: 'Kill the job once it is stalled' },
];

function durationProblem(v: string): string | undefined {
  try {
    return parseDurationSeconds(v) > 0 ? undefined : 'expected a positive duration';
  } catch {
    return 'expected a duration such as 90, 90s, 2m or 1h';
  }
}

/** The `--ready-*` flags as a spec; undefined when none is given. */
function readyFromArgs(args: Args): ReadySpec | undefined {
  const spec: ReadySpec = {
    ...(args.has('ready-port') ? { port: args.int('ready-port', 0) } : {}),
    ...(args.has('ready-http') ? { http: args.str('ready-http') } : {}),
    ...(args.has('ready-log') ? { log: args.str('ready-log') } : {}),
    ...(args.has('ready-timeout') ? { timeout_ms: parseDurationSeconds(args.str('ready-timeout')!) * 1000 } : {}),
    ...(args.bool('ready-timeout-kill') ? { timeout_kill: true } : {}),
  };
  if (Object.keys(spec).length === 0) return undefined;
  if (!hasReadyCondition(spec)) throw new UsageError(`error: ${READY_TIMEOUT_ALONE}`);
  return spec;
}

export const COMMAND_POSITIONAL = {
  name: 'COMMAND',
  required: true,
  variadic: true,
  help: 'The command and its arguments; a single string runs in the shell wrapper',
} as const;

function outputMatch(args: Args): JobDefinition['outputMatch'] {
  const pattern = args.str('output-pattern');
  if (pattern === undefined) return undefined;
  return {
    pattern,
    matchType: args.str('output-match-type') as MatchType | undefined,
    stream: args.str('output-stream') as MatchStream | undefined,
    command: args.str('output-command'),
    file: args.str('output-file'),
  };
}

/** The create/run request from the definition flags. */
export function createRequestFromArgs(args: Args, ctx: CliContext): CreateRequest {
  const wrapper = args.str('shell-wrapper');
  const definition: JobDefinition = {
    command: args.rest('COMMAND'),
    cwd: args.str('cwd'),
    env: args.all('env'),
    envFiles: args.all('env-file'),
    inheritEnv: !args.bool('no-inherit-env'),
    mask: args.all('mask'),
    tags: dedupeTags(args.all('tag')),
    timeoutSec: args.int('timeout', 0),
    killAfterSec: args.int('kill-after', 0),
    progressEverySec: args.int('progress-every', 0),
    notifyCommand: args.str('notify-command'),
    notifyFile: args.str('notify-file'),
    outputMatch: outputMatch(args),
    shellWrapper: wrapper !== undefined ? parseShellWrapperFlag(wrapper) : undefined,
    ready: readyFromArgs(args),
    ...(args.bool('stdin-pipe') ? { stdinPipe: true } : {}),
    ...(args.has('input-prompt') ? { inputPrompt: args.str('input-prompt') } : {}),
    ...(args.has('stall-after') ? { stallAfterMs: parseDurationSeconds(args.str('stall-after')!) * 1000 } : {}),
    ...(args.bool('stall-kill') ? { stallKill: true } : {}),
  };
  if (definition.stallKill && definition.stallAfterMs === undefined) throw new UsageError('error: --stall-kill needs --stall-after');
  const stdinValue = args.str('stdin');
  const stdinFile = args.str('stdin-file');
  let stdin: StdinSource | undefined;
  if (stdinValue === '-') stdin = { kind: 'caller', stream: ctx.stdin };
  else if (stdinValue !== undefined) stdin = { kind: 'literal', data: Buffer.from(stdinValue, 'utf8') };
  else if (stdinFile !== undefined) stdin = { kind: 'file', path: stdinFile };
  return { definition, stdin, stdinMaxBytes: args.int('stdin-max-bytes', DEFAULT_STDIN_MAX_BYTES), configPath: args.str('config') };
}

export const createCommand: CliCommand = {
  spec: { name: 'create', about: 'Define a job without starting it', flags: DEFINITION_FLAGS, positionals: [COMMAND_POSITIONAL] },
  run: async (args, ctx) => okEnvelope('create', await createJob(ctx.root, createRequestFromArgs(args, ctx), ctx)),
};
