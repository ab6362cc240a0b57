import * as path from 'node:path';
import { okEnvelope } from '../../core/envelope';
import { runJob, type AutoGcFlags, type LaunchContext, type ObserveOptions } from '../../core/ops/run';
import type { Args, FlagSpec } from '../args';
import type { CliCommand, CliContext } from '../command';
import { COMMAND_POSITIONAL, createRequestFromArgs, DEFINITION_FLAGS } from './create';

/** Inline-observation and auto-GC flags shared by `run` and `start` (contract §5.1, §8.1). */
export const LAUNCH_FLAGS: readonly FlagSpec[] = [
  { name: 'wait', optionalBool: true, help: 'Observe the job inline (default true)' },
  { name: 'until', value: '<UNTIL>', conflicts: ['forever'], help: 'Seconds to observe (default 10)' },
  { name: 'forever', help: 'Observe until the job ends or prints' },
  { name: 'no-wait', help: 'Return at once' },
  { name: 'max-bytes', value: '<MAX_BYTES>', help: 'Head bytes per stream (default 65536)' },
  { name: 'no-auto-gc', help: 'Skip auto-GC' },
  { name: 'auto-gc-older-than', value: '<AUTO_GC_OLDER_THAN>' },
  { name: 'auto-gc-max-jobs', value: '<AUTO_GC_MAX_JOBS>' },
  { name: 'auto-gc-max-bytes', value: '<AUTO_GC_MAX_BYTES>' },
];

export function observeFromArgs(args: Args): ObserveOptions {
  const maxBytes = args.int('max-bytes', 65536);
  if (args.bool('no-wait')) return { wait: false, untilSec: 0, forever: false, maxBytes };
  return { wait: args.has('wait') ? args.bool('wait') : true, untilSec: args.int('until', 10), forever: args.bool('forever'), maxBytes };
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

export const runCommand: CliCommand = {
  spec: {
    name: 'run',
    about: 'Run a command as a background job',
    flags: [...DEFINITION_FLAGS, { name: 'log', value: '<LOG>', help: 'Combined log path (default: the job full.log)' }, ...LAUNCH_FLAGS],
    positionals: [COMMAND_POSITIONAL],
  },
  run: async (args, ctx) =>
    okEnvelope(
      'run',
      await runJob(
        ctx.root,
        { ...createRequestFromArgs(args, ctx), log: args.str('log'), observe: observeFromArgs(args), autoGc: autoGcFromArgs(args) },
        cliLaunchContext(ctx),
      ),
    ),
};
