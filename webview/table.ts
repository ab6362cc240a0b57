/**
 * The jobs table with its toolbar (filters, counts, "Open in Editor") and "Show more" bar. The
 * host sorts and filters the whole store and sends one page of rows; the table asks for the
 * view the user chose and draws the window it gets back.
 */
import {
  DeleteJob,
  JOB_STATES,
  JOBS_PAGE,
  MAX_JOBS,
  OpenInEditor,
  OpenJobUrl,
  RerunJob,
  SetJobView,
  type JobRow,
  type JobWindow,
  type SortKey,
  type UiState,
} from '../src/protocol/jobPanel';
import { queryOf, sameQuery } from '../src/protocol/jobQuery';
import type { KillMenu } from './killMenu';
import { COLUMNS, h, jobRowElement } from './render';
import type { PanelContext } from './state';

type TextInput = HTMLElement & { value: string };

export class JobsTable {
  private readonly textFilter = h('vscode-textfield', {
    placeholder: 'Filter by text',
    'aria-label': 'Filter by text',
    id: 'filter-text',
  }) as TextInput;
  private readonly tagFilter = h('vscode-textfield', {
    placeholder: 'Tag (a.b or a.*)',
    'aria-label': 'Filter by tag',
    id: 'filter-tag',
  }) as TextInput;
  private readonly stateFilter = h(
    'vscode-single-select',
    { 'aria-label': 'Filter by state', id: 'filter-state' },
    h('vscode-option', { value: '' }, 'All states'),
    ...JOB_STATES.map((s) => h('vscode-option', { value: s }, s)),
  ) as TextInput;
  private readonly openEditorButton = h(
    'vscode-button',
    { secondary: '', id: 'open-in-editor', title: 'Open the panel in an editor tab' },
    'Open in Editor',
  );
  private readonly count = h('span', { class: 'count', id: 'job-count' });
  readonly toolbar = h('div', { class: 'toolbar' }, this.textFilter, this.stateFilter, this.tagFilter, this.count, this.openEditorButton);

  private readonly thead = h('thead');
  private readonly tbody = h('tbody');
  private readonly showMore = h('vscode-button', { secondary: '', id: 'show-more' }, 'Show more');
  private readonly windowNote = h('span', { class: 'count', id: 'window-note' });
  private readonly moreBar = h('div', { class: 'toolbar more', id: 'more' }, this.showMore, this.windowNote);
  readonly pane = h(
    'div',
    { class: 'jobs-pane' },
    h('table', { class: 'jobs', role: 'grid', 'aria-label': 'Jobs', id: 'jobs-table' }, this.thead, this.tbody),
    this.moreBar,
  );
  readonly empty = h(
    'div',
    { class: 'empty', id: 'empty' },
    'No jobs yet. Jobs started from the tree, the command palette, agents or the agent-exec CLI appear here.',
  );
  private viewTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly ctx: PanelContext,
    private readonly killMenu: KillMenu,
    private readonly on: {
      /** A row was clicked or reached with the keyboard. */
      select(id: string, opts?: { focus?: boolean }): void;
      /** Enter or Space on a row: select it and go to its log. */
      open(id: string): void;
    },
  ) {
    const { ui } = ctx.state;
    for (const [input, key] of [
      [this.textFilter, 'textFilter'],
      [this.tagFilter, 'tagFilter'],
    ] as const) {
      input.addEventListener('input', () => {
        ui[key] = input.value;
        ctx.save({ typing: true });
        this.requestView({ typing: true });
      });
    }
    this.stateFilter.addEventListener('change', () => {
      const value = this.stateFilter.value;
      ui.stateFilter = (JOB_STATES as readonly string[]).includes(value) ? (value as UiState['stateFilter']) : '';
      ctx.save();
      this.requestView();
    });
    this.showMore.addEventListener('click', () => ctx.post(SetJobView.create(ctx.state.jobs.nextPage(MAX_JOBS))));
    this.openEditorButton.addEventListener('click', () => ctx.post(OpenInEditor.create({})));
    this.thead.addEventListener('click', (e) =>
      this.sortBy((e.target as HTMLElement).closest<HTMLElement>('[data-sort]')?.dataset.sort as SortKey | undefined),
    );
    this.tbody.addEventListener('click', (e) => this.onClick(e.target as HTMLElement));
    this.tbody.addEventListener('keydown', (e) => this.onKey(e));
  }

  /** Puts the UI state's filters into the inputs. */
  showUiState(): void {
    const { ui } = this.ctx.state;
    this.textFilter.value = ui.textFilter;
    this.tagFilter.value = ui.tagFilter;
    this.stateFilter.value = ui.stateFilter;
  }

  clearFilters(): void {
    const { ui } = this.ctx.state;
    ui.stateFilter = '';
    ui.tagFilter = '';
    ui.textFilter = '';
    this.showUiState();
    this.ctx.save();
    this.requestView();
  }

  /** Asks the host for the table of the current sort and filters (first page); typing is debounced. */
  requestView(opts: { typing?: boolean } = {}): void {
    clearTimeout(this.viewTimer);
    const send = () => this.ctx.post(SetJobView.create({ ...queryOf(this.ctx.state.ui), limit: JOBS_PAGE }));
    if (opts.typing) this.viewTimer = setTimeout(send, 150);
    else send();
  }

  /**
   * Takes a window of the job list (always: the host sends only rows the last window lacked);
   * `current` is false when it is for other sort or filters than the current ones (the answer
   * to a newer request is on its way), so the table is not drawn from it.
   */
  applyWindow(w: JobWindow): { current: boolean; changed: boolean } {
    const changed = this.ctx.state.jobs.apply(w);
    return { current: sameQuery(w.view, queryOf(this.ctx.state.ui)), changed };
  }

  renderHead(): void {
    const { ui } = this.ctx.state;
    const tr = h('tr');
    for (const col of COLUMNS) {
      const th = h('th', { scope: 'col' });
      if (col.key) {
        const sorted = ui.sortKey === col.key;
        th.setAttribute('aria-sort', sorted ? (ui.sortDesc ? 'descending' : 'ascending') : 'none');
        th.append(h('button', { class: 'sort', 'data-sort': col.key }, col.label + (sorted ? (ui.sortDesc ? ' ▾' : ' ▴') : '')));
      } else th.append(col.label);
      tr.append(th);
    }
    this.thead.replaceChildren(tr);
  }

  render(): void {
    const { state } = this.ctx;
    const now = Date.now();
    const rows = (state.shownRows = state.jobs.rows);
    const focusedId = document.activeElement instanceof HTMLTableRowElement ? document.activeElement.dataset.id : undefined;
    const frag = document.createDocumentFragment();
    for (const r of rows) frag.append(jobRowElement(r, r.id === state.ui.selected, now, actionsFor(r)));
    this.tbody.replaceChildren(frag);
    // Keep one row reachable with Tab even when the selection is filtered out.
    if (!rows.some((r) => r.id === state.ui.selected)) this.tbody.firstElementChild?.setAttribute('tabindex', '0');
    if (focusedId) this.focusRow(focusedId);
    this.renderCount();
  }

  /** The counts and the "Show more" bar. */
  renderCount(): void {
    const { jobs, shownRows } = this.ctx.state;
    const filtered = jobs.matched < jobs.total ? ` (${jobs.total.toLocaleString()} in the store)` : '';
    this.count.textContent = `${shownRows.length.toLocaleString()} of ${jobs.matched.toLocaleString()} jobs${filtered}`;
    this.empty.hidden = jobs.total > 0;
    // More rows than shown: the next page, up to the most one window may hold.
    const more = shownRows.length < jobs.matched;
    this.moreBar.hidden = !more;
    this.showMore.hidden = jobs.view.limit >= MAX_JOBS;
    this.windowNote.textContent =
      more && jobs.view.limit >= MAX_JOBS ? `Showing the first ${MAX_JOBS.toLocaleString()}: filter or sort to see others.` : '';
  }

  focusRow(id: string): void {
    (this.tbody.querySelector(`tr[data-id="${CSS.escape(id)}"]`) as HTMLElement | null)?.focus();
  }

  private sortBy(key: SortKey | undefined): void {
    if (!key) return;
    const { ui } = this.ctx.state;
    ui.sortDesc = ui.sortKey === key ? !ui.sortDesc : key === 'started' || key === 'duration';
    ui.sortKey = key;
    this.ctx.save();
    this.renderHead();
    this.requestView();
  }

  private onClick(target: HTMLElement): void {
    const action = target.closest<HTMLElement>('[data-action]');
    if (action?.dataset.id) {
      const id = action.dataset.id;
      if (action.dataset.action === 'kill') this.killMenu.open(action, id);
      else if (action.dataset.action === 'rerun') this.ctx.post(RerunJob.create({ jobId: id }));
      else if (action.dataset.action === 'delete') this.ctx.post(DeleteJob.create({ jobId: id }));
      else if (action.dataset.action === 'open-url') this.ctx.post(OpenJobUrl.create({ jobId: id }));
      return;
    }
    const tr = target.closest<HTMLElement>('tr[data-id]');
    if (tr?.dataset.id) this.on.select(tr.dataset.id);
  }

  /** Arrow keys move the selection, Enter opens the log, K kills, Delete deletes. */
  private onKey(e: KeyboardEvent): void {
    const tr = (e.target as HTMLElement).closest<HTMLElement>('tr[data-id]');
    if (!tr?.dataset.id || e.target !== tr) return;
    const rows = this.ctx.state.shownRows;
    const i = rows.findIndex((r) => r.id === tr.dataset.id);
    const move = (j: number) => rows[j] && this.on.select(rows[j].id, { focus: true });
    if (e.key === 'ArrowDown') move(Math.min(rows.length - 1, i + 1));
    else if (e.key === 'ArrowUp') move(Math.max(0, i - 1));
    else if (e.key === 'Home') move(0);
    else if (e.key === 'End') move(rows.length - 1);
    else if (e.key === 'Enter' || e.key === ' ') this.on.open(tr.dataset.id);
    else if (e.key === 'k' || e.key === 'K') {
      const btn = tr.querySelector<HTMLElement>('[data-action="kill"]');
      if (btn) this.killMenu.open(btn, tr.dataset.id);
    } else if (e.key === 'Delete') {
      if (tr.querySelector('[data-action="delete"]')) this.ctx.post(DeleteJob.create({ jobId: tr.dataset.id }));
    } else return;
    e.preventDefault();
  }
}

function actionsFor(row: JobRow): HTMLElement {
  const box = h('span', { class: 'row-actions' });
  if (row.state === 'running')
    box.append(h('vscode-button', { secondary: '', 'data-action': 'kill', 'data-id': row.id, title: 'Kill (choose a signal)' }, 'Kill ▾'));
  else {
    box.append(h('vscode-button', { secondary: '', 'data-action': 'rerun', 'data-id': row.id }, 'Rerun'));
    if (row.state !== 'created') box.append(h('vscode-button', { secondary: '', 'data-action': 'delete', 'data-id': row.id }, 'Delete'));
  }
  return box;
}
