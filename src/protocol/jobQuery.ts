/**
 * The jobs table's sort and filters, applied by the host to every job of the store (the webview
 * only ever holds a window of the result), and the row texts both sides agree on.
 * Pure: no `vscode`, no DOM.
 */
import { commandLine } from '../shared/commandLine';
import { tagMatches } from '../shared/tags';
import type { JobQuery, JobRow, JobStateName, SortKey, UiState } from './jobPanel';

/** Ordered like the tree: running jobs first. */
const STATE_ORDER: Record<JobStateName, number> = { running: 0, created: 1, failed: 2, killed: 3, exited: 4 };

export const commandText = (row: JobRow): string => commandLine(row.command);

/** Started time (else created time) in ms since the epoch. */
export const startedMs = (row: JobRow): number => Date.parse(row.startedAt ?? row.createdAt) || 0;

/** Duration in ms: recorded when finished, else live for a running job. */
export function durationMs(row: JobRow, now: number): number | undefined {
  if (row.durationMs !== null) return row.durationMs;
  if (row.state === 'running' && row.startedAt) return Math.max(0, now - startedMs(row));
  if (row.finishedAt && row.startedAt) return Math.max(0, Date.parse(row.finishedAt) - startedMs(row));
  return undefined;
}

/** The value a row sorts by (computed once per row, not once per comparison). */
function sortValue(row: JobRow, key: SortKey, now: number): number | string {
  switch (key) {
    case 'state':
      return STATE_ORDER[row.state];
    case 'command':
      return commandText(row);
    case 'cwd':
      return row.cwd ?? '';
    case 'started':
      return startedMs(row);
    case 'duration':
      return durationMs(row, now) ?? -1;
    case 'exit':
      return row.exitCode ?? -1;
    case 'owner':
      return row.owner ?? '';
  }
}

function compareValues(a: number | string, b: number | string): number {
  return typeof a === 'number' && typeof b === 'number' ? a - b : String(a).localeCompare(String(b));
}

/** A tag filter `a.*` matches the namespace `a` and everything under it (like the CLI's --tag). */
export function tagFilterMatches(filter: string, tags: readonly string[]): boolean {
  const f = filter.trim();
  return f === '' || tagMatches(f, tags);
}

function matches(r: JobRow, q: JobQuery, text: string): boolean {
  return (
    (q.stateFilter === '' || r.state === q.stateFilter) &&
    tagFilterMatches(q.tagFilter, r.tags) &&
    (text === '' || [r.id, commandText(r), r.cwd ?? '', r.owner ?? '', r.tags.join(' ')].some((f) => f.toLowerCase().includes(text)))
  );
}

/** The rows that pass the query's filters, sorted (ties broken by id so the order is stable). */
export function queryJobs(rows: Iterable<JobRow>, q: JobQuery, now: number): JobRow[] {
  const text = q.textFilter.trim().toLowerCase();
  const keyed: { row: JobRow; value: number | string; exitSignal: string }[] = [];
  for (const row of rows)
    if (matches(row, q, text)) keyed.push({ row, value: sortValue(row, q.sortKey, now), exitSignal: row.signal ?? '' });
  const dir = q.sortDesc ? -1 : 1;
  keyed.sort(
    (a, b) =>
      dir * (compareValues(a.value, b.value) || (q.sortKey === 'exit' ? a.exitSignal.localeCompare(b.exitSignal) : 0)) ||
      (a.row.id < b.row.id ? -1 : a.row.id > b.row.id ? 1 : 0),
  );
  return keyed.map((k) => k.row);
}

/** The query part of the UI state. */
export const queryOf = (ui: UiState): JobQuery => ({
  sortKey: ui.sortKey,
  sortDesc: ui.sortDesc,
  stateFilter: ui.stateFilter,
  tagFilter: ui.tagFilter,
  textFilter: ui.textFilter,
});

export const sameQuery = (a: JobQuery, b: JobQuery): boolean =>
  a.sortKey === b.sortKey &&
  a.sortDesc === b.sortDesc &&
  a.stateFilter === b.stateFilter &&
  a.tagFilter === b.tagFilter &&
  a.textFilter === b.textFilter;
