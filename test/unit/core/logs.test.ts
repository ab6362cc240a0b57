import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openSync, closeSync, ftruncateSync, writeSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { readHead, readSlice, readTail } from '../../../src/core/logs';
import { tempDir } from '../../helpers/tempRoot';

/** Contract §5.4 literally: whole file, split on '\n', drop the final empty chunk, keep the last N. */
function referenceTail(data: Buffer, tailLines: number, maxBytes: number) {
  const n = data.length;
  const w = Math.max(0, n - maxBytes);
  const window = data.subarray(w);
  let skip = 0;
  if (tailLines > 0) {
    const chunks: Buffer[] = [];
    let start = 0;
    for (let i = 0; i <= window.length; i++) {
      if (i === window.length || window[i] === 0x0a) {
        chunks.push(window.subarray(start, i));
        start = i + 1;
      }
    }
    if (window.length > 0 && window[window.length - 1] === 0x0a) chunks.pop();
    const k = Math.max(0, chunks.length - tailLines);
    for (let i = 0; i < k; i++) skip += chunks[i].length + 1;
  }
  return { text: new TextDecoder('utf-8', { ignoreBOM: true }).decode(window.subarray(skip)), range: [w + skip, n], totalBytes: n };
}

function fileWith(t: { after: (fn: () => void) => void }, data: Buffer | string): string {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  const file = path.join(dir, 'stdout.log');
  writeFileSync(file, data);
  return file;
}

test("tail: the contract's examples", async (t) => {
  const five = fileWith(t, 'line1\nline2\nline3\nline4\nline5\n');
  assert.deepEqual(await readTail(five, 2, 65536), { text: 'line4\nline5\n', range: [18, 30], totalBytes: 30 });
  assert.deepEqual(
    await readTail(five, 50, 8),
    { text: '4\nline5\n', range: [22, 30], totalBytes: 30 },
    'a window starting mid-line counts that line',
  );
  assert.deepEqual(await readTail(five, 50, 0), { text: '', range: [30, 30], totalBytes: 30 });
  assert.deepEqual(await readTail(five, 0, 65536), { text: 'line1\nline2\nline3\nline4\nline5\n', range: [0, 30], totalBytes: 30 });
  const abc = fileWith(t, 'a\nb\nc');
  assert.deepEqual(await readTail(abc, 2, 65536), { text: 'b\nc', range: [2, 5], totalBytes: 5 });
  assert.deepEqual(await readTail(path.join(path.dirname(abc), 'missing.log'), 50, 65536), { text: '', range: [0, 0], totalBytes: 0 });
});

test('tail agrees with the literal §5.4 algorithm on random logs', async (t) => {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  let seed = 42;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  const alphabet = Buffer.from('ab\n\n\xc3\xa9\xff');
  for (let i = 0; i < 400; i++) {
    const data = Buffer.from(Array.from({ length: rand(40) }, () => alphabet[rand(alphabet.length)]));
    const file = path.join(dir, `${i}.log`);
    writeFileSync(file, data);
    const lines = rand(6);
    const maxBytes = rand(45);
    assert.deepEqual(
      await readTail(file, lines, maxBytes),
      referenceTail(data, lines, maxBytes),
      `${JSON.stringify(data.toString('latin1'))} lines=${lines} max=${maxBytes}`,
    );
  }
});

test('invalid UTF-8 becomes U+FFFD; offsets stay byte offsets', async (t) => {
  const bytes = Buffer.from([0x6f, 0x6b, 0xff, 0xfe, 0x62, 0x61, 0x64, 0x0a, 0x41, 0xc3, 0xa9, 0x0a]);
  const file = fileWith(t, bytes);
  assert.deepEqual(await readTail(file, 50, 65536), { text: 'ok\uFFFD\uFFFDbad\nAé\n', range: [0, 12], totalBytes: 12 });
  // A window that starts inside "é" decodes the orphan continuation byte as U+FFFD.
  assert.deepEqual(await readTail(file, 50, 2), { text: '\uFFFD\n', range: [10, 12], totalBytes: 12 });
  const a = fileWith(t, Buffer.from([0xe3, 0x81, 0x82]));
  assert.deepEqual(await readHead(a, 2), { text: '\uFFFD', range: [0, 2], totalBytes: 3 });
  assert.deepEqual(await readSlice(a, 1, 10), { text: '\uFFFD\uFFFD', range: [1, 3], totalBytes: 3 });
});

test('tail of a 1 GB (sparse) log reads only its window', async (t) => {
  const { dir, cleanup } = tempDir();
  t.after(cleanup);
  const file = path.join(dir, 'big.log');
  const fd = openSync(file, 'w');
  const size = 1024 ** 3;
  ftruncateSync(fd, size - 12);
  writeSync(fd, 'last\nlines!\n', size - 12);
  closeSync(fd);
  const t0 = performance.now();
  const last = await readTail(file, 1, 65536);
  const ms = performance.now() - t0;
  assert.deepEqual(last, { text: 'lines!\n', range: [size - 7, size], totalBytes: size });
  // Two lines: the first reaches back over the zeros to the start of the 64 KiB window.
  const two = await readTail(file, 2, 65536);
  assert.deepEqual(two.range, [size - 65536, size]);
  assert.ok(two.text.endsWith('\0last\nlines!\n'));
  // Reading the whole gigabyte takes seconds; a 64 KiB window takes milliseconds.
  assert.ok(ms < 500, `tail took ${ms.toFixed(1)} ms`);
});
