/**
 * The panel's UI state: the job list as the host last described it, and what the user chose
 * (selection, stream, filters, sort, search, follow). The user's choices are persisted with the
 * webview's getState/setState and backed up by the host, so hiding or reloading the panel keeps
 * them. Pure: no DOM.
 */
import { uiState, type JobRow, type JobStateName, type SortKey, type UiState } from '../src/protocol/jobPanel';

export const DEFAULT_UI_STATE: UiState = {
  selected: null,
  stream: 'combined',
  follow: true,
  sortKey: 'started',
  sortDesc: true,
  stateFilter: '',
  tagFilter: '',
  textFilter: '',
  search: '',
};

/** The saved UI state if it is valid (it may come from an older version of the panel), else the defaults. */
export function restoreUiState(saved: unknown): UiState {
  return uiState(saved) ? saved : { ...DEFAULT_UI_STATE };
}

/** Ordered like the tree: running jobs first. */
const STATE_ORDER: Record<JobStateName, number> = { running: 0, created: 1, failed: 2, killed: 3, exited: 4 };

/** A one-element command is a shell command line (run through the shell wrapper): shown as is; an argv is quoted. */
export const commandText = (row: JobRow): string => (row.command.length === 1 ? row.command[0] : row.command.map(quoteArg).join(' '));

/** Shell-style quoting for display, so the exact argv can be read back. */
export function quoteArg(arg: string): string {
  if (arg !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** Started time (else created time) in ms since the epoch. */
export const startedMs = (row: JobRow): number => Date.parse(row.startedAt ?? row.createdAt) || 0;

/** Duration in ms: recorded when finished, else live for a running job. */
export function durationMs(row: JobRow, now: number): number | undefined {
  if (row.durationMs !== null) return row.durationMs;
  if (row.state === 'running' && row.startedAt) return Math.max(0, now - startedMs(row));
  if (row.finishedAt && row.startedAt) return Math.max(0, Date.parse(row.finishedAt) - startedMs(row));
  return undefined;
}

/** "exit 0", "SIGINT", "exit 130 (SIGINT)" … or '' while running. */
export function outcomeText(row: JobRow): string {
  const sig = row.signal ? (/^\d+$/.test(row.signal) ? `signal ${row.signal}` : row.signal.startsWith('SIG') ? row.signal : `SIG${row.signal}`) : '';
  if (row.exitCode !== null && sig) return `exit ${row.exitCode} (${sig})`;
  if (row.exitCode !== null) return `exit ${row.exitCode}`;
  return sig;
}

function compare(a: JobRow, b: JobRow, key: SortKey, now: number): number {
  switch (key) {
    case 'state':
      return STATE_ORDER[a.state] - STATE_ORDER[b.state];
    case 'command':
      return commandText(a).localeCompare(commandText(b));
    case 'cwd':
      return (a.cwd ?? '').localeCompare(b.cwd ?? '');
    case 'started':
      return startedMs(a) - startedMs(b);
    case 'duration':
      return (durationMs(a, now) ?? -1) - (durationMs(b, now) ?? -1);
    case 'exit':
      return (a.exitCode ?? -1) - (b.exitCode ?? -1) || (a.signal ?? '').localeCompare(b.signal ?? '');
    case 'owner':
      return (a.owner ?? '').localeCompare(b.owner ?? '');
  }
}

/** A tag filter `a.*` matches the namespace `a` and everything under it (like the CLI's --tag). */
export function tagFilterMatches(filter: string, tags: readonly string[]): boolean {
  const f = filter.trim();
  if (f === '') return true;
  if (f.endsWith('.*')) {
    const ns = f.slice(0, -2);
    return tags.some((t) => t === ns || t.startsWith(`${ns}.`));
  }
  return tags.includes(f);
}

/** The rows the table shows, filtered and sorted (ties broken by id so the order is stable). */
export function visibleJobs(jobs: Iterable<JobRow>, ui: UiState, now: number): JobRow[] {
  const text = ui.textFilter.trim().toLowerCase();
  const rows = [...jobs].filter(
    (r) =>
      (ui.stateFilter === '' || r.state === ui.stateFilter) &&
      tagFilterMatches(ui.tagFilter, r.tags) &&
      (text === '' ||
        [r.id, commandText(r), r.cwd ?? '', r.owner ?? '', r.tags.join(' ')].some((f) => f.toLowerCase().includes(text))),
  );
  const dir = ui.sortDesc ? -1 : 1;
  return rows.sort((a, b) => dir * compare(a, b, ui.sortKey, now) || a.id.localeCompare(b.id));
}

/** The job list as last sent by the host. */
export class JobStore {
  readonly byId = new Map<string, JobRow>();

  snapshot(rows: readonly JobRow[]): void {
    this.byId.clear();
    for (const r of rows) this.byId.set(r.id, r);
  }

  delta(upsert: readonly JobRow[], removed: readonly string[]): void {
    for (const id of removed) this.byId.delete(id);
    for (const r of upsert) this.byId.set(r.id, r);
  }
}
