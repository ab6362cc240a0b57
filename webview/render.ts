/**
 * DOM rendering of the panel. Every piece of job data and log text goes into the page as text
 * nodes or attributes set through the DOM API, never through innerHTML. Colours come from the
 * theme's CSS variables (styles.css); ANSI colours outside the 16 theme colours are set with
 * CSSOM, which the CSP allows.
 */
import { endState, parseAnsiLine, stripAnsi, type SgrState, type Span } from '../src/shared/ansi';
import { visibleRange, type LogWindow, type WindowChange } from './logWindow';
import { outcomeText } from './state';
import { formatDuration } from '../src/shared/duration';
import { formatShortTime } from '../src/shared/time';
import { commandText, durationMs } from '../src/protocol/jobQuery';
import type { JobRow } from '../src/protocol/jobPanel';

/** A line longer than this is shown cut (the full text stays in the raw file / copy). */
export const MAX_LINE_CHARS = 10_000;
/** How far back the colour state of a line is looked for (see LogView.stateAt). */
export const STATE_LOOKBACK = 500;

type Attrs = Record<string, string>;

/** Creates an element with attributes and children (strings become text nodes). */
export function h(tag: string, attrs: Attrs = {}, ...children: (Node | string)[]): HTMLElement {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  for (const c of children) el.append(typeof c === 'string' ? document.createTextNode(c) : c);
  return el;
}

/** The duration cell: empty while a job has none (created, or never started). */
const durationText = (ms: number | undefined): string => (ms === undefined ? '' : formatDuration(ms));

export function formatTime(ts: string | undefined): string {
  if (!ts) return '';
  const d = new Date(ts);
  return Number.isNaN(d.getTime()) ? ts : d.toLocaleString();
}

/** The state badge: text plus a state class the stylesheet colours with theme variables. */
export function stateBadge(row: JobRow): HTMLElement {
  const failed = row.state === 'failed' || (row.state === 'exited' && row.exitCode !== 0);
  const badge = h(
    'vscode-badge',
    { class: `state state-${row.state}${failed ? ' state-bad' : ''}`, title: row.error ?? row.state },
    row.state,
  );
  return badge;
}

/** "needs input" / "stalled" next to the state of a running job that needs someone; its last line in the title. */
export function attentionBadge(row: JobRow): HTMLElement[] {
  if (row.state !== 'running' || !row.attention) return [];
  const text = row.attention === 'needs_input' ? 'needs input' : 'stalled';
  return [h('vscode-badge', { class: `attention attention-${row.attention}`, title: row.lastLine ?? text }, text)];
}

export const COLUMNS = [
  { key: 'state', label: 'State' },
  { key: 'command', label: 'Command' },
  { key: null, label: 'Ready' },
  { key: 'cwd', label: 'Cwd' },
  { key: null, label: 'Tags' },
  { key: 'started', label: 'Started' },
  { key: 'duration', label: 'Duration' },
  { key: 'exit', label: 'Result' },
  { key: 'owner', label: 'Owner' },
  { key: null, label: 'Actions' },
] as const;

/** `:3000, :8080`: the ports a running job listens on. */
const portsText = (ports: readonly number[] | undefined): string => (ports ?? []).map((p) => `:${p}`).join(', ');

/**
 * The Ready cell of a running job: "starting…", "ready :3000" (a link that opens its URL in the
 * browser through the host), "timed out"; the ports it listens on when it declares no readiness.
 */
export function readyCell(row: JobRow): HTMLElement {
  const title = row.ports?.length ? `listening on ${portsText(row.ports)}` : '';
  if (row.ready === 'pending') return h('td', { class: 'ready-pending', title: title || 'waiting to become ready' }, 'starting…');
  if (row.ready === 'timed_out') return h('td', { class: 'ready-timed_out', title }, 'timed out');
  if (row.ready === 'ready') {
    const text = row.port !== undefined ? `ready :${row.port}` : 'ready';
    if (row.url === undefined) return h('td', { class: 'ready-ready', title }, text);
    const link = h(
      'button',
      { class: 'ready-link', 'data-action': 'open-url', 'data-id': row.id, title: `Open ${row.url} in the browser` },
      text,
    );
    return h('td', { class: 'ready-ready' }, link);
  }
  return h('td', { class: 'mono', title }, portsText(row.ports));
}

/** One table row; `actions` are the row's buttons (built by main.ts, which owns their handlers). */
export function jobRowElement(row: JobRow, selected: boolean, now: number, actions: Node): HTMLTableRowElement {
  const tr = h('tr', {
    'data-id': row.id,
    tabindex: selected ? '0' : '-1',
    'aria-selected': String(selected),
    class: selected ? 'selected' : '',
  }) as HTMLTableRowElement;
  const cmd = commandText(row);
  tr.append(
    h('td', {}, stateBadge(row), ...attentionBadge(row)),
    h('td', { class: 'mono ellipsis', title: cmd }, cmd),
    readyCell(row),
    h('td', { class: 'ellipsis', title: row.cwd ?? '' }, row.cwd ?? ''),
    h('td', { title: row.tags.join(', ') }, ...row.tags.map((t) => h('span', { class: 'tag' }, t))),
    // The cell's title has the full stamp.
    h('td', { title: row.startedAt ?? row.createdAt }, formatShortTime(row.startedAt ?? row.createdAt, now)),
    h('td', { class: 'num' }, durationText(durationMs(row, now))),
    h('td', { title: outcomeText(row) }, outcomeText(row)),
    h('td', { title: row.owner ?? '' }, row.owner ?? ''),
    h('td', { class: 'actions' }, actions),
  );
  return tr;
}

/** The detail header: state, pid, times and the exact command. */
export function detailHeader(row: JobRow, now: number): HTMLElement {
  const facts: [string, string][] = [
    ['id', row.id],
    ['pid', row.pid !== undefined ? String(row.pid) : ''],
    ['started', formatTime(row.startedAt)],
    ['finished', formatTime(row.finishedAt)],
    ['duration', durationText(durationMs(row, now))],
    ['result', outcomeText(row)],
    ['cwd', row.cwd ?? ''],
    ['owner', row.owner ?? ''],
  ];
  const dl = h('dl', { class: 'facts' });
  for (const [k, v] of facts) if (v) dl.append(h('dt', {}, k), h('dd', { class: k === 'id' || k === 'cwd' ? 'mono' : '' }, v));
  return h(
    'div',
    { class: 'detail-header' },
    h(
      'div',
      { class: 'title' },
      stateBadge(row),
      ...attentionBadge(row),
      h('code', { class: 'command', title: 'exact command (argv)' }, commandText(row)),
    ),
    dl,
    ...(row.error ? [h('div', { class: 'error' }, row.error)] : []),
  );
}

function colourStyle(el: HTMLElement, prop: 'color' | 'backgroundColor', value: number | string | undefined, cls: string): void {
  if (typeof value === 'number') el.classList.add(`${cls}${value}`);
  else if (typeof value === 'string') el.style[prop] = value;
}

function spanElement(text: string, style: SgrState): Node {
  if (Object.keys(style).length === 0) return document.createTextNode(text);
  const el = document.createElement('span');
  el.textContent = text;
  const [fg, bg] = style.inverse ? [style.bg ?? 'inverse-fg', style.fg ?? 'inverse-bg'] : [style.fg, style.bg];
  if (fg === 'inverse-fg') el.classList.add('ansi-inverse-fg');
  else colourStyle(el, 'color', fg, 'ansi-fg');
  if (bg === 'inverse-bg') el.classList.add('ansi-inverse-bg');
  else colourStyle(el, 'backgroundColor', bg, 'ansi-bg');
  if (style.bold) el.classList.add('ansi-bold');
  if (style.dim) el.classList.add('ansi-dim');
  if (style.italic) el.classList.add('ansi-italic');
  if (style.underline) el.classList.add('ansi-underline');
  if (style.strike) el.classList.add('ansi-strike');
  return el;
}

/** Splits spans at search matches (case-insensitive), marking the matches. */
function withMatches(spans: Span[], query: string): { text: string; style: SgrState; match: boolean }[] {
  if (!query) return spans.map((s) => ({ ...s, match: false }));
  const full = spans.map((s) => s.text).join('');
  const lower = full.toLowerCase();
  const q = query.toLowerCase();
  const marks: [number, number][] = [];
  for (let i = lower.indexOf(q); i >= 0; i = lower.indexOf(q, i + q.length)) marks.push([i, i + q.length]);
  if (marks.length === 0) return spans.map((s) => ({ ...s, match: false }));
  const out: { text: string; style: SgrState; match: boolean }[] = [];
  let pos = 0;
  for (const s of spans) {
    let from = 0;
    while (from < s.text.length) {
      const abs = pos + from;
      const inMark = marks.find(([a, b]) => abs >= a && abs < b);
      const next = inMark ? inMark[1] : Math.min(...marks.map(([a]) => a).filter((a) => a > abs), Infinity);
      const to = Math.min(s.text.length, next - pos);
      out.push({ text: s.text.slice(from, to), style: s.style, match: inMark !== undefined });
      from = to;
    }
    pos += s.text.length;
  }
  return out;
}

/** Indexes of the lines that contain `query` (case-insensitive, escapes ignored). */
export function matchingLines(lines: readonly string[], query: string): number[] {
  if (!query) return [];
  const q = query.toLowerCase();
  const out: number[] = [];
  for (let i = 0; i < lines.length; i++) if (stripAnsi(lines[i]).toLowerCase().includes(q)) out.push(i);
  return out;
}

/** Counts case-insensitive occurrences of `query` in the visible text of the window's lines. */
export function countMatches(lines: readonly string[], query: string): number {
  if (!query) return 0;
  const q = query.toLowerCase();
  let n = 0;
  for (const line of lines) {
    const text = stripAnsi(line).toLowerCase();
    for (let i = text.indexOf(q); i >= 0; i = text.indexOf(q, i + q.length)) n++;
  }
  return n;
}

/**
 * Shows a LogWindow in a scroll container, virtualized: rows all have one height (no wrapping),
 * a spacer gives the scrollbar the window's full height, and only the rows in view (plus a
 * little overscan) exist in the DOM, so neither a 5 000-line window nor a 50 MB/s stream makes
 * the DOM or the layout grow. SGR state at each line start is computed lazily and cached.
 */
export class LogView {
  /** SGR state at the start of line i, where computed (the array may have holes). */
  private states: (SgrState | undefined)[] = [{}];
  private readonly spacer: HTMLElement;
  private readonly rows: HTMLElement;
  private rowHeight = 0;
  private rendered: [number, number] = [0, 0];
  /** win.lines.length when the cache was last brought in step. */
  private synced = 1;
  query = '';
  /** Line index of the current search match (highlighted), or -1. */
  currentLine = -1;

  constructor(
    readonly scroller: HTMLElement,
    private win: LogWindow,
  ) {
    this.rows = h('div', { class: 'log-rows', id: 'log-lines' });
    this.spacer = h('div', { class: 'log-spacer' }, this.rows);
    scroller.append(this.spacer);
  }

  get lineHeight(): number {
    if (this.rowHeight === 0) {
      const probe = h('div', { class: 'line' }, 'M');
      this.rows.append(probe);
      this.rowHeight = probe.getBoundingClientRect().height || 18;
      probe.remove();
    }
    return this.rowHeight;
  }

  /** Points the view at a new window (a job or stream switch). */
  setWindow(win: LogWindow): void {
    this.win = win;
    this.states = [{}];
    this.synced = win.lines.length;
    this.currentLine = -1;
  }

  /** Keeps the state cache in step with a window change (call before `render`). */
  changed(change: WindowChange): void {
    if (change.reset || change.addedTop > 0 || change.firstChanged || change.droppedBottom > 0) this.states = [{}];
    else {
      // States up to the start of the old last line are still right (that line may have grown);
      // the dropped lines' states go, so indexes follow the window.
      this.states = this.states.slice(0, this.synced).slice(change.droppedTop);
    }
    this.synced = this.win.lines.length;
  }

  /**
   * SGR state at the start of line `i`, computed forward from the nearest known state at most
   * STATE_LOOKBACK lines before it, else from a reset state that far back: opening a huge tail
   * scans a few hundred lines, not the whole window (a colour left open for longer than that is
   * rare, and only then is the approximation visible).
   */
  private stateAt(i: number): SgrState {
    const known = this.states[i];
    if (known) return known;
    let k = i;
    while (k > 0 && k > i - STATE_LOOKBACK && !this.states[k]) k--;
    let state = this.states[k] ?? {};
    for (; k < i; k++) {
      this.states[k] = state;
      const line = this.win.lines[k];
      state = endState(line.length > MAX_LINE_CHARS ? line.slice(0, MAX_LINE_CHARS) : line, state);
    }
    this.states[i] = state;
    return state;
  }

  get maxScrollTop(): number {
    return Math.max(0, this.win.visibleCount * this.lineHeight - this.scroller.clientHeight);
  }

  /** Gives the scrollbar the window's height; call before moving scrollTop, which the browser clamps to it. */
  syncHeight(): void {
    this.spacer.style.height = `${this.win.visibleCount * this.lineHeight}px`;
  }

  scrollToBottom(): void {
    this.syncHeight();
    this.scroller.scrollTop = this.maxScrollTop;
  }

  /** Scrolls so that line `i` is in the middle of the view. */
  scrollToLine(i: number): void {
    this.scroller.scrollTop = Math.max(0, i * this.lineHeight - this.scroller.clientHeight / 2);
  }

  isAtBottom(): boolean {
    return this.scroller.scrollTop >= this.maxScrollTop - 4;
  }

  /** Renders the rows in view; cheap (a screenful of rows), run once per frame at most. */
  render(): void {
    const lh = this.lineHeight;
    const count = this.win.visibleCount;
    this.syncHeight();
    const [first, end] = visibleRange(this.scroller.scrollTop, this.scroller.clientHeight, lh, count, 20);
    this.rows.style.transform = `translateY(${first * lh}px)`;
    const frag = document.createDocumentFragment();
    for (let i = first; i < end; i++) frag.append(this.lineElement(i));
    this.rows.replaceChildren(frag);
    this.rendered = [first, end];
  }

  /** Lines [first, end) currently in the DOM. */
  get renderedRange(): [number, number] {
    return this.rendered;
  }

  private lineElement(i: number): HTMLElement {
    const line = this.win.lines[i];
    const cut = line.length > MAX_LINE_CHARS;
    const { spans } = parseAnsiLine(cut ? line.slice(0, MAX_LINE_CHARS) : line, this.stateAt(i));
    const div = document.createElement('div');
    div.className = i === this.currentLine ? 'line current' : 'line';
    for (const part of withMatches(spans, this.query)) {
      const node = spanElement(part.text, part.style);
      if (part.match) {
        const mark = document.createElement('mark');
        mark.append(node);
        div.append(mark);
      } else div.append(node);
    }
    if (cut) div.append(h('span', { class: 'cut' }, ` … (${line.length - MAX_LINE_CHARS} more characters)`));
    return div;
  }
}
