import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diffNames, indexHolds, type IndexHeader, type RootStamp } from '../../../src/core/ops/listIndex';

const MS = 1_000_000n;

/** A header recording `stamp`, its names read `readAfterMs` after the stamp's mtime. */
function headerFor(stamp: RootStamp, readAfterMs: number, dirs = 70_000): IndexHeader {
  return {
    version: 3,
    root_mtime_ns: String(stamp.mtimeNs),
    root_ctime_ns: String(stamp.ctimeNs),
    read_at_ms: Number(stamp.mtimeNs / MS) + readAfterMs,
    dirs,
    body: 'token',
    names: 'sum',
    live: [],
    created: [],
    gone: [],
  };
}

test('indexHolds: where nlink counts subdirectories, the count must match as well as the timestamps', () => {
  const stamp = { mtimeNs: 1_796_000_000_123_456_789n, ctimeNs: 1_796_000_000_123_456_789n, nlink: 70_002n };
  assert.equal(indexHolds(headerFor(stamp, 0), stamp), true, 'the count catches a change within the tick');
  assert.equal(indexHolds(headerFor(stamp, 0), { ...stamp, nlink: 70_003n }), false);
  assert.equal(indexHolds(headerFor(stamp, 5000), { ...stamp, mtimeNs: stamp.mtimeNs + 1n }), false);
});

test('indexHolds: on timestamps alone (nlink 1), only names read a full tick after the recorded mtime', () => {
  // ext4 past ~65,000 subdirectories, btrfs: nlink is 1.
  const fine = { mtimeNs: 1_796_000_000_123_456_789n, ctimeNs: 1_796_000_000_123_456_789n, nlink: 1n };
  assert.equal(indexHolds(headerFor(fine, 5), fine), false, 'a change later in the same tick would not show');
  assert.equal(indexHolds(headerFor(fine, 25), fine), true);
  assert.equal(indexHolds(headerFor(fine, 25), { ...fine, ctimeNs: fine.ctimeNs + 1n }), false);
  // Whole-second timestamps (FAT counts mtime in 2 s steps, ext3 and HFS+ in seconds).
  const coarse = { mtimeNs: 1_796_000_000_000_000_000n, ctimeNs: 1_796_000_000_000_000_000n, nlink: 1n };
  assert.equal(indexHolds(headerFor(coarse, 1500), coarse), false);
  assert.equal(indexHolds(headerFor(coarse, 2000), coarse), true);
});

test('diffNames: additions and removals anywhere, whatever order the readings come in', () => {
  const before = Array.from({ length: 200 }, (_, i) => `job-${i}`);
  const after = before.filter((n) => n !== 'job-0' && n !== 'job-50' && n !== 'job-199');
  after.splice(10, 0, 'new-a');
  after.splice(120, 0, 'new-b', 'new-c');
  after.push('new-d');
  after.unshift('new-e');
  const sorted = (d: { added: string[]; removed: string[] }) => ({ added: [...d.added].sort(), removed: [...d.removed].sort() });
  const want = { added: ['new-a', 'new-b', 'new-c', 'new-d', 'new-e'], removed: ['job-0', 'job-199', 'job-50'] };
  assert.deepEqual(sorted(diffNames(before, after)), want);
  // A reading in another order (entries moved): moved names cancel out.
  assert.deepEqual(sorted(diffNames(before, [...after].reverse())), want);
  assert.deepEqual(sorted(diffNames(before, [...after].sort())), want);
  assert.deepEqual(diffNames(before, before), { added: [], removed: [] });
  assert.deepEqual(sorted(diffNames([], after)), { added: [...after].sort(), removed: [] });
  assert.deepEqual(sorted(diffNames(before, [])), { added: [], removed: [...before].sort() });
});
