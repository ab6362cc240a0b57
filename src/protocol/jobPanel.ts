/**
 * The job panel's wire protocol (issue 5): every message between the extension host and the
 * webview is declared here once, with a runtime guard, and both sides drop what does not pass.
 * The webview may only ask for intents on a job id (select, kill with a signal from a fixed set,
 * preview a kill, open a ready job's URL, rerun, delete, load a byte range); it never sends
 * paths, URLs or command lines.
 * No `vscode` and no DOM imports: the host, the webview bundle and the unit tests share this file.
 */

/** A guard that checks an untrusted value (a posted message) has type T. */
export type Guard<T> = (v: unknown) => v is T;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export const str =
  (maxLength: number, pattern?: RegExp): Guard<string> =>
  (v): v is string =>
    typeof v === 'string' && v.length <= maxLength && (pattern === undefined || pattern.test(v));

/** An integer in [min, max]. */
export const int =
  (min: number, max: number): Guard<number> =>
  (v): v is number =>
    typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;

export const bool: Guard<boolean> = (v): v is boolean => typeof v === 'boolean';

export const oneOf =
  <const T extends readonly string[]>(values: T): Guard<T[number]> =>
  (v): v is T[number] =>
    typeof v === 'string' && (values as readonly string[]).includes(v);

export const arrayOf =
  <T>(item: Guard<T>, maxLength: number): Guard<T[]> =>
  (v): v is T[] =>
    Array.isArray(v) && v.length <= maxLength && v.every(item);

/** `g` and a cross-field condition (e.g. a range's end after its start). */
export const where =
  <T>(g: Guard<T>, ok: (v: T) => boolean): Guard<T> =>
  (v): v is T =>
    g(v) && ok(v);

export const nullable =
  <T>(g: Guard<T>): Guard<T | null> =>
  (v): v is T | null =>
    v === null || g(v);

/** Marks a field as optional in `object()` (absent or undefined is allowed). */
export interface Optional<T> {
  optional: Guard<T>;
}
export const optional = <T>(g: Guard<T>): Optional<T> => ({ optional: g });

type Shape = Record<string, Guard<unknown> | Optional<unknown>>;
type RequiredKeys<S extends Shape> = { [K in keyof S]: S[K] extends Optional<unknown> ? never : K }[keyof S];
type OptionalKeys<S extends Shape> = Exclude<keyof S, RequiredKeys<S>>;
type Unwrap<G> = G extends Guard<infer T> ? T : G extends Optional<infer T> ? T : never;
export type ShapeType<S extends Shape> = { [K in RequiredKeys<S>]: Unwrap<S[K]> } & { [K in OptionalKeys<S>]?: Unwrap<S[K]> };

/** An object with exactly these fields: unknown keys make the value invalid (nothing rides along). */
export const object =
  <S extends Shape>(shape: S): Guard<ShapeType<S>> =>
  (v): v is ShapeType<S> => {
    if (!isRecord(v)) return false;
    for (const key of Object.keys(v)) if (!Object.hasOwn(shape, key)) return false;
    for (const [key, g] of Object.entries(shape)) {
      const value = v[key];
      if (typeof g === 'function') {
        if (!g(value)) return false;
      } else if (value !== undefined && !g.optional(value)) return false;
    }
    return true;
  };

// ---- Domain values ------------------------------------------------------------------------

/** Job ids as the store accepts them (no `/`, `..` or NUL can get through). */
export const JOB_ID_PATTERN = /^[0-9a-zA-Z_-]{1,128}$/;
export const jobId = str(128, JOB_ID_PATTERN);

/** The signals the panel offers (the same menu as the tree's Kill), without the SIG prefix. */
export const PANEL_SIGNALS = ['TERM', 'INT', 'KILL', 'HUP', 'QUIT', 'USR1', 'USR2'] as const;
export type PanelSignal = (typeof PANEL_SIGNALS)[number];

export const JOB_STATES = ['created', 'running', 'exited', 'killed', 'failed'] as const;
export type JobStateName = (typeof JOB_STATES)[number];

/** A running job's readiness (core's ReadyState), when it declares how it becomes ready. */
export const READY_STATES = ['pending', 'ready', 'timed_out'] as const;
export type ReadyStateName = (typeof READY_STATES)[number];

const port = int(1, 65535);

/** A running job that needs someone (core's AttentionKind). */
export const ATTENTION_KINDS = ['needs_input', 'stalled'] as const;
export type AttentionKindName = (typeof ATTENTION_KINDS)[number];

/** `combined` is the job's full.log (both streams, timestamped lines). */
export const LOG_STREAMS = ['stdout', 'stderr', 'combined'] as const;
export type LogStream = (typeof LOG_STREAMS)[number];

/** Largest byte range the webview may ask for at once (scrolling up pages by this much at most). */
export const MAX_RANGE_BYTES = 1024 * 1024;
/** Largest text one log message may carry: the host never floods the webview. */
export const MAX_CHUNK_CHARS = 4 * MAX_RANGE_BYTES;
/** Offsets stay exact doubles. */
export const MAX_OFFSET = Number.MAX_SAFE_INTEGER;
/**
 * The most rows one message carries: the host sends the jobs table as a window of the sorted,
 * filtered list (the first `limit` rows), never the whole store, which may hold 100,000 jobs.
 */
export const MAX_JOBS = 5000;
/** Rows the table shows at first, and how many more each "Show more" asks for. */
export const JOBS_PAGE = 200;

const offset = int(0, MAX_OFFSET);
const timestamp = str(64);
const shortText = str(4096);

/** One row of the jobs table: everything the table and the detail header show. */
const jobRowShape = {
  id: jobId,
  state: oneOf(JOB_STATES),
  /** argv exactly as recorded in meta.json (shown, never executed by the webview). */
  command: arrayOf(str(65536), 4096),
  cwd: optional(shortText),
  tags: arrayOf(str(256), 256),
  owner: optional(str(256)),
  createdAt: timestamp,
  startedAt: optional(timestamp),
  finishedAt: optional(timestamp),
  durationMs: nullable(int(0, MAX_OFFSET)),
  exitCode: nullable(int(-(2 ** 31), 2 ** 31 - 1)),
  signal: nullable(str(32)),
  pid: optional(int(0, 2 ** 31 - 1)),
  error: optional(shortText),
  /** Readiness of a running job that declares it. */
  ready: optional(oneOf(READY_STATES)),
  /** The port a running job is reached on (its ready port, else the first TCP port it listens on). */
  port: optional(port),
  /** Every port a running job listens on, each once. */
  ports: optional(arrayOf(port, 256)),
  /** What "Open in Browser" opens for a ready job (shown only: the webview asks for it by job id). */
  url: optional(str(2048, /^https?:\/\//)),
  /** A running job waiting for input or stalled, and its last line of output. */
  attention: optional(oneOf(ATTENTION_KINDS)),
  lastLine: optional(shortText),
  /** A running job with an input channel (`--stdin-pipe`): the job view offers an input box. */
  inputChannel: optional(bool),
  /** Its last line asks for a password: the input box hides what is typed. */
  secretPrompt: optional(bool),
};
export type JobRow = ShapeType<typeof jobRowShape>;
export const jobRow: Guard<JobRow> = object(jobRowShape);

export const SORT_KEYS = ['state', 'command', 'cwd', 'started', 'duration', 'exit', 'owner'] as const;
export type SortKey = (typeof SORT_KEYS)[number];

/** How the jobs table is sorted and filtered (the host applies it to the whole store). */
const jobQueryShape = {
  sortKey: oneOf(SORT_KEYS),
  sortDesc: bool,
  /** '' = all states. */
  stateFilter: oneOf(['', ...JOB_STATES] as const),
  tagFilter: str(256),
  textFilter: str(1024),
};
export type JobQuery = ShapeType<typeof jobQueryShape>;

/** A query and how many of its first rows the table shows. */
const jobViewShape = { ...jobQueryShape, limit: int(1, MAX_JOBS) };
export type JobView = ShapeType<typeof jobViewShape>;
export const jobView: Guard<JobView> = object(jobViewShape);
/** Newest first, no filter, one page: until the webview says otherwise. */
export const DEFAULT_JOB_VIEW: JobView = {
  sortKey: 'started',
  sortDesc: true,
  stateFilter: '',
  tagFilter: '',
  textFilter: '',
  limit: JOBS_PAGE,
};

/** What the user chose in the panel; kept by the webview (getState/setState) and backed up by the host. */
const uiStateShape = {
  selected: nullable(jobId),
  stream: oneOf(LOG_STREAMS),
  follow: bool,
  ...jobQueryShape,
  search: str(1024),
};
export type UiState = ShapeType<typeof uiStateShape>;
export const uiState: Guard<UiState> = object(uiStateShape);

// ---- Message descriptors ------------------------------------------------------------------

export interface Message<M extends string, P> {
  method: M;
  params: P;
}

/** A message type: `is` validates an untrusted message, `create` builds one. */
export class MessageType<M extends string, P> {
  constructor(
    readonly method: M,
    readonly params: Guard<P>,
  ) {}

  is(msg: unknown): msg is Message<M, P> {
    return isRecord(msg) && msg.method === this.method && Object.keys(msg).length === 2 && this.params(msg.params);
  }

  create(params: P): Message<M, P> {
    return { method: this.method, params };
  }
}

const none = object({});

// Webview → host: intents only.
export const Ready = new MessageType('ready', none);
/** The user selected a job (null: none), or changed the shown stream: the host (re)starts following its tail. */
export const SelectJob = new MessageType('job/select', object({ jobId: nullable(jobId), stream: oneOf(LOG_STREAMS) }));
/**
 * Load log bytes [start, end) of the selected job: `above` the window when scrolling up (the
 * answer may start later, at a line start), or `below` it (exactly from `start`).
 */
export const LoadRange = new MessageType(
  'log/loadRange',
  where(
    object({ jobId, stream: oneOf(LOG_STREAMS), direction: oneOf(['above', 'below'] as const), start: offset, end: offset }),
    (p) => p.end > p.start && p.end - p.start <= MAX_RANGE_BYTES,
  ),
);
export const KillJob = new MessageType('job/kill', object({ jobId, signal: oneOf(PANEL_SIGNALS) }));
/** What a kill of the job would signal now (the kill menu shows it before the kill). */
export const PreviewKill = new MessageType('job/previewKill', object({ jobId }));
/** Open a ready job's URL in the browser (the host looks the URL up). */
export const OpenJobUrl = new MessageType('job/openUrl', object({ jobId }));
export const RerunJob = new MessageType('job/rerun', object({ jobId }));
/** The longest line of input sent to a job at once (the panel's box and the "Send Input…" box). */
export const MAX_INPUT_CHARS = 4096;
/** A line to a job's input channel, or (`eof`) the end of its input. */
export const SendJobInput = new MessageType(
  'job/sendInput',
  where(object({ jobId, text: optional(str(MAX_INPUT_CHARS)), eof: optional(bool) }), (p) => p.text !== undefined || p.eof === true),
);
/** Attempts of one job the panel lists at most. */
export const MAX_ATTEMPTS = 10_000;
const attemptNumber = int(1, MAX_ATTEMPTS);
/** One attempt's log in an editor (any attempt; the latest is also the job's live log). */
export const OpenAttemptLog = new MessageType('log/openAttempt', object({ jobId, attempt: attemptNumber, stream: oneOf(LOG_STREAMS) }));
export const DeleteJob = new MessageType('job/delete', object({ jobId }));
/** Open the raw log file in an editor. */
export const OpenRawLog = new MessageType('log/openRaw', object({ jobId, stream: oneOf(LOG_STREAMS) }));
/** Copy the log (its tail when it is large) to the clipboard. */
export const CopyLog = new MessageType('log/copy', object({ jobId, stream: oneOf(LOG_STREAMS) }));
/** Open the panel as an editor tab. */
export const OpenInEditor = new MessageType('panel/openInEditor', none);
/**
 * The UI state changed (keystrokes debounced, choices at once). The host keeps a copy on disk because VS Code web may restore
 * a stale getState() after a window reload (seen in code-server 4.100.3).
 */
export const SaveUiState = new MessageType('panel/saveState', object({ state: uiState }));
/** Sort, filter or page the jobs table: the host answers with a window for this view. */
export const SetJobView = new MessageType('jobs/view', jobView);

// Host → webview.
const count = int(0, MAX_OFFSET);
/**
 * The jobs table: the ids of the first rows of `view` in order, out of `matched` jobs that pass
 * its filters and `total` jobs in the store. `rows` holds only the rows the webview does not
 * have yet in this form (new in the window, or changed); the others are the ones of the last
 * window. `selection` is the selected job's row wherever it is (null row: the job is gone).
 */
const jobWindowShape = where(
  object({
    view: jobView,
    ids: arrayOf(jobId, MAX_JOBS),
    rows: arrayOf(jobRow, MAX_JOBS),
    matched: count,
    total: count,
    selection: nullable(object({ id: jobId, row: nullable(jobRow) })),
  }),
  (p) => p.ids.length <= p.view.limit && p.ids.length <= p.matched && p.matched <= p.total,
);
export type JobWindow = Unwrap<typeof jobWindowShape>;
/**
 * The answer to `ready`: the first window (for the host's copy of the UI state, else the default
 * view); `selected` is a job to show (revealed from the tree), `ui` the host's copy of the UI
 * state (null when it has none).
 */
export const Snapshot = new MessageType(
  'jobs/snapshot',
  object({ window: jobWindowShape, selected: nullable(jobId), ui: nullable(uiState) }),
);
/** The window again after jobs changed, the view changed or another job was selected. */
export const JobsWindow = new MessageType('jobs/window', jobWindowShape);
/** Select this job (the user picked it in the tree). */
export const RevealJob = new MessageType('job/reveal', object({ jobId }));

/**
 * Log text of bytes [start, end) of a stream; `total` is the file size when read.
 * - `tail`: replaces the window (first load, stream switch, truncation, or the writer outran us);
 * - `append`: continues the window at `start` (== previous end);
 * - `range`: earlier bytes, the answer to `log/loadRange`.
 */
export const LOG_CHUNK_KINDS = ['tail', 'append', 'range'] as const;
export const LogChunk = new MessageType(
  'log/chunk',
  where(
    object({
      jobId,
      stream: oneOf(LOG_STREAMS),
      kind: oneOf(LOG_CHUNK_KINDS),
      start: offset,
      end: offset,
      total: offset,
      text: str(MAX_CHUNK_CHARS),
    }),
    (p) => p.start <= p.end && p.end <= p.total,
  ),
);
/** The processes a kill preview lists at most (the rest are counted). */
export const MAX_PREVIEW_PROCESSES = 50;
const killPreviewShape = {
  state: oneOf(JOB_STATES),
  /** The processes the kill would signal: pid, command line (the job's masked values hidden), age. */
  processes: arrayOf(object({ pid: int(1, 2 ** 31 - 1), command: str(4096), ageS: optional(count) }), MAX_PREVIEW_PROCESSES),
  /** Processes left out of the list. */
  more: count,
  /** The ports they listen on, as text (`3000/tcp, 5353/udp`; '' for none). */
  ports: str(4096),
  owner: optional(str(256)),
  runningForS: optional(count),
};
export type KillPreviewData = ShapeType<typeof killPreviewShape>;
/** The answer to `job/previewKill`: the preview, or why there is none. */
export const KillPreview = new MessageType(
  'job/killPreview',
  where(
    object({ jobId, preview: optional(object(killPreviewShape)), error: optional(shortText) }),
    (p) => (p.preview === undefined) !== (p.error === undefined),
  ),
);
/** One attempt of a job, as the attempts view lists it (core's AttemptSummary). */
const attemptShape = {
  attempt: attemptNumber,
  state: oneOf(JOB_STATES),
  exitCode: nullable(int(-(2 ** 31), 2 ** 31 - 1)),
  signal: nullable(str(32)),
  startedAt: optional(timestamp),
  finishedAt: optional(timestamp),
  durationMs: nullable(int(0, MAX_OFFSET)),
};
export type AttemptRow = ShapeType<typeof attemptShape>;
/** Where an attempt's stdout first differs from the last successful attempt's (core's OutputDifference). */
const differenceShape = {
  attempt: attemptNumber,
  successfulAttempt: attemptNumber,
  line: optional(int(1, MAX_OFFSET)),
  text: optional(shortText),
  successfulText: optional(shortText),
};
export type AttemptDifference = ShapeType<typeof differenceShape>;
/** The attempts of the selected job (sent when it is selected and when it changes), first to latest. */
export const Attempts = new MessageType(
  'job/attempts',
  object({ jobId, attempts: arrayOf(object(attemptShape), MAX_ATTEMPTS), difference: optional(object(differenceShape)) }),
);

/** Outcome of an intent the user should hear about (kill failed, job deleted, …). */
export const Notice = new MessageType('notice', object({ level: oneOf(['info', 'error'] as const), text: shortText }));

export const WEBVIEW_TO_HOST = [
  Ready,
  SelectJob,
  LoadRange,
  KillJob,
  PreviewKill,
  OpenJobUrl,
  RerunJob,
  SendJobInput,
  DeleteJob,
  OpenRawLog,
  OpenAttemptLog,
  CopyLog,
  OpenInEditor,
  SaveUiState,
  SetJobView,
] as const;
export const HOST_TO_WEBVIEW = [Snapshot, JobsWindow, RevealJob, LogChunk, KillPreview, Attempts, Notice] as const;

type MessageOf<T> = T extends MessageType<infer M, infer P> ? Message<M, P> : never;
export type WebviewMessage = MessageOf<(typeof WEBVIEW_TO_HOST)[number]>;
export type HostMessage = MessageOf<(typeof HOST_TO_WEBVIEW)[number]>;

/** The message if it is one of `types` and valid, else undefined (the caller logs and drops it). */
export function parseMessage<T extends readonly MessageType<string, unknown>[]>(types: T, msg: unknown): MessageOf<T[number]> | undefined {
  for (const t of types) if (t.is(msg)) return msg as MessageOf<T[number]>;
  return undefined;
}

/** A short description of a dropped message for logs (never echoes its content). */
export function describeDropped(msg: unknown): string {
  if (!isRecord(msg)) return `non-object message (${msg === null ? 'null' : typeof msg})`;
  const method = typeof msg.method === 'string' ? msg.method.slice(0, 64) : '?';
  return `invalid or unknown message '${method}'`;
}
