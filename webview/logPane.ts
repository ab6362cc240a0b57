/**
 * The selected job's detail: its header, the stream buttons, follow, search, Copy / Open raw,
 * and the live log. The log is a window of the file (LogWindow) that grows with pushed chunks,
 * pages earlier/later ranges in on scroll, and is drawn once per animation frame.
 */
import {
  CopyLog,
  LOG_STREAMS,
  LoadRange,
  MAX_RANGE_BYTES,
  OpenRawLog,
  SelectJob,
  type HostMessage,
  type LogStream,
} from '../src/protocol/jobPanel';
import { FrameBatcher, LogWindow, mergeContiguous, type WindowChange } from './logWindow';
import { LogView, countMatches, detailHeader, h, matchingLines } from './render';
import type { PanelContext } from './state';
import { AttemptsView } from './attempts';
import { InputBar } from './inputBar';

type ChunkMsg = Extract<HostMessage, { method: 'log/chunk' }>['params'];

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

export class LogPane {
  private readonly header = h('div', { class: 'detail-header-slot' });
  private readonly streamButtons = new Map<LogStream, HTMLElement>(
    LOG_STREAMS.map((s) => [s, h('vscode-button', { secondary: '', 'data-stream': s, id: `stream-${s}` }, s)]),
  );
  private readonly follow = h('vscode-checkbox', { label: 'Follow', id: 'follow' }) as HTMLElement & { checked: boolean };
  private readonly search = h('vscode-textfield', {
    placeholder: 'Search log',
    'aria-label': 'Search log',
    id: 'search',
  }) as HTMLElement & { value: string };
  private readonly matchCount = h('span', { class: 'count', id: 'match-count', 'aria-live': 'polite' });
  private readonly prevMatch = h('vscode-button', { secondary: '', id: 'match-prev', title: 'Previous match' }, '↑');
  private readonly nextMatch = h('vscode-button', { secondary: '', id: 'match-next', title: 'Next match' }, '↓');
  private readonly copyButton = h('vscode-button', { secondary: '', id: 'copy' }, 'Copy');
  private readonly rawButton = h('vscode-button', { secondary: '', id: 'open-raw' }, 'Open raw file');
  private readonly logScroll = h('div', { class: 'log', id: 'log', tabindex: '0', role: 'log', 'aria-label': 'Job log' });
  private readonly logStatus = h('div', { class: 'log-status', id: 'log-status' });
  private readonly input: InputBar;
  readonly attempts: AttemptsView;
  readonly element: HTMLElement;
  private readonly logView: LogView;
  private readonly chunks = new FrameBatcher<ChunkMsg>((c) => this.applyChunks(c), nextFrame);
  private renderQueued = false;

  constructor(private readonly ctx: PanelContext) {
    this.input = new InputBar(ctx);
    this.attempts = new AttemptsView(ctx);
    this.element = h(
      'div',
      { class: 'detail', id: 'detail' },
      this.header,
      this.input.element,
      this.attempts.element,
      h(
        'div',
        { class: 'toolbar log-controls' },
        h('span', { class: 'group', role: 'group', 'aria-label': 'Stream' }, ...this.streamButtons.values()),
        this.follow,
        this.search,
        this.matchCount,
        this.prevMatch,
        this.nextMatch,
        this.copyButton,
        this.rawButton,
      ),
      this.logScroll,
      this.logStatus,
    );
    const { state } = ctx;
    const { ui } = state;
    this.logView = new LogView(this.logScroll, state.log);
    for (const [s, b] of this.streamButtons) {
      b.addEventListener('click', () => {
        if (ui.stream === s) return;
        ui.stream = s;
        this.renderDetail();
        this.subscribe(); // saves the new stream
      });
    }
    this.follow.addEventListener('change', () => this.setFollow(this.follow.checked));
    this.search.addEventListener('input', () => {
      ui.search = this.search.value;
      ctx.save({ typing: true });
      this.logView.query = ui.search;
      this.logView.currentLine = -1;
      state.currentMatch = -1;
      this.updateMatches();
      this.logView.render();
    });
    this.search.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') this.gotoMatch(e.shiftKey ? -1 : 1);
    });
    this.prevMatch.addEventListener('click', () => this.gotoMatch(-1));
    this.nextMatch.addEventListener('click', () => this.gotoMatch(1));
    this.copyButton.addEventListener('click', () => ui.selected && ctx.post(CopyLog.create({ jobId: ui.selected, stream: ui.stream })));
    this.rawButton.addEventListener('click', () => ui.selected && ctx.post(OpenRawLog.create({ jobId: ui.selected, stream: ui.stream })));
    this.logScroll.addEventListener('scroll', () => this.onScroll());
  }

  /** Puts the UI state's search into its input and the log view. */
  showUiState(): void {
    this.search.value = this.ctx.state.ui.search;
    this.logView.query = this.ctx.state.ui.search;
  }

  focusLog(): void {
    this.logScroll.focus();
  }

  renderDetail(): void {
    const { ui, jobs } = this.ctx.state;
    const row = ui.selected ? jobs.get(ui.selected) : undefined;
    this.element.hidden = !row;
    this.input.render(row);
    this.attempts.clearUnless(ui.selected);
    if (!row) return;
    this.header.replaceChildren(detailHeader(row, Date.now()));
    for (const [s, b] of this.streamButtons) {
      b.toggleAttribute('secondary', s !== ui.stream);
      b.setAttribute('aria-pressed', String(s === ui.stream));
    }
    this.follow.checked = ui.follow;
  }

  /** Asks the host for the selected job's tail (and to follow it), from an empty log window. */
  subscribe(): void {
    const { ctx } = this;
    const { state } = ctx;
    state.log = new LogWindow();
    state.ui.follow = true;
    this.follow.checked = true;
    ctx.save();
    state.loading = false;
    this.logView.setWindow(state.log);
    state.matches = [];
    this.logView.render();
    this.updateLogStatus();
    ctx.post(SelectJob.create({ jobId: state.ui.selected, stream: state.ui.stream }));
  }

  /** A pushed chunk: applied with the others of the same frame. */
  pushChunk(chunk: ChunkMsg): void {
    this.chunks.push(chunk);
  }

  /** Renders the log rows in view at the next frame (scrolling and chunks share the frame). */
  private queueRender(): void {
    if (this.renderQueued) return;
    this.renderQueued = true;
    nextFrame(() => {
      this.renderQueued = false;
      this.logView.render();
    });
  }

  private updateLogStatus(): void {
    const { log: win, loading } = this.ctx.state;
    const parts = [
      `bytes ${win.start.toLocaleString()}–${win.end.toLocaleString()} of ${win.total.toLocaleString()}`,
      `${win.visibleCount} lines loaded`,
    ];
    if (loading) parts.push('loading…');
    else if (win.hasAbove) parts.push('scroll up for earlier output');
    else if (win.total > 0) parts.push('from the start of the log');
    if (win.hasBelow) parts.push(`${(win.total - win.end).toLocaleString()} newer bytes below`);
    this.logStatus.textContent = parts.join(' · ');
    this.updateMatches();
  }

  private updateMatches(): void {
    const { state } = this.ctx;
    const { search } = state.ui;
    if (!search) {
      this.matchCount.textContent = '';
      return;
    }
    state.matches = matchingLines(state.log.lines, search);
    const n = countMatches(state.log.lines, search);
    this.matchCount.textContent = n === 1 ? '1 match' : `${n} matches`;
    if (state.log.hasAbove || state.log.hasBelow) this.matchCount.textContent += ' (loaded part)';
  }

  private gotoMatch(dir: 1 | -1): void {
    const { state } = this.ctx;
    if (state.matches.length === 0) return;
    state.currentMatch = (state.currentMatch + dir + state.matches.length) % state.matches.length;
    if (state.ui.follow) this.setFollow(false);
    this.logView.currentLine = state.matches[state.currentMatch];
    this.logView.scrollToLine(state.matches[state.currentMatch]);
    this.logView.render();
  }

  private setFollow(on: boolean): void {
    this.ctx.state.ui.follow = on;
    this.follow.checked = on;
    this.ctx.save();
    if (on) {
      // Detached from the tail (we scrolled up past the window's trim): get a fresh tail.
      if (this.ctx.state.log.hasBelow) this.subscribe();
      else {
        this.logView.scrollToBottom();
        this.queueRender();
      }
    }
  }

  private requestRange(direction: 'above' | 'below', range: [number, number] | undefined): void {
    const { state } = this.ctx;
    if (!range || state.loading || !state.ui.selected) return;
    state.loading = true;
    this.ctx.post(LoadRange.create({ jobId: state.ui.selected, stream: state.ui.stream, direction, start: range[0], end: range[1] }));
    this.updateLogStatus();
  }

  /** Applies the chunks that arrived since the last frame, then renders once. */
  private applyChunks(chunks: ChunkMsg[]): void {
    const { state } = this.ctx;
    const { ui } = state;
    const win = state.log;
    const mine = chunks.filter((c) => c.jobId === ui.selected && c.stream === ui.stream);
    if (mine.length === 0) return;
    let addedTop = 0;
    let droppedTop = 0;
    // Runs of appends are merged into one; while the user reads earlier output (not following),
    // live appends and tails only move `total`: the window stays put and "newer bytes below" shows.
    for (const c of mergeContiguous(mine, (a, b) => a.kind === 'append' && b.kind === 'append')) {
      let change: WindowChange | undefined;
      if (c.kind === 'range') {
        state.loading = false;
        change = c.end === win.start ? win.prepend(c) : win.append(c);
      } else if (!ui.follow && win.total > 0) {
        win.total = Math.max(win.total, c.total);
      } else change = c.kind === 'tail' ? win.reset(c) : win.append(c);
      if (!change) continue;
      this.logView.changed(change);
      addedTop += change.addedTop;
      droppedTop += change.droppedTop;
      if (change.reset || change.droppedTop > 0 || change.addedTop > 0) this.logView.currentLine = -1;
    }
    this.logView.syncHeight();
    if (ui.follow) this.logView.scrollToBottom();
    // Lines were added or dropped above: keep the lines the user is reading where they are.
    else if (addedTop > 0 || droppedTop > 0) this.logScroll.scrollTop += (addedTop - droppedTop) * this.logView.lineHeight;
    this.logView.render();
    this.updateLogStatus();
  }

  /**
   * Bytes to load per page: about half a window of lines at the window's average line length, so
   * a page never pushes the lines on screen out of the window (which would make the view jump).
   */
  private pageBytes(): number {
    const win = this.ctx.state.log;
    const avgLine = Math.max(16, (win.end - win.start) / Math.max(1, win.visibleCount));
    return Math.round(Math.max(4096, Math.min(MAX_RANGE_BYTES / 4, (avgLine * win.limits.maxLines) / 2)));
  }

  private onScroll(): void {
    const { state } = this.ctx;
    this.queueRender();
    if (this.logScroll.scrollTop < 200) this.requestRange('above', state.log.rangeAbove(this.pageBytes()));
    if (this.logView.isAtBottom()) {
      if (state.log.hasBelow) this.requestRange('below', state.log.rangeBelow(this.pageBytes()));
      else if (!state.ui.follow) this.setFollow(true);
    } else if (state.ui.follow) {
      state.ui.follow = false;
      this.follow.checked = false;
      this.ctx.save();
    }
  }
}
