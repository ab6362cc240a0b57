/**
 * The host side of one job panel webview (the bottom-panel view or an editor tab), without
 * `vscode`: it validates what the webview posts, answers `ready` with a snapshot, then pushes
 * the jobs table again when jobs change (coalesced) and the selected job's log chunks. The table
 * is a window: the host sorts and filters every job and sends the first `limit` rows of the
 * view the webview asked for, with the counts, and of those only the rows that changed, so a
 * store of 100,000 jobs costs the webview one page. Side effects (kill, rerun,
 * delete, open a file, clipboard) go through `PanelBackend`, which the composition root wires to
 * the JobService and VS Code APIs; tests and benches wire it to plain functions.
 */
import { jobPaths, readMeta, type JobPaths } from '../../core/store/jobDir';
import { readCurrentState } from '../../core/store/stateFile';
import { jobDirNames, mapLimit, SCAN_CONCURRENCY } from '../../core/ops/scan';
import { readSlice } from '../../core/logs';
import { fileSize } from '../../core/store/jobDir';
import type { JobMeta, JobState } from '../../core/schema';
import type { KillTargetsDescription } from '../../core/ops/kill';
import {
  Attempts,
  CopyLog,
  DEFAULT_JOB_VIEW,
  DeleteJob,
  JobsWindow,
  KillJob,
  KillPreview,
  LoadRange,
  MAX_PREVIEW_PROCESSES,
  OpenJobUrl,
  PreviewKill,
  LogChunk,
  Notice,
  OpenInEditor,
  OpenAttemptLog,
  OpenRawLog,
  Ready,
  RerunJob,
  SendJobInput,
  RevealJob,
  SaveUiState,
  SelectJob,
  SetJobView,
  Snapshot,
  WEBVIEW_TO_HOST,
  describeDropped,
  parseMessage,
  uiState,
  type HostMessage,
  type JobRow,
  type JobView,
  type JobWindow,
  type KillPreviewData,
  type LogStream,
  type PanelSignal,
  type UiState,
} from '../../protocol/jobPanel';
import { stripAnsi } from '../../shared/ansi';
import type { Event, IDisposable } from '../lifecycle';
import { browserUrl, jobPort, type JobLive } from '../jobs/readyWatcher';
import { looksLikeSecretPrompt, type Attention } from '../../core/ops/attention';
import { attemptPaths, firstDifference, listAttempts } from '../../core/ops/attempts';
import { portsText } from '../views/killPreview';
import { queryJobs, queryOf } from '../../protocol/jobQuery';
import { DEFAULT_LOG_FEED_OPTIONS, LogFeed, type LogFeedOptions } from './logFeed';

/** A job's records, as the JobService keeps them (or as read from the store). */
export interface JobRecords {
  readonly meta: JobMeta;
  readonly state: JobState;
}

/**
 * Everything a panel session needs from its host: the jobs and their actions (the JobService,
 * or the store directly in tests and benches) and the editor's side (files, clipboard, panels,
 * storage). JobPanel builds the one the extension uses.
 */
export interface PanelBackend {
  /** The job store root (read on every use: the setting may change); log files live under it. */
  readonly root: string;
  /** Every job now (the JobService's in-memory records: cheap to ask for on every change). */
  listJobs(): Promise<readonly JobRecords[]>;
  /** Fires when jobs (or their readiness and ports) changed: their ids, or undefined when anything may have changed. */
  readonly onDidChangeJobs: Event<readonly string[] | undefined>;
  /** Readiness and ports of a running job (the ReadyWatcher's); undefined when nothing is known. */
  liveOf?(jobId: string): JobLive | undefined;
  /** Whether a running job waits for input or has stalled (the AttentionWatcher's). */
  attentionOf?(jobId: string): Attention | undefined;
  /** Sends a line to a job's input channel and/or ends it (core sendInput, behind the trust gate). */
  sendInput(jobId: string, input: { text?: string; eof?: boolean }): Promise<string>;
  /** Each action resolves to a short human-readable outcome, or rejects with a teaching error. */
  kill(jobId: string, signal: PanelSignal): Promise<string>;
  /** What a kill of the job would signal now (describeKillTargets). */
  describeKill(jobId: string): Promise<KillTargetsDescription>;
  /** Opens a ready job's URL in the browser; false when it has none. */
  openUrl(jobId: string): Promise<boolean>;
  rerun(jobId: string): Promise<string>;
  remove(jobId: string): Promise<string>;
  openFile(file: string): void | PromiseLike<void>;
  copyText(text: string): void | PromiseLike<void>;
  openInEditor(): void | PromiseLike<void>;
  /** Diagnostics (dropped messages, read errors). */
  log(message: string): void;
  /** The user selected a job in this webview (for the tree to follow). */
  selected?(jobId: string | null): void;
  /** The host's copy of the panel's UI state (see SaveUiState); undefined when there is none. */
  loadUiState?(): Promise<unknown>;
  saveUiState?(state: UiState): void;
}

/** How long job changes are gathered before the table goes out again. */
export const DELTA_MS = 100;
/** "Copy" copies at most this much (the tail of a larger log). */
export const MAX_COPY_BYTES = 16 * 1024 * 1024;

export function logFile(paths: JobPaths, stream: LogStream): string {
  return stream === 'stdout' ? paths.stdout : stream === 'stderr' ? paths.stderr : paths.full;
}

/** The table row of a job, from its records. */
export function toJobRow(meta: JobMeta, st: JobState): JobRow {
  const row: JobRow = {
    id: st.job.id,
    state: st.job.status,
    command: meta.command,
    tags: meta.tags,
    createdAt: meta.created_at,
    durationMs: st.result.duration_ms,
    exitCode: st.result.exit_code,
    signal: st.result.signal,
  };
  if (meta.cwd !== undefined) row.cwd = meta.cwd;
  if (meta.owner !== undefined) row.owner = meta.owner;
  if (st.job.started_at !== undefined) row.startedAt = st.job.started_at;
  if (st.finished_at !== undefined) row.finishedAt = st.finished_at;
  if (st.pid !== undefined) row.pid = st.pid;
  if (st.error !== undefined) row.error = st.error;
  return row;
}

/** A row's readiness and ports, from what the ReadyWatcher knows of the running job. */
export function liveFields(meta: JobMeta, live: JobLive | undefined): Pick<JobRow, 'ready' | 'port' | 'ports' | 'url'> {
  if (!live) return {};
  const port = jobPort(meta, live);
  const url = browserUrl(meta, live);
  const ports = [...new Set(live.ports.map((p) => p.port))];
  return {
    ...(live.ready ? { ready: live.ready.ready } : {}),
    ...(port !== undefined ? { port } : {}),
    ...(ports.length > 0 ? { ports } : {}),
    ...(url !== undefined ? { url } : {}),
  };
}

/** The kill menu's preview of what describeKillTargets found (the first processes, the rest counted). */
export function toKillPreview(d: KillTargetsDescription): KillPreviewData {
  return {
    state: d.state,
    processes: d.targets.slice(0, MAX_PREVIEW_PROCESSES).map((t) => ({
      pid: t.pid,
      command: t.command.slice(0, 4096),
      ...(t.age_s !== undefined ? { ageS: Math.max(0, Math.floor(t.age_s)) } : {}),
    })),
    more: Math.max(0, d.targets.length - MAX_PREVIEW_PROCESSES),
    ports: portsText(d.ports),
    ...(d.owner !== undefined ? { owner: d.owner.slice(0, 256) } : {}),
    ...(d.running_for_s !== undefined ? { runningForS: d.running_for_s } : {}),
  };
}

/** Reads one job's records from the store; undefined when the job is gone or unreadable. */
export async function readStoreJob(root: string, id: string): Promise<JobRecords | undefined> {
  const paths = jobPaths(root, id);
  try {
    const [meta, state] = await Promise.all([readMeta(paths), readCurrentState(paths)]);
    return { meta, state };
  } catch {
    return undefined;
  }
}

/** Every readable job of the store (for a backend without a JobService: tests, benches). */
export async function readStoreJobs(root: string): Promise<JobRecords[]> {
  const names = await jobDirNames(root);
  const jobs = await mapLimit(names, SCAN_CONCURRENCY, (id) => readStoreJob(root, id));
  return jobs.filter((j): j is JobRecords => j !== undefined);
}

export class PanelSession implements IDisposable {
  private ready = false;
  /** JSON of each row of the window last sent (what the webview holds), to send only what changed. */
  private sent = new Map<string, string>();
  /** The rest of the last window (view, order, counts, selection), to send nothing when nothing changed. */
  private sentWindow = '';
  private view: JobView = DEFAULT_JOB_VIEW;
  /** The job selected in the webview: its row goes along wherever it is in the list. */
  private selectedId: string | null = null;
  /** Rows by the records they were made from (the JobService keeps a job's records until they change). */
  private rows = new WeakMap<JobState, JobRow>();
  private feed: LogFeed | undefined;
  private followed: { jobId: string; stream: LogStream } | undefined;
  private pending = false;
  private deltaTimer: NodeJS.Timeout | undefined;
  private revealOnReady: string | null = null;
  private readonly subscription: IDisposable;
  private disposed = false;

  constructor(
    private readonly backend: PanelBackend,
    private readonly post: (msg: HostMessage) => void,
    private readonly feedOptions: LogFeedOptions = DEFAULT_LOG_FEED_OPTIONS,
  ) {
    this.subscription = backend.onDidChangeJobs(() => this.jobsChanged());
  }

  /** Handles one message from the webview; invalid ones are logged and dropped. */
  async receive(raw: unknown): Promise<void> {
    const msg = parseMessage(WEBVIEW_TO_HOST, raw);
    if (!msg) {
      this.backend.log(`job panel: dropped ${describeDropped(raw)}`);
      return;
    }
    try {
      await this.handle(msg);
    } catch (err) {
      this.notice('error', err instanceof Error ? err.message : String(err));
    }
  }

  private async handle(msg: NonNullable<ReturnType<typeof parseMessage<typeof WEBVIEW_TO_HOST>>>): Promise<void> {
    if (Ready.is(msg)) return this.sendSnapshot();
    if (SelectJob.is(msg)) {
      if (this.followed?.jobId !== msg.params.jobId) this.backend.selected?.(msg.params.jobId);
      this.selectedId = msg.params.jobId;
      await this.sendWindow();
      if (msg.params.jobId !== null) void this.sendAttempts(msg.params.jobId);
      return this.follow(msg.params.jobId, msg.params.stream);
    }
    if (SetJobView.is(msg)) {
      this.view = msg.params;
      return this.sendWindow();
    }
    if (LoadRange.is(msg)) {
      const { jobId, stream, start, end, direction } = msg.params;
      if (this.followed?.jobId === jobId && this.followed.stream === stream) await this.feed?.loadRange(start, end, direction);
      return;
    }
    if (KillJob.is(msg)) return this.notice('info', await this.backend.kill(msg.params.jobId, msg.params.signal));
    if (PreviewKill.is(msg)) return this.previewKill(msg.params.jobId);
    if (OpenJobUrl.is(msg)) {
      if (!(await this.backend.openUrl(msg.params.jobId))) this.notice('error', 'The job is not ready, or has no URL or port to open.');
      return;
    }
    if (RerunJob.is(msg)) return this.notice('info', await this.backend.rerun(msg.params.jobId));
    if (SendJobInput.is(msg)) {
      const { jobId, text, eof } = msg.params;
      return this.notice('info', await this.backend.sendInput(jobId, { ...(text !== undefined ? { text } : {}), ...(eof ? { eof } : {}) }));
    }
    if (OpenAttemptLog.is(msg)) {
      const { jobId, attempt, stream } = msg.params;
      return this.backend.openFile(logFile(await attemptPaths(jobPaths(this.backend.root, jobId), attempt), stream));
    }
    if (DeleteJob.is(msg)) {
      if (this.followed?.jobId === msg.params.jobId) this.stopFollowing();
      return this.notice('info', await this.backend.remove(msg.params.jobId));
    }
    if (OpenRawLog.is(msg)) return this.backend.openFile(logFile(jobPaths(this.backend.root, msg.params.jobId), msg.params.stream));
    if (CopyLog.is(msg)) return this.copy(msg.params.jobId, msg.params.stream);
    if (OpenInEditor.is(msg)) return this.backend.openInEditor();
    if (SaveUiState.is(msg)) return this.backend.saveUiState?.(msg.params.state);
  }

  /** Selects a job in the webview (the user picked it in the tree). */
  reveal(jobId: string): void {
    if (this.ready) this.post(RevealJob.create({ jobId }));
    else this.revealOnReady = jobId;
  }

  /** The webview's content went away (hidden without retainContextWhenHidden): it will post `ready` again. */
  suspend(): void {
    this.ready = false;
    this.stopFollowing();
    clearTimeout(this.deltaTimer);
    this.deltaTimer = undefined;
    this.pending = false;
  }

  dispose(): void {
    this.disposed = true;
    this.suspend();
    this.subscription.dispose();
  }

  private async sendSnapshot(): Promise<void> {
    // Changes seen while the list is read are covered by the snapshot itself.
    this.pending = false;
    // A missing or unreadable copy of the UI state only means the webview's own is used.
    const [jobs, saved] = await Promise.all([this.backend.listJobs(), this.backend.loadUiState?.().catch(() => undefined)]);
    if (this.disposed) return;
    const ui = uiState(saved) ? saved : null;
    // The webview shows the host's copy of its state: the first window is that view, one page.
    this.view = ui ? { ...queryOf(ui), limit: DEFAULT_JOB_VIEW.limit } : DEFAULT_JOB_VIEW;
    this.selectedId = this.revealOnReady ?? ui?.selected ?? null;
    this.sent.clear();
    const window = this.windowOf(jobs);
    this.ready = true;
    this.post(Snapshot.create({ window, selected: this.revealOnReady, ui }));
    this.revealOnReady = null;
  }

  /** The table for the current view, with only the rows the webview does not have yet. */
  private windowOf(jobs: readonly JobRecords[]): JobWindow {
    const all = jobs.map((j) => this.rowOf(j));
    const matched = queryJobs(all, this.view, Date.now());
    const shown = matched.slice(0, this.view.limit);
    const sent = new Map<string, string>();
    const rows: JobRow[] = [];
    for (const row of shown) {
      const json = JSON.stringify(row);
      sent.set(row.id, json);
      if (this.sent.get(row.id) !== json) rows.push(row);
    }
    this.sent = sent;
    const selectedRow = this.selectedId === null ? undefined : all.find((r) => r.id === this.selectedId);
    const selection = this.selectedId === null ? null : { id: this.selectedId, row: selectedRow ?? null };
    const window = { view: this.view, ids: shown.map((r) => r.id), rows, matched: matched.length, total: all.length, selection };
    this.sentWindow = JSON.stringify({ ...window, rows: undefined });
    return window;
  }

  private rowOf(job: JobRecords): JobRow {
    let row = this.rows.get(job.state);
    if (!row) {
      row = toJobRow(job.meta, job.state);
      this.rows.set(job.state, row);
    }
    if (job.state.job.status !== 'running') return row;
    const live = this.backend.liveOf?.(row.id);
    const attention = this.backend.attentionOf?.(row.id);
    return {
      ...row,
      ...(live ? liveFields(job.meta, live) : {}),
      ...(attention ? { attention: attention.kind, lastLine: attention.last_line.slice(0, 4096) } : {}),
      ...(attention?.kind === 'needs_input' && looksLikeSecretPrompt(attention.last_line) ? { secretPrompt: true } : {}),
      ...(job.meta.stdin_pipe ? { inputChannel: true } : {}),
    };
  }

  /** The attempts of a job and where the latest differs from the last good one; nothing for a job never rerun. */
  private async sendAttempts(jobId: string): Promise<void> {
    const root = this.backend.root;
    const attempts = await listAttempts(root, jobId).catch(() => []);
    if (attempts.length < 2 || !this.ready || this.disposed) return;
    const difference = await firstDifference(root, jobId).catch(() => undefined);
    this.post(
      Attempts.create({
        jobId,
        attempts: attempts.map((a) => ({
          attempt: a.attempt,
          state: a.state,
          exitCode: a.exit_code,
          signal: a.signal,
          ...(a.started_at !== undefined ? { startedAt: a.started_at } : {}),
          ...(a.finished_at !== undefined ? { finishedAt: a.finished_at } : {}),
          durationMs: a.duration_ms,
        })),
        ...(difference
          ? {
              difference: {
                attempt: difference.attempt,
                successfulAttempt: difference.successful_attempt,
                ...(difference.line !== undefined ? { line: difference.line } : {}),
                ...(difference.text !== undefined ? { text: difference.text.slice(0, 4096) } : {}),
                ...(difference.successful_text !== undefined ? { successfulText: difference.successful_text.slice(0, 4096) } : {}),
              },
            }
          : {}),
      }),
    );
  }

  private async previewKill(jobId: string): Promise<void> {
    const answer = await this.backend.describeKill(jobId).then(
      (d) => ({ jobId, preview: toKillPreview(d) }),
      (err: unknown) => ({ jobId, error: (err instanceof Error ? err.message : String(err)).slice(0, 4096) }),
    );
    if (this.ready && !this.disposed) this.post(KillPreview.create(answer));
  }

  /** Sends the table again if anything in it changed. */
  private async sendWindow(): Promise<void> {
    if (!this.ready) return;
    const jobs = await this.backend.listJobs();
    if (!this.ready || this.disposed) return;
    const before = this.sentWindow;
    const window = this.windowOf(jobs);
    if (window.rows.length === 0 && this.sentWindow === before) return;
    this.post(JobsWindow.create(window));
  }

  private async follow(jobId: string | null, stream: LogStream): Promise<void> {
    this.stopFollowing();
    if (jobId === null) return;
    const paths = jobPaths(this.backend.root, jobId);
    const feed = new LogFeed(
      logFile(paths, stream),
      paths.dir,
      (chunk) => this.post(LogChunk.create({ jobId, stream, ...chunk })),
      this.feedOptions,
      (name) => {
        if (name !== 'state.json') return;
        this.jobsChanged();
        void this.sendAttempts(jobId);
      },
    );
    this.feed = feed;
    this.followed = { jobId, stream };
    await feed.start();
  }

  private stopFollowing(): void {
    this.feed?.dispose();
    this.feed = undefined;
    this.followed = undefined;
  }

  private jobsChanged(): void {
    if (!this.ready || this.disposed) return;
    this.pending = true;
    this.deltaTimer ??= setTimeout(() => {
      this.deltaTimer = undefined;
      if (!this.pending) return;
      this.pending = false;
      void this.sendWindow().catch((err) => this.backend.log(`job panel: refresh failed: ${String(err)}`));
    }, DELTA_MS);
  }

  private async copy(jobId: string, stream: LogStream): Promise<void> {
    const file = logFile(jobPaths(this.backend.root, jobId), stream);
    const size = await fileSize(file);
    const slice = await readSlice(file, Math.max(0, size - MAX_COPY_BYTES), size);
    await this.backend.copyText(slice.text.split('\n').map(stripAnsi).join('\n'));
    const what = size > MAX_COPY_BYTES ? `the last ${MAX_COPY_BYTES / 1024 / 1024} MB of the ${stream} log` : `the ${stream} log`;
    this.notice('info', `Copied ${what} to the clipboard.`);
  }

  private notice(level: 'info' | 'error', text: string): void {
    if (this.ready && text) this.post(Notice.create({ level, text: text.slice(0, 4096) }));
  }
}
