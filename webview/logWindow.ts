/**
 * The loaded part of one log: a bounded window of lines over the byte range [start, end) of
 * the file, grown at the bottom by live appends and at the top by ranges loaded on scroll-up,
 * and trimmed at the far end so the DOM that mirrors it stays bounded whatever the log size.
 * Pure logic (no DOM) so node unit tests cover it; render.ts mirrors the returned changes.
 *
 * Representation: the window text split on '\n'. The first element may be the tail of a line
 * that starts before `start`; the last element is the line still open at `end` ('' when the
 * window ends with a newline). Pieces join at both ends by concatenation, so chunks need not be
 * line-aligned. Byte offsets of trimmed lines are their UTF-8 length (exact for valid UTF-8;
 * bytes the host decoded to U+FFFD may shift offsets by a few bytes).
 */

export interface ChunkLike {
  start: number;
  end: number;
  total: number;
  text: string;
}

export interface WindowLimits {
  /** Most lines kept (and rendered). */
  maxLines: number;
  /** Most characters kept across all lines (a log of one huge line stays bounded too). */
  maxChars: number;
}

export const DEFAULT_LIMITS: WindowLimits = { maxLines: 5000, maxChars: 4 * 1024 * 1024 };

/** What a window operation changed, for an incremental DOM update. */
export interface WindowChange {
  /** Everything changed: re-render all lines. */
  reset: boolean;
  /** Lines removed from the top / the bottom before the additions. */
  droppedTop: number;
  droppedBottom: number;
  /** The first / last complete-or-open line's text changed in place (a piece was joined to it). */
  firstChanged: boolean;
  lastChanged: boolean;
  /** Lines added above / below. */
  addedTop: number;
  addedBottom: number;
}

const noChange = (): WindowChange => ({
  reset: false,
  droppedTop: 0,
  droppedBottom: 0,
  firstChanged: false,
  lastChanged: false,
  addedTop: 0,
  addedBottom: 0,
});

/** UTF-8 length of a string without allocating (what the host's bytes were). */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 4;
        i++;
      } else n += 3;
    } else n += 3;
  }
  return n;
}

export class LogWindow {
  /** Window text split on '\n'; never empty (an empty window is ['']). */
  lines: string[] = [''];
  start = 0;
  end = 0;
  /** File size as last reported by the host. */
  total = 0;
  private chars = 0;

  constructor(readonly limits: WindowLimits = DEFAULT_LIMITS) {}

  /** Lines to display: the open last line is shown only when it has text. */
  get visibleCount(): number {
    return this.lines[this.lines.length - 1] === '' ? this.lines.length - 1 : this.lines.length;
  }

  /** Bytes before the window that can still be loaded. */
  get hasAbove(): boolean {
    return this.start > 0;
  }

  /** Bytes after the window that can still be loaded (the user scrolled up and the tail moved on). */
  get hasBelow(): boolean {
    return this.end < this.total;
  }

  /** Replaces the window (a tail snapshot). */
  reset(chunk: ChunkLike): WindowChange {
    this.lines = chunk.text.split('\n');
    this.start = chunk.start;
    this.end = chunk.end;
    this.total = chunk.total;
    this.chars = chunk.text.length;
    this.trimTop();
    return { ...noChange(), reset: true };
  }

  /**
   * Appends a chunk that continues the window. A chunk that does not start at `end` (the host
   * moved on while the user was reading earlier lines) only updates `total`: it is returned as
   * undefined and the window keeps its place.
   */
  append(chunk: ChunkLike): WindowChange | undefined {
    this.total = Math.max(this.total, chunk.total);
    if (chunk.start !== this.end) return undefined;
    const change = noChange();
    if (chunk.text === '') return change;
    const pieces = chunk.text.split('\n');
    const last = this.lines.length - 1;
    const wasVisible = this.lines[last] !== '';
    this.lines[last] += pieces[0];
    change.lastChanged = wasVisible && pieces[0] !== '';
    // A piece joined to an empty open line makes a new visible line.
    const firstNew = wasVisible ? 1 : 0;
    for (let i = 1; i < pieces.length; i++) this.lines.push(pieces[i]);
    change.addedBottom = this.countVisibleFrom(last + firstNew);
    this.chars += chunk.text.length;
    this.end = chunk.end;
    change.droppedTop = this.trimTop();
    return change;
  }

  /** Prepends earlier bytes [chunk.start, start); returns undefined when the chunk does not end at `start`. */
  prepend(chunk: ChunkLike): WindowChange | undefined {
    this.total = Math.max(this.total, chunk.total);
    if (chunk.end !== this.start || chunk.start >= chunk.end) return undefined;
    const change = noChange();
    const pieces = chunk.text.split('\n');
    const tail = pieces.pop() ?? '';
    const visibleBefore = this.visibleCount;
    this.lines[0] = tail + this.lines[0];
    change.firstChanged = tail !== '' && visibleBefore > 0;
    this.lines.unshift(...pieces);
    change.addedTop = this.visibleCount - visibleBefore;
    this.chars += chunk.text.length;
    this.start = chunk.start;
    change.droppedBottom = this.trimBottom();
    return change;
  }

  /** Visible lines at `index` and after. */
  private countVisibleFrom(index: number): number {
    return Math.max(0, this.visibleCount - index);
  }

  private over(lineCount = this.lines.length): boolean {
    return (lineCount > this.limits.maxLines || this.chars > this.limits.maxChars) && lineCount > 1;
  }

  /** Drops whole lines from the top until within limits; returns how many visible lines went. */
  private trimTop(): number {
    let n = 0;
    while (this.over(this.lines.length - n) && n < this.lines.length - 1) {
      const line = this.lines[n++];
      this.start += utf8Length(line) + 1;
      this.chars -= line.length;
    }
    if (n > 0) this.lines.splice(0, n);
    if (this.lines.length === 1 && this.chars > this.limits.maxChars) this.clipOnlyLine();
    return n;
  }

  /** Drops whole lines from the bottom (the window then ends after a newline); returns visible lines dropped. */
  private trimBottom(): number {
    const visibleBefore = this.visibleCount;
    const last = this.lines.length - 1;
    if (this.over() && this.lines[last] !== '') {
      this.end -= utf8Length(this.lines[last]);
      this.chars -= this.lines[last].length;
      this.lines[last] = '';
    }
    // Lines [cut, last) are dropped; the open last line ('') stays.
    let cut = this.lines.length - 1;
    while (this.over(cut + 1) && cut > 1) {
      const line = this.lines[cut - 1];
      this.end -= utf8Length(line) + 1;
      this.chars -= line.length;
      cut--;
    }
    if (cut < this.lines.length - 1) this.lines.splice(cut, this.lines.length - 1 - cut);
    return visibleBefore - this.visibleCount;
  }

  /** A single line longer than maxChars keeps only its last maxChars characters. */
  private clipOnlyLine(): void {
    const line = this.lines[0];
    const keep = line.slice(line.length - this.limits.maxChars);
    this.start += utf8Length(line.slice(0, line.length - keep.length));
    this.lines[0] = keep;
    this.chars = keep.length;
  }

  /** The byte range to load above the window, at most `maxBytes`, or undefined at the file start. */
  rangeAbove(maxBytes: number): [number, number] | undefined {
    return this.start > 0 ? [Math.max(0, this.start - maxBytes), this.start] : undefined;
  }

  /** The byte range to load below the window, or undefined when it reaches the end of the file. */
  rangeBelow(maxBytes: number): [number, number] | undefined {
    return this.end < this.total ? [this.end, Math.min(this.total, this.end + maxBytes)] : undefined;
  }
}

/**
 * Coalesces work to one run per animation frame: messages arriving faster than the display
 * are queued and applied together. `schedule` is requestAnimationFrame in the webview and an
 * injectable fake in tests.
 */
export class FrameBatcher<T> {
  private queue: T[] = [];
  private pending = false;

  constructor(
    private readonly run: (items: T[]) => void,
    private readonly schedule: (cb: () => void) => void,
  ) {}

  push(item: T): void {
    this.queue.push(item);
    if (this.pending) return;
    this.pending = true;
    this.schedule(() => {
      this.pending = false;
      const items = this.queue;
      this.queue = [];
      this.run(items);
    });
  }
}

/**
 * Merges consecutive contiguous chunks (each starting where the previous ended, and `canMerge`)
 * into one, so a frame applies one append however many messages arrived.
 */
export function mergeContiguous<C extends ChunkLike>(chunks: C[], canMerge: (a: C, b: C) => boolean = () => true): C[] {
  const out: C[] = [];
  for (const c of chunks) {
    const prev = out[out.length - 1];
    if (prev && prev.end === c.start && canMerge(prev, c)) {
      out[out.length - 1] = { ...prev, end: c.end, total: Math.max(prev.total, c.total), text: prev.text + c.text };
    } else out.push(c);
  }
  return out;
}

/** Rows [first, end) to render for a scroll position, with `overscan` rows either side. */
export function visibleRange(scrollTop: number, height: number, rowHeight: number, count: number, overscan: number): [number, number] {
  const first = Math.min(count, Math.max(0, Math.floor(scrollTop / rowHeight) - overscan));
  const end = Math.min(count, Math.ceil((scrollTop + height) / rowHeight) + overscan);
  return [first, Math.max(first, end)];
}
