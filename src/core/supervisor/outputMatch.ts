/**
 * Output matching (agent-exec-compat.md §7.3): each full line of the job's output checked against the
 * `on_output_match` config of meta.json, re-read when it changes (so `notify set` applies to a
 * running job), and `job.output.matched` emitted to its sinks.
 */
import { promises as fs } from 'node:fs';
import { emitOutputMatched } from '../notify';
import { SCHEMA_VERSION, type JobMeta, type OutputMatch } from '../schema';
import { readMeta, type JobPaths } from '../store/jobDir';
import type { LineHandler, StreamName } from './logFollower';

/**
 * Output-match config from meta.json, so that `notify set` on a running job applies to the next
 * lines of both streams. Each batch of lines the follower reads asks for it: meta.json is
 * stat()ed after those lines were read (and read again only when it changed), one check after
 * the other, so a change made before a line was written applies to that line.
 */
class MatchConfig {
  private cached?: OutputMatch;
  /** The compiled regex of `pattern` (null: invalid); a batch may still match with the previous config. */
  private regex?: { pattern: string; re: RegExp | null };
  /** inode, mtime and size of the meta.json last read. */
  private seen = '';
  private checks: Promise<void> = Promise.resolve();

  constructor(
    private readonly paths: JobPaths,
    initial: JobMeta,
  ) {
    this.cached = initial.notification?.on_output_match;
  }

  current(): Promise<OutputMatch | undefined> {
    this.checks = this.checks.then(() => this.refresh());
    return this.checks.then(() => this.cached);
  }

  private async refresh(): Promise<void> {
    const st = await fs.stat(this.paths.meta).catch(() => undefined);
    const seen = st ? `${st.ino}:${st.mtimeMs}:${st.size}` : '';
    if (!st || seen === this.seen) return;
    const meta = await readMeta(this.paths).catch(() => undefined);
    if (!meta) return;
    this.seen = seen;
    this.cached = meta.notification?.on_output_match;
  }

  matches(m: OutputMatch, line: string): boolean {
    if (m.match_type !== 'regex') return line.includes(m.pattern);
    if (this.regex?.pattern !== m.pattern) {
      let re: RegExp | null;
      try {
        re = new RegExp(m.pattern, 'u');
      } catch {
        // agent-exec: an invalid pattern never matches.
        re = null;
      }
      this.regex = { pattern: m.pattern, re };
    }
    return this.regex.re !== null && this.regex.re.test(line);
  }
}

/** The line handler that emits `job.output.matched` for the lines the current config matches. */
export function outputMatcher(paths: JobPaths, meta: JobMeta, shellWrapper: string[], sinkEnv: Record<string, string>): LineHandler {
  const matchConfig = new MatchConfig(paths, meta);
  const jobId = paths.id;
  const emit = (m: OutputMatch, stream: StreamName, line: string): Promise<unknown> =>
    emitOutputMatched(
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
  return async (stream: StreamName, lines: readonly string[]) => {
    const m = await matchConfig.current();
    if (!m || (m.stream !== 'either' && m.stream !== stream)) return;
    for (const line of lines) if (matchConfig.matches(m, line)) await emit(m, stream, line);
  };
}
