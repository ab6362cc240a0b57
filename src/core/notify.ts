/**
 * Notification sinks (agent-exec-compat.md §7): `job.finished` and `job.output.matched` events delivered to
 * a command (event JSON on stdin) and/or an NDJSON file. Command sinks are bounded by a timeout
 * and then killed with their process group (agent-exec-compat.md §10.11).
 */
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { constants as osConstants } from 'node:os';
import { describeError } from './errors';
import { signalGroup } from './process/group';
import { SCHEMA_VERSION, type JobMeta, type JobState, type JobStatus, type MatchType } from './schema';
import type { JobPaths } from './store/jobDir';
import { writeFileAtomic, writeJsonAtomic } from './store/atomicWrite';
import { nowTimestamp } from './time';

export const SINK_TIMEOUT_MS = 30_000;

export interface DeliveryResult {
  sink_type: 'command' | 'file';
  target: string;
  success: boolean;
  error?: string;
  attempted_at: string;
}

export interface JobFinishedEvent {
  schema_version: string;
  event_type: 'job.finished';
  job_id: string;
  state: JobStatus;
  command: string[];
  cwd?: string;
  started_at?: string;
  finished_at?: string;
  duration_ms?: number;
  exit_code?: number;
  signal?: string;
  stdout_log_path: string;
  stderr_log_path: string;
}

export interface OutputMatchedEvent {
  schema_version: string;
  event_type: 'job.output.matched';
  job_id: string;
  pattern: string;
  match_type: MatchType;
  stream: 'stdout' | 'stderr';
  line: string;
  stdout_log_path: string;
  stderr_log_path: string;
}

/** The `job.finished` event, keys in agent-exec's order (agent-exec-compat.md §7.1). */
export function finishedEvent(meta: JobMeta, state: JobState, paths: JobPaths): JobFinishedEvent {
  const r = state.result;
  return {
    schema_version: SCHEMA_VERSION,
    event_type: 'job.finished',
    job_id: paths.id,
    state: state.job.status,
    command: meta.command,
    ...(meta.cwd !== undefined ? { cwd: meta.cwd } : {}),
    ...(state.job.started_at !== undefined ? { started_at: state.job.started_at } : {}),
    ...(state.finished_at !== undefined ? { finished_at: state.finished_at } : {}),
    ...(r.duration_ms !== null ? { duration_ms: r.duration_ms } : {}),
    ...(r.exit_code !== null ? { exit_code: r.exit_code } : {}),
    ...(r.signal !== null ? { signal: r.signal } : {}),
    stdout_log_path: paths.stdout,
    stderr_log_path: paths.stderr,
  };
}

function exitText(code: number | null, signal: NodeJS.Signals | null): string {
  if (signal) return `signal: ${osConstants.signals[signal]} (${signal})`;
  return `exit status: ${code}`;
}

/**
 * Runs `wrapper… <command>` with the event on stdin; success = exit 0 within `timeoutMs`,
 * otherwise the sink's whole process group is killed.
 */
export function runCommandSink(
  wrapper: readonly string[],
  command: string,
  eventJson: string,
  env: NodeJS.ProcessEnv,
  timeoutMs = SINK_TIMEOUT_MS,
): Promise<DeliveryResult> {
  const attempted_at = nowTimestamp();
  const result = (error?: string): DeliveryResult => ({
    sink_type: 'command',
    target: command,
    success: error === undefined,
    ...(error !== undefined ? { error } : {}),
    attempted_at,
  });
  if (command.trim() === '') return Promise.resolve(result('empty shell command'));
  if (wrapper.length === 0) return Promise.resolve(result('shell wrapper must not be empty'));
  return new Promise((resolve) => {
    let timedOut = false;
    const child = spawn(wrapper[0], [...wrapper.slice(1), command], {
      stdio: ['pipe', 'ignore', 'ignore'],
      env,
      detached: process.platform !== 'win32',
    });
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid) signalGroup(child.pid, 'SIGKILL');
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve(result(`spawn error: ${describeError(err)}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (timedOut) resolve(result(`timed out after ${timeoutMs} ms`));
      else resolve(code === 0 ? result() : result(`exited with status ${exitText(code, signal)}`));
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(eventJson);
  });
}

/** Appends the event as one NDJSON line (creating parent directories). */
export async function runFileSink(file: string, eventJson: string): Promise<DeliveryResult> {
  const attempted_at = nowTimestamp();
  const fail = (error: string): DeliveryResult => ({ sink_type: 'file', target: file, success: false, error, attempted_at });
  try {
    await fs.mkdir(path.dirname(path.resolve(file)), { recursive: true });
  } catch (err) {
    return fail(`create parent dir: ${describeError(err)}`);
  }
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, 'a');
  } catch (err) {
    return fail(`open error: ${describeError(err)}`);
  }
  try {
    await handle.write(`${eventJson}\n`);
  } catch (err) {
    return fail(`write error: ${describeError(err)}`);
  } finally {
    await handle.close();
  }
  return { sink_type: 'file', target: file, success: true, attempted_at };
}

const sinkEnv = (base: NodeJS.ProcessEnv, eventPath: string, jobId: string, type: string): NodeJS.ProcessEnv => ({
  ...base,
  AGENT_EXEC_EVENT_PATH: eventPath,
  AGENT_EXEC_JOB_ID: jobId,
  AGENT_EXEC_EVENT_TYPE: type,
});

/**
 * Emits `job.finished` if `meta` (re-read by the caller at finish time) asks for it:
 * `completion_event.json` before and after delivery, command sink, then file sink.
 */
export async function emitJobFinished(
  paths: JobPaths,
  meta: JobMeta,
  state: JobState,
  wrapper: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  timeoutMs = SINK_TIMEOUT_MS,
): Promise<DeliveryResult[] | undefined> {
  const n = meta.notification;
  if (!n?.notify_command && !n?.notify_file) return undefined;
  const event = finishedEvent(meta, state, paths);
  const json = JSON.stringify(event);
  await writeJsonAtomic(paths.completionEvent, { ...event, delivery_results: [] });
  const results: DeliveryResult[] = [];
  if (n.notify_command) {
    results.push(
      await runCommandSink(wrapper, n.notify_command, json, sinkEnv(env, paths.completionEvent, paths.id, 'job.finished'), timeoutMs),
    );
  }
  if (n.notify_file) results.push(await runFileSink(n.notify_file, json));
  await writeJsonAtomic(paths.completionEvent, { ...event, delivery_results: results });
  return results;
}

/** Holds the output-match event being delivered, for command sinks that read `AGENT_EXEC_EVENT_PATH`. */
export const OUTPUT_MATCH_EVENT_FILE = 'output_match_event.json';

/**
 * Delivers one `job.output.matched` event, then appends it with its delivery results to
 * `notification_events.ndjson` (also when no sink is configured). A command sink's
 * `AGENT_EXEC_EVENT_PATH` names a file that already holds this event (agent-exec-compat.md §10.11; agent-exec
 * pointed it at the NDJSON file, which did not contain the event yet).
 */
export async function emitOutputMatched(
  paths: JobPaths,
  event: OutputMatchedEvent,
  sinks: { command?: string; file?: string },
  wrapper: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  timeoutMs = SINK_TIMEOUT_MS,
): Promise<DeliveryResult[]> {
  const json = JSON.stringify(event);
  const results: DeliveryResult[] = [];
  if (sinks.command) {
    const eventPath = path.join(paths.dir, OUTPUT_MATCH_EVENT_FILE);
    await writeFileAtomic(eventPath, json);
    results.push(await runCommandSink(wrapper, sinks.command, json, sinkEnv(env, eventPath, paths.id, 'job.output.matched'), timeoutMs));
  }
  if (sinks.file) results.push(await runFileSink(sinks.file, json));
  await fs.appendFile(paths.notificationEvents, `${JSON.stringify({ ...event, delivery_results: results })}\n`, { mode: 0o600 });
  return results;
}
