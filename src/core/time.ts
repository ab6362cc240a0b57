/** UTC, second resolution, `YYYY-MM-DDTHH:MM:SSZ` — the only timestamp form agent-exec writes. */
export function formatTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export const nowTimestamp = (): string => formatTimestamp(Date.now());

/** Monotonic milliseconds, immune to wall-clock jumps. */
export const monotonicMs = (): number => Number(process.hrtime.bigint() / 1_000_000n);

/** Node's timers fire at once beyond this many ms (TimeoutOverflowWarning). */
export const MAX_TIMER_MS = 2 ** 31 - 1;
