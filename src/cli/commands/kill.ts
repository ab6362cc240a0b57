import { okEnvelope } from '../../core/envelope';
import { DEFAULT_GRACE_MS, describeKillTargets, killJob } from '../../core/ops/kill';
import { jobHoldingPort } from '../../core/ops/ports';
import { KILL_SIGNALS } from '../../core/process/signals';
import { JOB_ID_HELP, type CliCommand } from '../command';
import { portFlag } from './ports';

/** Longest accepted `--grace`: beyond this a kill is not a kill. */
const MAX_GRACE_MS = 3_600_000;

/** `--grace` in agent-exec's duration forms: `5s`, `500ms`, `2m`, or bare seconds (`2`, `0.5`). */
export function parseGraceMs(v: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(v.trim());
  if (!m) return undefined;
  const ms = Number(m[1]) * (m[2] === 'ms' ? 1 : m[2] === 'm' ? 60_000 : 1_000);
  return ms <= MAX_GRACE_MS ? Math.round(ms) : undefined;
}

export const killCommand: CliCommand = {
  spec: {
    name: 'kill',
    about: 'Send a signal to a running job and wait until its processes are gone',
    flags: [
      { name: 'signal', value: '<SIGNAL>', default: 'TERM', help: `Signal to send: ${KILL_SIGNALS.join(', ')} or a number` },
      {
        name: 'grace',
        value: '<GRACE>',
        validate: (v) => (parseGraceMs(v) === undefined ? 'expected a duration such as 5s, 500ms or 2 (seconds), at most 1h' : undefined),
        default: `${DEFAULT_GRACE_MS / 1000}s`,
        help: 'How long to wait before escalating to KILL (5s, 500ms, 2m, or seconds)',
      },
      { name: 'no-wait', help: 'Send the signal and return without waiting' },
      {
        ...portFlag('Kill the job whose processes listen on this port (refused when the listener is not a job of the store)'),
        conflictsWithPositional: '[JOB_ID]',
      },
      {
        name: 'dry-run',
        help: 'Signal nothing: list the processes the kill would signal (pid, command, age), their ports, the owner and how long the job has run',
      },
    ],
    positionals: [{ name: 'JOB_ID', required: false, jobStates: ['running'], help: JOB_ID_HELP }],
    requireOneOf: ['JOB_ID', 'port'],
  },
  run: async (args, ctx) => {
    const grace = args.str('grace');
    const port = args.str('port');
    const job = port !== undefined ? await jobHoldingPort(ctx.root, Number(port)) : args.positional('JOB_ID')!;
    if (args.bool('dry-run')) return okEnvelope('kill_preview', await describeKillTargets(ctx.root, job));
    return okEnvelope(
      'kill',
      await killJob(ctx.root, job, {
        ...(args.has('signal') ? { signal: args.str('signal')! } : {}),
        ...(grace !== undefined ? { graceMs: parseGraceMs(grace)! } : {}),
        wait: !args.bool('no-wait'),
      }),
    );
  },
};
