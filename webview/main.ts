/**
 * The job panel webview: a jobs table and the selected job's detail with its live log.
 * Talks to the extension only through the typed messages of src/protocol/jobPanel.ts: it posts
 * `ready`, renders the snapshot the host answers with, then applies pushed windows of the job
 * list and log chunks (once per animation frame). The host sorts and filters the whole store and
 * sends one page of rows; "Show more" asks for the next. Never polls. UI choices survive
 * hide/reload via getState/setState.
 */
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import './styles.css';
import {
  CopyLog,
  DeleteJob,
  HOST_TO_WEBVIEW,
  JOB_STATES,
  JOBS_PAGE,
  JobsWindow,
  KillJob,
  LOG_STREAMS,
  LoadRange,
  LogChunk,
  MAX_JOBS,
  MAX_RANGE_BYTES,
  Notice,
  OpenInEditor,
  OpenRawLog,
  PANEL_SIGNALS,
  Ready,
  RerunJob,
  RevealJob,
  SaveUiState,
  SelectJob,
  SetJobView,
  Snapshot,
  parseMessage,
  describeDropped,
  type HostMessage,
  type JobRow,
  type LogStream,
  type PanelSignal,
  type SortKey,
  type JobWindow,
  type UiState,
  type WebviewMessage,
} from '../src/protocol/jobPanel';
import { SIGNAL_DESCRIPTIONS } from '../src/shared/signals';
import { queryOf, sameQuery } from '../src/protocol/jobQuery';
import { FrameBatcher, LogWindow, mergeContiguous, type WindowChange } from './logWindow';
import { COLUMNS, LogView, countMatches, detailHeader, h, jobRowElement, matchingLines } from './render';
import { JobStore, restoreUiState } from './state';

interface VsCodeApi {
  postMessage(msg: WebviewMessage): void;
  getState(): unknown;
  setState(state: UiState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const ui: UiState = restoreUiState(vscode.getState());
const jobs = new JobStore();
let win = new LogWindow();
/** An earlier/later range request in flight (one at a time). */
let loading = false;
let noticeTimer: ReturnType<typeof setTimeout> | undefined;

const post = (msg: WebviewMessage) => vscode.postMessage(msg);
let saveTimer: ReturnType<typeof setTimeout> | undefined;
/**
 * Persists the UI state in the webview and with the host as a backup. Keystrokes are debounced;
 * a discrete choice (selection, stream, sort…) reaches the host at once, so a reload right
 * after it does not bring back the older host copy.
 */
function save(opts: { typing?: boolean } = {}): void {
  vscode.setState(ui);
  clearTimeout(saveTimer);
  const backup = () => post(SaveUiState.create({ state: { ...ui } }));
  if (opts.typing) saveTimer = setTimeout(backup, 250);
  else backup();
}

// ---- Layout --------------------------------------------------------------------------------

const textFilter = h('vscode-textfield', { placeholder: 'Filter by text', 'aria-label': 'Filter by text', id: 'filter-text' }) as HTMLElement & { value: string };
const tagFilter = h('vscode-textfield', { placeholder: 'Tag (a.b or a.*)', 'aria-label': 'Filter by tag', id: 'filter-tag' }) as HTMLElement & { value: string };
const stateFilter = h(
  'vscode-single-select',
  { 'aria-label': 'Filter by state', id: 'filter-state' },
  h('vscode-option', { value: '' }, 'All states'),
  ...JOB_STATES.map((s) => h('vscode-option', { value: s }, s)),
) as HTMLElement & { value: string };
const openEditorButton = h('vscode-button', { secondary: '', id: 'open-in-editor', title: 'Open the panel in an editor tab' }, 'Open in Editor');
const count = h('span', { class: 'count', id: 'job-count' });
const toolbar = h('div', { class: 'toolbar' }, textFilter, stateFilter, tagFilter, count, openEditorButton);

const thead = h('thead');
const tbody = h('tbody');
const table = h('table', { class: 'jobs', role: 'grid', 'aria-label': 'Jobs', id: 'jobs-table' }, thead, tbody);
const showMore = h('vscode-button', { secondary: '', id: 'show-more' }, 'Show more');
const windowNote = h('span', { class: 'count', id: 'window-note' });
const moreBar = h('div', { class: 'toolbar more', id: 'more' }, showMore, windowNote);
const jobsPane = h('div', { class: 'jobs-pane' }, table, moreBar);

const header = h('div', { class: 'detail-header-slot' });
const streamButtons = new Map<LogStream, HTMLElement>(
  LOG_STREAMS.map((s) => [s, h('vscode-button', { secondary: '', 'data-stream': s, id: `stream-${s}` }, s)]),
);
const follow = h('vscode-checkbox', { label: 'Follow', id: 'follow' }) as HTMLElement & { checked: boolean };
const search = h('vscode-textfield', { placeholder: 'Search log', 'aria-label': 'Search log', id: 'search' }) as HTMLElement & { value: string };
const matchCount = h('span', { class: 'count', id: 'match-count', 'aria-live': 'polite' });
const prevMatch = h('vscode-button', { secondary: '', id: 'match-prev', title: 'Previous match' }, '↑');
const nextMatch = h('vscode-button', { secondary: '', id: 'match-next', title: 'Next match' }, '↓');
const copyButton = h('vscode-button', { secondary: '', id: 'copy' }, 'Copy');
const rawButton = h('vscode-button', { secondary: '', id: 'open-raw' }, 'Open raw file');
const logControls = h(
  'div',
  { class: 'toolbar log-controls' },
  h('span', { class: 'group', role: 'group', 'aria-label': 'Stream' }, ...streamButtons.values()),
  follow,
  search,
  matchCount,
  prevMatch,
  nextMatch,
  copyButton,
  rawButton,
);
const logScroll = h('div', { class: 'log', id: 'log', tabindex: '0', role: 'log', 'aria-label': 'Job log' });
const logStatus = h('div', { class: 'log-status', id: 'log-status' });
const detail = h('div', { class: 'detail', id: 'detail' }, header, logControls, logScroll, logStatus);
const empty = h('div', { class: 'empty', id: 'empty' }, 'No jobs yet. Jobs started from the tree, the command palette, agents or the agent-exec CLI appear here.');
const notice = h('div', { class: 'notice', id: 'notice', role: 'status' });

const app = document.getElementById('app') ?? document.body;
app.append(toolbar, notice, empty, h('div', { class: 'split' }, jobsPane, detail));

const logView = new LogView(logScroll, win);
/**
 * Runs `cb` at the next animation frame, or after 100 ms if no frame comes: a webview iframe
 * the browser considers hidden gets no frames, and pushed chunks must not pile up meanwhile.
 */
function nextFrame(cb: () => void): void {
  let done = false;
  const run = () => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    cb();
  };
  const timer = setTimeout(run, 100);
  requestAnimationFrame(run);
}

let renderQueued = false;
/** Renders the log rows in view at the next frame (scrolling and chunks share the frame). */
function queueRender(): void {
  if (renderQueued) return;
  renderQueued = true;
  nextFrame(() => {
    renderQueued = false;
    logView.render();
  });
}

// ---- Jobs table --------------------------------------------------------------------------

function renderHead(): void {
  const tr = h('tr');
  for (const col of COLUMNS) {
    const th = h('th', { scope: 'col' });
    if (col.key) {
      const sorted = ui.sortKey === col.key;
      th.setAttribute('aria-sort', sorted ? (ui.sortDesc ? 'descending' : 'ascending') : 'none');
      const btn = h('button', { class: 'sort', 'data-sort': col.key }, col.label + (sorted ? (ui.sortDesc ? ' ▾' : ' ▴') : ''));
      th.append(btn);
    } else th.append(col.label);
    tr.append(th);
  }
  thead.replaceChildren(tr);
}

function actionsFor(row: JobRow): HTMLElement {
  const box = h('span', { class: 'row-actions' });
  if (row.state === 'running') box.append(h('vscode-button', { secondary: '', 'data-action': 'kill', 'data-id': row.id, title: 'Kill (choose a signal)' }, 'Kill ▾'));
  else {
    box.append(h('vscode-button', { secondary: '', 'data-action': 'rerun', 'data-id': row.id }, 'Rerun'));
    if (row.state !== 'created') box.append(h('vscode-button', { secondary: '', 'data-action': 'delete', 'data-id': row.id }, 'Delete'));
  }
  return box;
}

let rows: JobRow[] = [];

function renderTable(): void {
  const now = Date.now();
  rows = jobs.rows;
  const focusedId = document.activeElement instanceof HTMLTableRowElement ? document.activeElement.dataset.id : undefined;
  const frag = document.createDocumentFragment();
  for (const r of rows) frag.append(jobRowElement(r, r.id === ui.selected, now, actionsFor(r)));
  tbody.replaceChildren(frag);
  // Keep one row reachable with Tab even when the selection is filtered out.
  if (!rows.some((r) => r.id === ui.selected)) tbody.firstElementChild?.setAttribute('tabindex', '0');
  if (focusedId) (tbody.querySelector(`tr[data-id="${CSS.escape(focusedId)}"]`) as HTMLElement | null)?.focus();
  renderCount();
}

/** The counts and the "Show more" bar. */
function renderCount(): void {
  const filtered = jobs.matched < jobs.total ? ` (${jobs.total.toLocaleString()} in the store)` : '';
  count.textContent = `${rows.length.toLocaleString()} of ${jobs.matched.toLocaleString()} jobs${filtered}`;
  empty.hidden = jobs.total > 0;
  // More rows than shown: the next page, up to the most one window may hold.
  const more = rows.length < jobs.matched;
  moreBar.hidden = !more;
  showMore.hidden = jobs.view.limit >= MAX_JOBS;
  windowNote.textContent = more && jobs.view.limit >= MAX_JOBS ? `Showing the first ${MAX_JOBS.toLocaleString()}: filter or sort to see others.` : '';
}

let viewTimer: ReturnType<typeof setTimeout> | undefined;
/** Asks the host for the table of the current sort and filters (first page); typing is debounced. */
function requestView(opts: { typing?: boolean } = {}): void {
  clearTimeout(viewTimer);
  const send = () => post(SetJobView.create({ ...queryOf(ui), limit: JOBS_PAGE }));
  if (opts.typing) viewTimer = setTimeout(send, 150);
  else send();
}

/**
 * Takes a window of the job list (always: the host sends only rows the last window lacked);
 * false when it is for other sort or filters than the current ones (the answer to a newer
 * request is on its way), so the table is not drawn from it.
 */
function applyWindow(w: JobWindow): { current: boolean; changed: boolean } {
  const changed = jobs.apply(w);
  return { current: sameQuery(w.view, queryOf(ui)), changed };
}

function renderDetail(): void {
  const row = ui.selected ? jobs.get(ui.selected) : undefined;
  detail.hidden = !row;
  if (!row) return;
  header.replaceChildren(detailHeader(row, Date.now()));
  for (const [s, b] of streamButtons) {
    b.toggleAttribute('secondary', s !== ui.stream);
    b.setAttribute('aria-pressed', String(s === ui.stream));
  }
  follow.checked = ui.follow;
}

function select(id: string | null, opts: { focus?: boolean } = {}): void {
  const changed = id !== ui.selected;
  ui.selected = id;
  renderTable();
  renderDetail();
  if (opts.focus && id) (tbody.querySelector(`tr[data-id="${CSS.escape(id)}"]`) as HTMLElement | null)?.focus();
  // subscribe() saves the new selection (an unchanged one has nothing to save).
  if (changed) subscribe();
}

/** Asks the host for the selected job's tail (and to follow it). */
function subscribe(): void {
  win = new LogWindow();
  ui.follow = true;
  follow.checked = true;
  save();
  loading = false;
  logView.setWindow(win);
  matches = [];
  logView.render();
  updateLogStatus();
  post(SelectJob.create({ jobId: ui.selected, stream: ui.stream }));
}

// ---- Kill menu ---------------------------------------------------------------------------

let menu: HTMLElement | undefined;

function closeMenu(): void {
  menu?.remove();
  menu = undefined;
}

function openKillMenu(anchor: HTMLElement, id: string): void {
  closeMenu();
  const items = PANEL_SIGNALS.map((sig) =>
    h('button', { role: 'menuitem', class: 'menu-item', 'data-signal': sig, 'data-id': id }, h('strong', {}, sig), ` — ${SIGNAL_DESCRIPTIONS[sig]}`),
  );
  menu = h('div', { class: 'menu', role: 'menu', id: 'kill-menu', 'aria-label': 'Signal' }, ...items);
  const r = anchor.getBoundingClientRect();
  menu.style.top = `${r.bottom + window.scrollY}px`;
  menu.style.left = `${Math.max(0, r.right - 220)}px`;
  document.body.append(menu);
  items[0].focus();
  menu.addEventListener('keydown', (e) => {
    const i = items.indexOf(document.activeElement as HTMLElement);
    if (e.key === 'ArrowDown') items[(i + 1) % items.length].focus();
    else if (e.key === 'ArrowUp') items[(i - 1 + items.length) % items.length].focus();
    else if (e.key === 'Escape') {
      closeMenu();
      anchor.focus();
    } else return;
    e.preventDefault();
  });
}

// ---- Log ---------------------------------------------------------------------------------

function updateLogStatus(): void {
  const parts = [`bytes ${win.start.toLocaleString()}–${win.end.toLocaleString()} of ${win.total.toLocaleString()}`, `${win.visibleCount} lines loaded`];
  if (loading) parts.push('loading…');
  else if (win.hasAbove) parts.push('scroll up for earlier output');
  else if (win.total > 0) parts.push('from the start of the log');
  if (win.hasBelow) parts.push(`${(win.total - win.end).toLocaleString()} newer bytes below`);
  logStatus.textContent = parts.join(' · ');
  updateMatches();
}

/** Lines of the window that match the search, and the one last jumped to. */
let matches: number[] = [];
let currentMatch = -1;
function updateMatches(): void {
  if (!ui.search) {
    matchCount.textContent = '';
    return;
  }
  matches = matchingLines(win.lines, ui.search);
  const n = countMatches(win.lines, ui.search);
  matchCount.textContent = n === 1 ? '1 match' : `${n} matches`;
  if (win.hasAbove || win.hasBelow) matchCount.textContent += ' (loaded part)';
}

function gotoMatch(dir: 1 | -1): void {
  if (matches.length === 0) return;
  currentMatch = (currentMatch + dir + matches.length) % matches.length;
  if (ui.follow) setFollow(false);
  logView.currentLine = matches[currentMatch];
  logView.scrollToLine(matches[currentMatch]);
  logView.render();
}

function setFollow(on: boolean): void {
  ui.follow = on;
  follow.checked = on;
  save();
  if (on) {
    // Detached from the tail (we scrolled up past the window's trim): get a fresh tail.
    if (win.hasBelow) subscribe();
    else {
      logView.scrollToBottom();
      queueRender();
    }
  }
}

function requestRange(direction: 'above' | 'below', range: [number, number] | undefined): void {
  if (!range || loading || !ui.selected) return;
  loading = true;
  post(LoadRange.create({ jobId: ui.selected, stream: ui.stream, direction, start: range[0], end: range[1] }));
  updateLogStatus();
}

type ChunkMsg = Extract<HostMessage, { method: 'log/chunk' }>['params'];

/** Applies the chunks that arrived since the last frame, then renders once. */
function applyChunks(chunks: ChunkMsg[]): void {
  const mine = chunks.filter((c) => c.jobId === ui.selected && c.stream === ui.stream);
  if (mine.length === 0) return;
  let addedTop = 0;
  let droppedTop = 0;
  // Runs of appends are merged into one; while the user reads earlier output (not following),
  // live appends and tails only move `total`: the window stays put and "newer bytes below" shows.
  for (const c of mergeContiguous(mine, (a, b) => a.kind === 'append' && b.kind === 'append')) {
    let change: WindowChange | undefined;
    if (c.kind === 'range') {
      loading = false;
      change = c.end === win.start ? win.prepend(c) : win.append(c);
    } else if (!ui.follow && win.total > 0) {
      win.total = Math.max(win.total, c.total);
    } else change = c.kind === 'tail' ? win.reset(c) : win.append(c);
    if (!change) continue;
    logView.changed(change);
    addedTop += change.addedTop;
    droppedTop += change.droppedTop;
    if (change.reset || change.droppedTop > 0 || change.addedTop > 0) logView.currentLine = -1;
  }
  logView.syncHeight();
  if (ui.follow) logView.scrollToBottom();
  // Lines were added or dropped above: keep the lines the user is reading where they are.
  else if (addedTop > 0 || droppedTop > 0) logScroll.scrollTop += (addedTop - droppedTop) * logView.lineHeight;
  logView.render();
  updateLogStatus();
}

const chunkBatcher = new FrameBatcher<ChunkMsg>(applyChunks, nextFrame);

// ---- Messages from the host --------------------------------------------------------------

function onHostMessage(msg: HostMessage): void {
  if (Snapshot.is(msg)) {
    if (msg.params.ui) applyUiState(msg.params.ui);
    // The host used its copy of the UI state, or the defaults: ask for ours when it differs.
    if (!applyWindow(msg.params.window).current) requestView();
    // The host answers the selection below with the job's row, or says it is gone.
    ui.selected = msg.params.selected ?? ui.selected;
    const selection = msg.params.window.selection;
    if (selection?.id === ui.selected && selection.row === null) ui.selected = null;
    renderHead();
    renderTable();
    renderDetail();
    subscribe();
  } else if (JobsWindow.is(msg)) {
    const { current, changed } = applyWindow(msg.params);
    if (!current) return;
    const selection = msg.params.selection;
    if (ui.selected && selection?.id === ui.selected && selection.row === null) select(null);
    else {
      // Only the counts moved (jobs elsewhere in the store): the rows stay as they are.
      if (changed) renderTable();
      else renderCount();
      renderDetail();
    }
  } else if (RevealJob.is(msg)) {
    if (ui.stateFilter || ui.tagFilter || ui.textFilter) clearFilters();
    select(msg.params.jobId, { focus: true });
  } else if (LogChunk.is(msg)) {
    chunkBatcher.push(msg.params);
  } else if (Notice.is(msg)) {
    notice.textContent = msg.params.text;
    notice.className = `notice ${msg.params.level}`;
    clearTimeout(noticeTimer);
    noticeTimer = setTimeout(() => (notice.textContent = ''), msg.params.level === 'error' ? 15000 : 5000);
  }
}

/** Takes over the host's copy of the UI state (fresher than getState after a reload in VS Code web). */
function applyUiState(saved: UiState): void {
  Object.assign(ui, saved);
  showUiState();
  vscode.setState(ui);
}

/** Puts the UI state into the inputs. */
function showUiState(): void {
  textFilter.value = ui.textFilter;
  tagFilter.value = ui.tagFilter;
  stateFilter.value = ui.stateFilter;
  search.value = ui.search;
  logView.query = ui.search;
}

function clearFilters(): void {
  ui.stateFilter = '';
  ui.tagFilter = '';
  ui.textFilter = '';
  stateFilter.value = '';
  tagFilter.value = '';
  textFilter.value = '';
  save();
  requestView();
}

window.addEventListener('message', (e: MessageEvent) => {
  const msg = parseMessage(HOST_TO_WEBVIEW, e.data);
  if (msg) onHostMessage(msg);
  else console.warn(`job panel: dropped ${describeDropped(e.data)}`);
});

// ---- User input --------------------------------------------------------------------------

textFilter.addEventListener('input', () => {
  ui.textFilter = textFilter.value;
  save({ typing: true });
  requestView({ typing: true });
});
tagFilter.addEventListener('input', () => {
  ui.tagFilter = tagFilter.value;
  save({ typing: true });
  requestView({ typing: true });
});
stateFilter.addEventListener('change', () => {
  ui.stateFilter = (JOB_STATES as readonly string[]).includes(stateFilter.value) ? (stateFilter.value as UiState['stateFilter']) : '';
  save();
  requestView();
});
showMore.addEventListener('click', () => post(SetJobView.create(jobs.nextPage(MAX_JOBS))));
openEditorButton.addEventListener('click', () => post(OpenInEditor.create({})));

thead.addEventListener('click', (e) => {
  const key = (e.target as HTMLElement).closest<HTMLElement>('[data-sort]')?.dataset.sort as SortKey | undefined;
  if (!key) return;
  ui.sortDesc = ui.sortKey === key ? !ui.sortDesc : key === 'started' || key === 'duration';
  ui.sortKey = key;
  save();
  renderHead();
  requestView();
});

tbody.addEventListener('click', (e) => {
  const target = e.target as HTMLElement;
  const action = target.closest<HTMLElement>('[data-action]');
  if (action?.dataset.id) {
    const id = action.dataset.id;
    if (action.dataset.action === 'kill') openKillMenu(action, id);
    else if (action.dataset.action === 'rerun') post(RerunJob.create({ jobId: id }));
    else if (action.dataset.action === 'delete') post(DeleteJob.create({ jobId: id }));
    return;
  }
  const tr = target.closest<HTMLElement>('tr[data-id]');
  if (tr?.dataset.id) select(tr.dataset.id);
});

/** Arrow keys move the selection, Enter opens the log, K kills, Delete deletes. */
tbody.addEventListener('keydown', (e) => {
  const tr = (e.target as HTMLElement).closest<HTMLElement>('tr[data-id]');
  if (!tr?.dataset.id || e.target !== tr) return;
  const i = rows.findIndex((r) => r.id === tr.dataset.id);
  const move = (j: number) => rows[j] && select(rows[j].id, { focus: true });
  if (e.key === 'ArrowDown') move(Math.min(rows.length - 1, i + 1));
  else if (e.key === 'ArrowUp') move(Math.max(0, i - 1));
  else if (e.key === 'Home') move(0);
  else if (e.key === 'End') move(rows.length - 1);
  else if (e.key === 'Enter' || e.key === ' ') {
    select(tr.dataset.id);
    logScroll.focus();
  } else if (e.key === 'k' || e.key === 'K') {
    const btn = tr.querySelector<HTMLElement>('[data-action="kill"]');
    if (btn) openKillMenu(btn, tr.dataset.id);
  } else if (e.key === 'Delete') {
    if (tr.querySelector('[data-action="delete"]')) post(DeleteJob.create({ jobId: tr.dataset.id }));
  } else return;
  e.preventDefault();
});

document.addEventListener('click', (e) => {
  const item = (e.target as HTMLElement).closest<HTMLElement>('[data-signal]');
  if (item?.dataset.id && item.dataset.signal) {
    const signal = PANEL_SIGNALS.find((s) => s === item.dataset.signal);
    if (signal) post(KillJob.create({ jobId: item.dataset.id, signal }));
    closeMenu();
  } else if (menu && !menu.contains(e.target as Node) && !(e.target as HTMLElement).closest('[data-action="kill"]')) closeMenu();
});

for (const [s, b] of streamButtons) {
  b.addEventListener('click', () => {
    if (ui.stream === s) return;
    ui.stream = s;
    renderDetail();
    subscribe(); // saves the new stream
  });
}
follow.addEventListener('change', () => setFollow(follow.checked));
search.addEventListener('input', () => {
  ui.search = search.value;
  save({ typing: true });
  logView.query = ui.search;
  logView.currentLine = -1;
  currentMatch = -1;
  updateMatches();
  logView.render();
});
search.addEventListener('keydown', (e) => {
  if (e.key === 'Enter') gotoMatch(e.shiftKey ? -1 : 1);
});
prevMatch.addEventListener('click', () => gotoMatch(-1));
nextMatch.addEventListener('click', () => gotoMatch(1));
copyButton.addEventListener('click', () => ui.selected && post(CopyLog.create({ jobId: ui.selected, stream: ui.stream })));
rawButton.addEventListener('click', () => ui.selected && post(OpenRawLog.create({ jobId: ui.selected, stream: ui.stream })));

/**
 * Bytes to load per page: about half a window of lines at the window's average line length, so
 * a page never pushes the lines on screen out of the window (which would make the view jump).
 */
function pageBytes(): number {
  const avgLine = Math.max(16, (win.end - win.start) / Math.max(1, win.visibleCount));
  return Math.round(Math.max(4096, Math.min(MAX_RANGE_BYTES / 4, (avgLine * win.limits.maxLines) / 2)));
}

logScroll.addEventListener('scroll', () => {
  queueRender();
  if (logScroll.scrollTop < 200) requestRange('above', win.rangeAbove(pageBytes()));
  if (logView.isAtBottom()) {
    if (win.hasBelow) requestRange('below', win.rangeBelow(pageBytes()));
    else if (!ui.follow) setFollow(true);
  } else if (ui.follow) {
    ui.follow = false;
    follow.checked = false;
    save();
  }
});

// ---- Start ---------------------------------------------------------------------------------

showUiState();
detail.hidden = true;
renderHead();
post(Ready.create({}));
