/**
 * The panel's state, in one object that main.ts creates and passes to the table, the kill menu
 * and the log pane: the window of the job list the host last sent, the loaded log, and what the
 * user chose (selection, stream, filters, sort, search, follow). The user's choices are
 * persisted with the webview's getState/setState and backed up by the host, so hiding or
 * reloading the panel keeps them. Pure: no DOM.
 */
import {
  DEFAULT_JOB_VIEW,
  JOBS_PAGE,
  uiState,
  type JobRow,
  type JobView,
  type JobWindow,
  type UiState,
  type WebviewMessage,
} from '../src/protocol/jobPanel';
import { LogWindow } from './logWindow';

const { limit: _limit, ...defaultQuery } = DEFAULT_JOB_VIEW;

export const DEFAULT_UI_STATE: UiState = {
  selected: null,
  stream: 'combined',
  follow: true,
  ...defaultQuery,
  search: '',
};

/** The saved UI state if it is valid (it may come from an older version of the panel), else the defaults. */
export function restoreUiState(saved: unknown): UiState {
  return uiState(saved) ? saved : { ...DEFAULT_UI_STATE };
}

/** Everything the panel knows; the modules get it passed and keep no copy of their own. */
export interface PanelState {
  /** The user's choices (persisted). */
  readonly ui: UiState;
  /** The window of the job list as last sent by the host. */
  readonly jobs: JobStore;
  /** The rows the table shows: the last window drawn (one for an outdated query is not drawn). */
  shownRows: JobRow[];
  /** The loaded part of the selected job's log. */
  log: LogWindow;
  /** An earlier/later range request in flight (one at a time). */
  loading: boolean;
  /** Lines of the log window that match the search, and the one last jumped to. */
  matches: number[];
  currentMatch: number;
}

export function createPanelState(saved: unknown): PanelState {
  return {
    ui: restoreUiState(saved),
    jobs: new JobStore(),
    shownRows: [],
    log: new LogWindow(),
    loading: false,
    matches: [],
    currentMatch: -1,
  };
}

/** What each part of the panel works with: the state, and the way to the host. */
export interface PanelContext {
  readonly state: PanelState;
  post(msg: WebviewMessage): void;
  /** Persists the UI state; `typing` debounces the host's backup (a discrete choice reaches it at once). */
  save(opts?: { typing?: boolean }): void;
}

/** "exit 0", "SIGINT", "exit 130 (SIGINT)" … or '' while running. */
export function outcomeText(row: Pick<JobRow, 'exitCode' | 'signal'>): string {
  const sig = row.signal
    ? /^\d+$/.test(row.signal)
      ? `signal ${row.signal}`
      : row.signal.startsWith('SIG')
        ? row.signal
        : `SIG${row.signal}`
    : '';
  if (row.exitCode !== null && sig) return `exit ${row.exitCode} (${sig})`;
  if (row.exitCode !== null) return `exit ${row.exitCode}`;
  return sig;
}

/** The window of the job list as last sent by the host: rows in order, and the counts. */
export class JobStore {
  /** The window's rows, in the host's order. */
  rows: JobRow[] = [];
  matched = 0;
  total = 0;
  view: JobView = { ...DEFAULT_JOB_VIEW };
  /** The selected job's row (it may be outside the window), undefined when unknown or gone. */
  selected: JobRow | undefined;
  private byId = new Map<string, JobRow>();

  /** Takes a window: rows it carries replace ours, ids it lists keep the row we have. True when the rows changed (not only the counts). */
  apply(w: JobWindow): boolean {
    const changed = w.rows.length > 0 || w.ids.length !== this.rows.length || w.ids.some((id, i) => this.rows[i].id !== id);
    const sent = new Map(w.rows.map((r) => [r.id, r]));
    const byId = new Map<string, JobRow>();
    for (const id of w.ids) {
      const row = sent.get(id) ?? this.byId.get(id);
      if (row) byId.set(id, row);
    }
    this.byId = byId;
    this.rows = [...byId.values()];
    this.matched = w.matched;
    this.total = w.total;
    this.view = w.view;
    this.selected = w.selection?.row ?? undefined;
    return changed;
  }

  get(id: string): JobRow | undefined {
    return this.byId.get(id) ?? (this.selected?.id === id ? this.selected : undefined);
  }

  /** The view that shows one more page of the current query. */
  nextPage(max: number): JobView {
    return { ...this.view, limit: Math.min(max, this.view.limit + JOBS_PAGE) };
  }
}
