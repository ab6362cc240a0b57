import { okEnvelope } from '../../core/envelope';
import { killJob } from '../../core/ops/kill';
import { KILL_SIGNALS } from '../../core/process/signals';
import type { CliCommand } from '../command';

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
      { name: 'signal', value: '<SIGNAL>', help: `Signal to send: ${KILL_SIGNALS.join(', ')} or a number [default: TERM]` },
      {
        name: 'grace',
        value: '<GRACE>',
        validate: (v) => (parseGraceMs(v) === undefined ? 'expected a duration such as 5s, 500ms or 2 (seconds), at most 1h' : undefined),
        help: 'How long to wait before escalating to KILL [default: 5s]',
      },
      { name: 'no-wait', help: 'Send the signal and return without waiting' },
    ],
    positionals: [{ name: 'JOB_ID', required: true }],
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
