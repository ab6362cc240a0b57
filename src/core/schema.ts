/**
 * On-disk and wire shapes of agent-exec 0.2.3 (agent-exec-compat.md §2, §4). Key order in these
 * interfaces is the serialization order: objects are built in this order so that
 * `JSON.stringify` output is byte-compatible with the Rust CLI.
 * Fields marked "ours" are optional additions that agent-exec ignores.
 */

export const SCHEMA_VERSION = '0.1';

export type JobStatus = 'created' | 'running' | 'exited' | 'killed' | 'failed';
export const JOB_STATUSES: readonly JobStatus[] = ['created', 'running', 'exited', 'killed', 'failed'];
export const isTerminal = (s: JobStatus): boolean => s === 'exited' || s === 'killed' || s === 'failed';

/** A JSON object (not null, not an array), e.g. a record field read from disk. */
export const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

export type MatchType = 'contains' | 'regex';
export type MatchStream = 'stdout' | 'stderr' | 'either';

export interface OutputMatch {
  pattern: string;
  match_type: MatchType;
  stream: MatchStream;
  command?: string;
  file?: string;
}

export interface Notification {
  notify_command?: string;
  notify_file?: string;
  on_output_match?: OutputMatch;
}

/** How a job becomes ready (ours, meta.json `ready`; ops/ready.ts): every condition given must hold. */
export interface ReadySpec {
  /** A socket of the job's process tree listens on this port. */
  port?: number;
  /** This URL answers with a status below 500. */
  http?: string;
  /** A line of stdout or stderr matches this regular expression. */
  log?: string;
  /** Not ready this long after the start: `ready: "timed_out"`. */
  timeout_ms?: number;
  /** Kill the job when its ready timeout passes. */
  timeout_kill?: boolean;
}

export interface JobMeta {
  job: { id: string };
  schema_version: string;
  command: string[];
  created_at: string;
  root: string;
  env_keys: string[];
  env_vars?: string[];
  env_vars_runtime?: string[];
  mask?: string[];
  cwd?: string;
  notification?: Notification;
  tags: string[];
  inherit_env: boolean;
  env_files?: string[];
  timeout_ms: number;
  kill_after_ms: number;
  progress_every_ms: number;
  shell_wrapper?: string[];
  stdin_file?: string;
  /** ours: who started the job (`human`, `agent:copilot`, `cli`, …). */
  owner?: string;
  /** ours: how the job becomes ready (ops/ready.ts). */
  ready?: ReadySpec;
  /** ours: `run --singleton` key; a live job with it is reused instead of starting another (ops/singleton.ts). */
  singleton?: string;
  /** ours: `--stdin-pipe`: stdin is the FIFO `stdin_file` kept open, fed by `send-input` (ops/input.ts). */
  stdin_pipe?: boolean;
  /** ours: `--input-prompt`: a pattern that marks an output line as a prompt (besides the built-in ones). */
  input_prompt?: string;
  /** ours: `--stall-after`: no output and no CPU time for this long is `stalled` (ops/attention.ts). */
  stall_after_ms?: number;
  /** ours: `--stall-kill`: kill a stalled job. */
  stall_kill?: boolean;
}

export interface JobResult {
  exit_code: number | null;
  signal: string | null;
  duration_ms: number | null;
}

export interface JobState {
  job: { id: string; status: JobStatus; started_at?: string };
  result: JobResult;
  pid?: number;
  finished_at?: string;
  updated_at: string;
  windows_job_name?: string;
  /** ours: start time (clock ticks since boot, /proc/<pid>/stat field 22) of `pid`. */
  pid_start_time?: number;
  /** ours: the supervisor process watching this job, with its start time. */
  supervisor_pid?: number;
  supervisor_start_time?: number;
  /** ours: the job was ended by its `--timeout`. */
  timed_out?: boolean;
  /** ours: why the job failed (spawn error, lost supervisor, …). */
  error?: string;
}
