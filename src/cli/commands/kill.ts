import { okEnvelope } from '../../core/envelope';
import { DEFAULT_GRACE_MS, killJob } from '../../core/ops/kill';
import { KILL_SIGNALS } from '../../core/process/signals';
import { JOB_ID_HELP, type CliCommand } from '../command';

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
    ],
    positionals: [{ name: 'JOB_ID', required: true, jobStates: ['running'], help: JOB_ID_HELP }],
  },
  run: async (args, ctx) => {
    const grace = args.str('grace');
    return okEnvelope(
      'kill',
      await killJob(ctx.root, args.positional('JOB_ID')!, {
        ...(args.has('signal') ? { signal: args.str('signal')! } : {}),
        ...(grace !== undefined ? { graceMs: parseGraceMs(grace)! } : {}),
        wait: !args.bool('no-wait'),
      }),
    );
  },
};
