/**
 * The job event feed: `<root>/events.ndjson`, one JSON line per job state change, appended by
 * whoever changes the state (CLI, supervisor, HTTP/MCP server, VS Code extension). agent-exec
 * ignores files in the root, so the feed does not disturb it.
 *
 * Line shape (keys in this order; `exit_code`/`signal` only when the record has them):
 *   {"schema_version":"0.1","event_type":"job.state","job_id":"<id>","state":"exited","exit_code":0,"at":"2026-…Z"}
 *
 * How an agent follows it: `tail -n 0 -F "$AGENT_EXEC_ROOT/events.ndjson"` (or open the file,
 * seek to its end, and read appended lines as they come), filter on `job_id`, and stop at a
 * terminal `state` (exited, killed, failed). `-F` matters: when the feed passes
 * `EVENTS_ROTATE_BYTES` it is renamed to `events.ndjson.1` (one old generation is kept) and a
 * new file starts. Each line is written with a single O_APPEND write, so concurrent writers
 * never interleave within a line. The feed is a notification channel, not the record: a
 * writer that cannot append (read-only root, full disk) skips the line; `state.json` stays the
 * truth, so after a gap re-read `status`.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { SCHEMA_VERSION, type JobState, type JobStatus } from './schema';

export const EVENTS_FILE = 'events.ndjson';
/** Size after which the feed is rotated to `events.ndjson.1`. */
export const EVENTS_ROTATE_BYTES = 16 * 1024 * 1024;

export interface JobStateEvent {
  schema_version: string;
  event_type: 'job.state';
  job_id: string;
  state: JobStatus;
  exit_code?: number;
  signal?: string;
  /** The record's `updated_at`. */
  at: string;
}

export const eventsPath = (root: string): string => path.join(root, EVENTS_FILE);

export function stateEvent(st: JobState): JobStateEvent {
  return {
    schema_version: SCHEMA_VERSION,
    event_type: 'job.state',
    job_id: st.job.id,
    state: st.job.status,
    ...(st.result.exit_code !== null ? { exit_code: st.result.exit_code } : {}),
    ...(st.result.signal !== null ? { signal: st.result.signal } : {}),
    at: st.updated_at,
  };
}

/** Renames a feed that grew past the limit, unless another writer already did (same inode check). */
async function rotateIfLarge(file: string, handle: fs.FileHandle): Promise<void> {
  const st = await handle.stat();
  if (st.size < EVENTS_ROTATE_BYTES) return;
  const current = await fs.stat(file).catch(() => undefined);
  if (current?.ino === st.ino) await fs.rename(file, `${file}.1`);
}

/** Appends one `job.state` line to the feed of `root`. Never throws: the feed is best effort. */
export async function appendStateEvent(root: string, st: JobState): Promise<void> {
  const file = eventsPath(root);
  try {
    const handle = await fs.open(file, 'a', 0o600);
    try {
      await handle.write(`${JSON.stringify(stateEvent(st))}\n`);
      await rotateIfLarge(file, handle);
    } finally {
      await handle.close();
    }
  } catch {
    // state.json is the record; a missing feed line must never fail a state change.
  }
}
