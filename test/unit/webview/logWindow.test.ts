import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FrameBatcher, LogWindow, mergeContiguous, utf8Length, visibleRange, type ChunkLike } from '../../../webview/logWindow';

/** A file's bytes, and chunks of it as the host would send them. */
function file(text: string) {
  const bytes = Buffer.from(text);
  const chunk = (start: number, end: number): ChunkLike => ({
    start,
    end,
    total: bytes.length,
    text: bytes.subarray(start, end).toString(),
  });
  /** What the host answers for ranges: `above` starts after the first newline, `below` ends after the last one. */
  const above = (start: number, end: number) => chunk(start === 0 ? 0 : bytes.indexOf(10, start) + 1, end);
  const below = (start: number, end: number) => chunk(start, end === bytes.length ? end : bytes.lastIndexOf(10, end - 1) + 1);
  return { bytes, chunk, above, below, size: bytes.length };
}

/** The window's text must be exactly the file's bytes [start, end). */
function assertConsistent(win: LogWindow, f: ReturnType<typeof file>) {
  assert.equal(win.lines.join('\n'), f.bytes.subarray(win.start, win.end).toString(), `window [${win.start}, ${win.end})`);
}

test('utf8Length counts bytes like Buffer.byteLength', () => {
  for (const s of ['', 'abc', 'é', '€', '😀', 'a😀b€é\n', '\ud800x']) assert.equal(utf8Length(s), Buffer.byteLength(s), JSON.stringify(s));
});

test('appends join the open last line; chunks need not be line-aligned', () => {
  const f = file('one\ntwo\nthree\n');
  const win = new LogWindow();
  win.reset(f.chunk(0, 5));
  assert.deepEqual(win.lines, ['one', 't']);
  assert.equal(win.visibleCount, 2);
  const c = win.append(f.chunk(5, 11));
  assert.deepEqual(win.lines, ['one', 'two', 'thr']);
  assert.deepEqual(c && [c.lastChanged, c.addedBottom, c.droppedTop], [true, 1, 0]);
  win.append(f.chunk(11, f.size));
  assert.deepEqual(win.lines, ['one', 'two', 'three', '']);
  assert.equal(win.visibleCount, 3);
  assertConsistent(win, f);
});

test('an append after a newline-terminated window adds rows without changing the last one', () => {
  const f = file('a\nb\n\nc\n');
  const win = new LogWindow();
  win.reset(f.chunk(0, 2));
  const c = win.append(f.chunk(2, f.size));
  assert.deepEqual(c && [c.lastChanged, c.addedBottom], [false, 3]);
  assert.deepEqual(win.lines, ['a', 'b', '', 'c', '']);
  assertConsistent(win, f);
});

test('a non-contiguous append is refused and only moves total (the user reads earlier output)', () => {
  const f = file('x\n'.repeat(100));
  const win = new LogWindow();
  win.reset(f.chunk(0, 20));
  assert.equal(win.append({ start: 40, end: 60, total: 500, text: 'x\n'.repeat(10) }), undefined);
  assert.equal(win.total, 500);
  assert.equal(win.end, 20);
  assert.ok(win.hasBelow);
  assert.deepEqual(win.rangeBelow(100), [20, 120]);
});

test('the window stays bounded in lines while 1 GB worth of appends stream through (tail trimmed, offsets exact)', () => {
  const limits = { maxLines: 1000, maxChars: 1 << 20 };
  const win = new LogWindow(limits);
  const line = 'héllo wörld €😀 some log output\n';
  const lineBytes = Buffer.byteLength(line);
  const perChunk = 2000;
  const chunkText = line.repeat(perChunk);
  const chunkBytes = lineBytes * perChunk;
  win.reset({ start: 0, end: 0, total: 0, text: '' });
  let end = 0;
  let maxLines = 0;
  const chunks = Math.ceil(2 ** 30 / chunkBytes / 50); // ~20 MB simulated here; the bound does not depend on volume
  for (let i = 0; i < chunks; i++) {
    const c = win.append({ start: end, end: end + chunkBytes, total: end + chunkBytes, text: chunkText });
    assert.ok(c);
    end += chunkBytes;
    maxLines = Math.max(maxLines, win.lines.length);
    assert.equal(win.lines.length, limits.maxLines, 'the window stays full');
  }
  assert.ok(maxLines <= limits.maxLines, `${maxLines} lines`);
  assert.equal(win.end, end);
  // Whole lines were trimmed: the window starts at a line boundary of the file.
  assert.equal(win.start % lineBytes, 0);
  assert.equal(win.end - win.start, (win.lines.length - 1) * lineBytes);
  assert.ok(win.hasAbove);
});

test('a tail with more lines than the window holds keeps the last maxLines lines (not none)', () => {
  const f = file(Array.from({ length: 5000 }, (_, i) => `line ${i}`).join('\n') + '\n');
  const win = new LogWindow({ maxLines: 1000, maxChars: 1 << 20 });
  win.reset(f.chunk(0, f.size));
  assert.equal(win.lines.length, 1000);
  assert.equal(win.visibleCount, 999);
  assert.equal(win.lines[998], 'line 4999');
  assertConsistent(win, f);
});

test('the character bound holds for few, very long lines (and for one endless line)', () => {
  const win = new LogWindow({ maxLines: 1000, maxChars: 10_000 });
  const f = file(('y'.repeat(3000) + '\n').repeat(10));
  win.reset(f.chunk(0, f.size));
  assert.ok(win.lines.join('').length <= 10_000);
  assertConsistent(win, f);
  const one = new LogWindow({ maxLines: 1000, maxChars: 10_000 });
  const g = file('z'.repeat(50_000));
  one.reset(g.chunk(0, 20_000));
  one.append(g.chunk(20_000, 50_000));
  assert.equal(one.lines.length, 1);
  assert.equal(one.lines[0].length, 10_000);
  assertConsistent(one, g);
});

test('scrolling up prepends earlier ranges, joins the split line, and trims the bottom when full', () => {
  const text = Array.from({ length: 300 }, (_, i) => `line ${i} ✓`).join('\n') + '\n';
  const f = file(text);
  const win = new LogWindow({ maxLines: 100, maxChars: 1 << 20 });
  win.reset(f.chunk(f.size - 502, f.size)); // starts mid-line
  assertConsistent(win, f);
  let guard = 0;
  while (win.hasAbove && guard++ < 100) {
    const [s, e] = win.rangeAbove(700)!;
    const c = win.prepend(f.above(s, e));
    assert.ok(c);
    assert.ok(win.lines.length <= 100);
    assertConsistent(win, f);
  }
  assert.equal(win.start, 0);
  assert.equal(win.lines[0], 'line 0 ✓');
  assert.ok(win.hasBelow, 'the bottom was trimmed');
  // Scrolling back down loads the trimmed part exactly.
  while (win.hasBelow && guard++ < 200) {
    const [s, e] = win.rangeBelow(700)!;
    assert.ok(win.append(f.below(s, e)));
    assertConsistent(win, f);
  }
  assert.equal(win.end, f.size);
});

test('a prepend that does not end at the window start is refused', () => {
  const f = file('a\nb\nc\n');
  const win = new LogWindow();
  win.reset(f.chunk(4, 6));
  assert.equal(win.prepend(f.chunk(0, 2)), undefined);
  assert.ok(win.prepend(f.chunk(0, 4)));
  assertConsistent(win, f);
});

test('mergeContiguous folds runs of contiguous chunks, keeps gaps apart and respects canMerge', () => {
  const m = mergeContiguous([
    { start: 0, end: 2, total: 2, text: 'ab' },
    { start: 2, end: 3, total: 3, text: 'c' },
    { start: 10, end: 11, total: 11, text: 'x' },
  ]);
  assert.deepEqual(m, [
    { start: 0, end: 3, total: 3, text: 'abc' },
    { start: 10, end: 11, total: 11, text: 'x' },
  ]);
  assert.equal(mergeContiguous(m.slice(0, 1).concat({ start: 3, end: 4, total: 4, text: 'd' }), () => false).length, 2);
});

test('FrameBatcher runs once per frame with everything queued since the last frame', () => {
  const frames: (() => void)[] = [];
  const runs: number[][] = [];
  const b = new FrameBatcher<number>(
    (items) => runs.push(items),
    (cb) => frames.push(cb),
  );
  for (let i = 0; i < 1000; i++) b.push(i);
  assert.equal(frames.length, 1, 'one frame requested for 1000 messages');
  frames.shift()!();
  b.push(1000);
  b.push(1001);
  assert.equal(frames.length, 1);
  frames.shift()!();
  assert.deepEqual(
    runs.map((r) => r.length),
    [1000, 2],
  );
});

test('visibleRange renders only the rows in view plus overscan, whatever the window size', () => {
  assert.deepEqual(visibleRange(0, 360, 18, 5000, 20), [0, 40]);
  assert.deepEqual(visibleRange(18 * 1000, 360, 18, 5000, 20), [980, 1040]);
  assert.deepEqual(visibleRange(18 * 4990, 360, 18, 5000, 20), [4970, 5000]);
  assert.deepEqual(visibleRange(0, 360, 18, 3, 20), [0, 3]);
  assert.deepEqual(visibleRange(10_000, 360, 18, 0, 20), [0, 0]);
  // The DOM holds at most a screenful plus 2 × overscan rows, for any number of lines.
  for (const count of [10, 5000, 1_000_000]) {
    const [a, b] = visibleRange(18 * (count / 2), 720, 18, count, 20);
    assert.ok(b - a <= 720 / 18 + 2 * 20 + 1);
  }
});
