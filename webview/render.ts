/**
 * DOM rendering of the panel. Every piece of job data and log text goes into the page as text
 * nodes or attributes set through the DOM API, never through innerHTML. Colours come from the
 * theme's CSS variables (styles.css); ANSI colours outside the 16 theme colours are set with
 * CSSOM, which the CSP allows.
 */
import { parseAnsiLine, stripAnsi, type SgrState, type Span } from './ansi';
import type { LogWindow, WindowChange } from './logWindow';
import { commandText, durationMs, outcomeText } from './state';
import type { JobRow } from '../src/protocol/jobPanel';

/** A line longer than this is shown cut (the full text stays in the raw file / copy). */
export const MAX_LINE_CHARS = 10_000;

type Attrs = Record<string, string>;

/** Creates an element with attributes and children (strings become text nodes). */
export function h(tag: string, attrs: Attrs = {}, ...children: (Node | string)[]): HTMLElement {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  for (const c of children) el.append(typeof c === 'string' ? document.createTextNode(c) : c);
  return el;
}

export function formatDuration(ms: number | undefined): string {
  if (ms === undefined) return '';
  if (ms < 1000) return `${ms} ms`;
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${(ms / 1000).toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  return `${Math.floor(m / 60)}h ${m % 60}m`;
}

export function formatTime(ts: string | undefined): string {
  if (!ts) return '';
  const d = new Date(ts);
  return Number.isNaN(d.getTime()) ? ts : d.toLocaleString();
}

/** The state badge: text plus a state class the stylesheet colours with theme variables. */
export function stateBadge(row: JobRow): HTMLElement {
  const failed = row.state === 'failed' || (row.state === 'exited' && row.exitCode !== 0);
  const badge = h('vscode-badge', { class: `state state-${row.state}${failed ? ' state-bad' : ''}`, title: row.error ?? row.state }, row.state);
  return badge;
}

export const COLUMNS = [
  { key: 'state', label: 'State' },
  { key: 'command', label: 'Command' },
  { key: 'cwd', label: 'Cwd' },
  { key: null, label: 'Tags' },
  { key: 'started', label: 'Started' },
  { key: 'duration', label: 'Duration' },
  { key: 'exit', label: 'Exit / signal' },
  { key: 'owner', label: 'Owner' },
  { key: null, label: 'Actions' },
] as const;

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
    h('td', {}, stateBadge(row)),
    h('td', { class: 'mono ellipsis', title: cmd }, cmd),
    h('td', { class: 'ellipsis', title: row.cwd ?? '' }, row.cwd ?? ''),
    h('td', {}, ...row.tags.map((t) => h('span', { class: 'tag' }, t))),
    h('td', { title: row.startedAt ?? row.createdAt }, formatTime(row.startedAt ?? row.createdAt)),
    h('td', { class: 'num' }, formatDuration(durationMs(row, now))),
    h('td', {}, outcomeText(row)),
    h('td', {}, row.owner ?? ''),
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
    ['duration', formatDuration(durationMs(row, now))],
    ['result', outcomeText(row)],
    ['cwd', row.cwd ?? ''],
    ['owner', row.owner ?? ''],
  ];
  const dl = h('dl', { class: 'facts' });
  for (const [k, v] of facts) if (v) dl.append(h('dt', {}, k), h('dd', { class: k === 'id' || k === 'cwd' ? 'mono' : '' }, v));
  return h(
    'div',
    { class: 'detail-header' },
    h('div', { class: 'title' }, stateBadge(row), h('code', { class: 'command', title: 'exact command (argv)' }, commandText(row))),
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
 * Mirrors a LogWindow into a container of line elements, incrementally on appends (the hot
 * path) and fully otherwise. Keeps the SGR state at the start of each row so a row whose text
 * grew can be re-rendered alone.
 */
export class LogView {
  private rowStates: SgrState[] = [];
  private endState: SgrState = {};
  query = '';

  constructor(readonly container: HTMLElement) {}

  get rowCount(): number {
    return this.container.childElementCount;
  }

  apply(win: LogWindow, change: WindowChange): void {
    const rows = this.container.childElementCount;
    if (change.reset || change.addedTop > 0 || change.droppedBottom > 0 || change.firstChanged || change.droppedTop >= rows) {
      this.renderAll(win);
      return;
    }
    for (let i = 0; i < change.droppedTop; i++) this.container.firstElementChild?.remove();
    this.rowStates.splice(0, change.droppedTop);
    // DOM row i mirrors window line i.
    const kept = this.container.childElementCount;
    if (change.lastChanged && kept > 0) {
      this.endState = this.rowStates[kept - 1];
      this.container.lastElementChild?.replaceWith(this.lineElement(win.lines[kept - 1], kept - 1));
    }
    const frag = document.createDocumentFragment();
    for (let i = kept; i < win.visibleCount; i++) frag.append(this.lineElement(win.lines[i], i));
    this.container.append(frag);
  }

  renderAll(win: LogWindow): void {
    this.rowStates = [];
    this.endState = {};
    const frag = document.createDocumentFragment();
    for (let i = 0; i < win.visibleCount; i++) frag.append(this.lineElement(win.lines[i], i));
    this.container.replaceChildren(frag);
  }

  /** Renders one line starting from the current end state and records its start state at `index`. */
  private lineElement(line: string, index: number): HTMLElement {
    this.rowStates[index] = this.endState;
    const { spans, state } = parseAnsiLine(line.length > MAX_LINE_CHARS ? line.slice(0, MAX_LINE_CHARS) : line, this.endState);
    this.endState = state;
    const div = document.createElement('div');
    div.className = 'line';
    for (const part of withMatches(spans, this.query)) {
      const node = spanElement(part.text, part.style);
      if (part.match) {
        const mark = document.createElement('mark');
        mark.append(node);
        div.append(mark);
      } else div.append(node);
    }
    if (line.length > MAX_LINE_CHARS) div.append(h('span', { class: 'cut' }, ` … (${line.length - MAX_LINE_CHARS} more characters)`));
    if (div.childNodes.length === 0) div.append(document.createTextNode('\u200b'));
    return div;
  }
}
