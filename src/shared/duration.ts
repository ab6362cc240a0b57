/**
 * How long a job ran, as the tree and the panel both show it: "450 ms", "1.5 s", "42 s",
 * "2m 5s", "1h 1m". Every unit is truncated, never rounded up, so a running job's duration
 * never reads "60 s" or "1m 60s" and never goes backwards as it ticks.
 */
export function formatDuration(ms: number): string {
  const whole = Math.max(0, Math.floor(ms));
  if (whole < 1000) return `${whole} ms`;
  // One decimal while it still says something (under 10 s), whole seconds after.
  if (whole < 10_000) return `${Math.floor(whole / 1000)}.${Math.floor((whole % 1000) / 100)} s`;
  const s = Math.floor(whole / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  return `${Math.floor(m / 60)}h ${m % 60}m`;
}
