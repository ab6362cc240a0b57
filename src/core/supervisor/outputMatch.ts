/**
 * Output matching (contract §7.3): each full line of the job's output checked against the
 * `on_output_match` config of meta.json, re-read when it changes (so `notify set` applies to a
 * running job), and `job.output.matched` emitted to its sinks.
 */
import { promises as fs } from 'node:fs';
import { emitOutputMatched } from '../notify';
import { SCHEMA_VERSION, type JobMeta, type OutputMatch } from '../schema';
import { readMeta, type JobPaths } from '../store/jobDir';
import { monotonicMs } from '../time';
import type { LineHandler, StreamName } from './logFollower';

/** How often the output-match config is re-read from meta.json (so `notify set` applies). */
const MATCH_CONFIG_REFRESH_MS = 250;

/** Output-match config from meta.json, refreshed at most every MATCH_CONFIG_REFRESH_MS. */
class MatchConfig {
  private cached?: OutputMatch;
  private regex?: RegExp | null;
  private checkedAt = -Infinity;
  private mtimeMs = -1;

  constructor(
    private readonly paths: JobPaths,
    initial: JobMeta,
  ) {
    this.set(initial);
  }

  private set(meta: JobMeta): void {
    const m = meta.notification?.on_output_match;
    if (m?.pattern !== this.cached?.pattern || m?.match_type !== this.cached?.match_type) this.regex = undefined;
    this.cached = m;
  }

  async current(): Promise<OutputMatch | undefined> {
    const now = monotonicMs();
    if (now - this.checkedAt >= MATCH_CONFIG_REFRESH_MS) {
      this.checkedAt = now;
      const st = await fs.stat(this.paths.meta).catch(() => undefined);
      if (st && st.mtimeMs !== this.mtimeMs) {
        this.mtimeMs = st.mtimeMs;
        const meta = await readMeta(this.paths).catch(() => undefined);
        if (meta) this.set(meta);
      }
    }
    return this.cached;
  }

  matches(m: OutputMatch, line: string): boolean {
    if (m.match_type !== 'regex') return line.includes(m.pattern);
    if (this.regex === undefined) {
      try {
        this.regex = new RegExp(m.pattern, 'u');
      } catch {
        // agent-exec: an invalid pattern never matches.
        this.regex = null;
      }
    }
    return this.regex !== null && this.regex.test(line);
  }
}

/** The line handler that emits `job.output.matched` for the lines the current config matches. */
export function outputMatcher(paths: JobPaths, meta: JobMeta, shellWrapper: string[], sinkEnv: Record<string, string>): LineHandler {
  const matchConfig = new MatchConfig(paths, meta);
  const jobId = paths.id;
  return async (stream: StreamName, line: string) => {
    const m = await matchConfig.current();
    if (!m || (m.stream !== 'either' && m.stream !== stream) || !matchConfig.matches(m, line)) return;
    await emitOutputMatched(
      paths,
      {
        schema_version: SCHEMA_VERSION,
        event_type: 'job.output.matched',
        job_id: jobId,
        pattern: m.pattern,
        match_type: m.match_type,
        stream,
        line,
        stdout_log_path: paths.stdout,
        stderr_log_path: paths.stderr,
      },
      { command: m.command, file: m.file },
      shellWrapper,
      sinkEnv,
    ).catch(() => undefined);
  };
}
