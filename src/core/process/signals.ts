/**
 * Signal names accepted by `kill --signal` (agent-exec-compat.md §4.7, §10.5). agent-exec turns every
 * unknown name into a silent SIGKILL; we accept a fixed set and refuse the rest with an
 * error that says what is accepted.
 */
import { constants } from 'node:os';
import { JobError } from '../errors';

/** The signals a job can be asked to stop with (agent-exec's completion list plus QUIT). */
export const KILL_SIGNALS = ['TERM', 'INT', 'KILL', 'HUP', 'QUIT', 'USR1', 'USR2'] as const;
export type KillSignalName = (typeof KILL_SIGNALS)[number];
/** What a kill sends when no signal is given (agent-exec's default). */
export const DEFAULT_KILL_SIGNAL: KillSignalName = 'TERM';

export interface NormalizedSignal {
  /** What agent-exec reports and records: the requested text uppercased (`term` → `TERM`, `15` → `15`). */
  label: string;
  /** Canonical short name, e.g. `TERM`. */
  name: KillSignalName;
  /** Node's name for `process.kill`, e.g. `SIGTERM`. */
  node: NodeJS.Signals;
  /** The platform's number for it (Linux: TERM = 15). */
  number: number;
}

function fromName(name: KillSignalName, label: string): NormalizedSignal {
  const node = `SIG${name}` as NodeJS.Signals;
  return { label, name, node, number: constants.signals[node] };
}

/**
 * `TERM`, `term`, `SIGTERM`, `sigterm` and `15` all mean SIGTERM. Throws `invalid_signal` for
 * anything else, including real signals outside the set (STOP, CONT, …) that would not end a job.
 */
export function normalizeSignal(input: string): NormalizedSignal {
  const label = input.trim().toUpperCase();
  const short = label.startsWith('SIG') ? label.slice(3) : label;
  const named = KILL_SIGNALS.find((n) => n === short);
  if (named) return fromName(named, label);
  if (/^\d+$/.test(label)) {
    const byNumber = KILL_SIGNALS.find((n) => constants.signals[`SIG${n}` as NodeJS.Signals] === Number(label));
    if (byNumber) return fromName(byNumber, label);
  }
  const accepted = KILL_SIGNALS.map((n) => `${n} (${constants.signals[`SIG${n}` as NodeJS.Signals]})`).join(', ');
  throw new JobError(
    'invalid_signal',
    `invalid signal '${input}': use one of ${accepted}; names may be lowercase or carry a SIG prefix (e.g. term, SIGTERM)`,
    { signal: input, accepted: [...KILL_SIGNALS] },
  );
}
