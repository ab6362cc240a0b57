/**
 * gc retention durations (agent-exec-compat.md §8.1): an integer followed by `d`, `h`, `m`, `s` or nothing
 * (seconds), surrounding whitespace ignored, case-sensitive.
 */
import { JobError } from './errors';

const UNIT_SECONDS: Record<string, number> = { d: 86_400, h: 3_600, m: 60, s: 1, '': 1 };

/** Seconds in `text`, or an `internal_error` with agent-exec's message. */
export function parseDurationSeconds(text: string): number {
  const m = /^(\d+)([dhms]?)$/.exec(text.trim());
  const seconds = m ? Number(m[1]) * UNIT_SECONDS[m[2]] : NaN;
  if (!Number.isSafeInteger(seconds)) {
    throw new JobError('internal_error', `invalid duration: ${text}; expected formats: 30d, 24h, 60m, 3600s`);
  }
  return seconds;
}
