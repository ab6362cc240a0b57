import * as path from 'node:path';
import { okEnvelope } from '../../core/envelope';
import { DEFAULT_OLDER_THAN } from '../../core/ops/gc';
import type { CreateRequest } from '../../core/ops/create';
import { singletonKeyProblem } from '../../core/ops/singleton';
import { DEFAULT_OBSERVE, runJob, type AutoGcFlags, type InlineResult, type LaunchContext, type ObserveOptions } from '../../core/ops/run';
import { UsageError, type Args, type FlagSpec } from '../args';
import { NO_READY_CONDITION } from '../../core/ops/ready';
import { JOB_ID_HELP, type CliCommand, type CliContext } from '../command';
import type { JobStatus } from '../../core/schema';
import type { StartRequest } from '../../core/ops/start';
import { COMMAND_POSITIONAL, createRequestFromArgs, DEFINITION_FLAGS } from './create';

/** Inline-observation and auto-GC flags shared by `run` and `start` (agent-exec-compat.md §5.1, §8.1). */
export const LAUNCH_FLAGS: readonly FlagSpec[] = [
  { name: 'wait', optionalBool: true, default: 'true', help: 'Observe the job inline' },
  {
    name: 'until',
    value: '<UNTIL>',
    conflicts: ['forever'],
    default: String(DEFAULT_OBSERVE.untilSec),
    help: 'Seconds to observe: return at the first output or exit, or after this long',
  },
  { name: 'forever', help: 'Observe without a deadline, until the job prints or ends' },
  { name: 'no-wait', help: 'Return at once, without observing' },
  { name: 'max-bytes', value: '<MAX_BYTES>', default: String(DEFAULT_OBSERVE.maxBytes), help: 'Head bytes per stream in the answer' },
  { name: 'no-auto-gc', help: 'Skip the auto-GC run after the launch' },
  {
    name: 'auto-gc-older-than',
    value: '<AUTO_GC_OLDER_THAN>',
    default: `config [gc] older_than, else ${DEFAULT_OLDER_THAN}`,
    help: 'Auto-GC retention, e.g. 30d, 24h',
  },
  { name: 'auto-gc-max-jobs', value: '<AUTO_GC_MAX_JOBS>', help: 'Auto-GC: among expired jobs keep only the newest N' },
  { name: 'auto-gc-max-bytes', value: '<AUTO_GC_MAX_BYTES>', help: 'Auto-GC: delete oldest expired jobs until at most N bytes remain' },
  {
    name: 'wait-ready',
    conflicts: ['no-wait'],
    help: 'Observe until the job is ready (or ends, or --until passes) instead of its first output',
  },
];

const hasReadyFlags = (args: Args): boolean => ['ready-port', 'ready-http', 'ready-log'].some((f) => args.has(f));

export function observeFromArgs(args: Args): ObserveOptions {
  const maxBytes = args.int('max-bytes', DEFAULT_OBSERVE.maxBytes);
  if (args.bool('no-wait')) return { wait: false, untilSec: 0, forever: false, maxBytes };
  return {
    wait: args.has('wait') ? args.bool('wait') : true,
    untilSec: args.int('until', DEFAULT_OBSERVE.untilSec),
    forever: args.bool('forever'),
    maxBytes,
    untilReady: args.bool('wait-ready'),
  };
}

export function autoGcFromArgs(args: Args): AutoGcFlags {
  return {
    disabled: args.bool('no-auto-gc'),
    olderThan: args.str('auto-gc-older-than'),
    maxJobs: args.has('auto-gc-max-jobs') ? args.int('auto-gc-max-jobs', 0) : undefined,
    maxBytes: args.has('auto-gc-max-bytes') ? args.int('auto-gc-max-bytes', 0) : undefined,
  };
}

/** The CLI launches supervisors with its own Node and the bundled `dist/supervisor.js`. */
export function cliLaunchContext(ctx: CliContext): LaunchContext {
  return {
    cwd: ctx.cwd,
    env: ctx.env,
    runtime: { execPath: process.execPath, script: path.join(__dirname, 'supervisor.js'), env: ctx.env, cwd: ctx.cwd },
    warn: (message) => process.stderr.write(`warn: ${message}\n`),
  };
}

const singletonRequest = (req: CreateRequest, key: string | undefined): CreateRequest =>
  key === undefined ? req : { ...req, definition: { ...req.definition, singleton: key } };

export const runCommand: CliCommand = {
  spec: {
    name: 'run',
    about: 'Run a command as a background job',
    flags: [
      ...DEFINITION_FLAGS,
      { name: 'log', value: '<LOG>', default: "the job's full.log", help: 'Combined log path' },
      ...LAUNCH_FLAGS,
      {
        name: 'singleton',
        value: '<KEY>',
        validate: singletonKeyProblem,
        help: 'Return the running job started with this key (reused: true) instead of starting another',
      },
    ],
    positionals: [COMMAND_POSITIONAL],
  },
  run: async (args, ctx) => {
    // Without a condition there is nothing to wait for: refused rather than answered "running" as if ready.
    if (args.bool('wait-ready') && !hasReadyFlags(args)) throw new UsageError(`error: --wait-ready ${NO_READY_CONDITION}`);
    return okEnvelope(
      'run',
      await runJob(
        ctx.root,
        {
          ...singletonRequest(createRequestFromArgs(args, ctx), args.str('singleton')),
          log: args.str('log'),
          observe: observeFromArgs(args),
          autoGc: autoGcFromArgs(args),
        },
        cliLaunchContext(ctx),
      ),
    );
  },
};

/** `start` and `rerun`: launch an existing job (by id) with the inline-observation flags. */
export function launchExistingCommand(
  name: string,
  about: string,
  jobStates: readonly JobStatus[],
  launch: (root: string, id: string, req: StartRequest, ctx: LaunchContext) => Promise<InlineResult>,
): CliCommand {
  return {
    spec: { name, about, flags: LAUNCH_FLAGS, positionals: [{ name: 'JOB_ID', required: true, jobStates, help: JOB_ID_HELP }] },
    run: async (args, ctx) =>
      okEnvelope(
        name,
        await launch(
          ctx.root,
          args.positional('JOB_ID')!,
          { observe: observeFromArgs(args), autoGc: autoGcFromArgs(args) },
          cliLaunchContext(ctx),
        ),
      ),
  };
}
