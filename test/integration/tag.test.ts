import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { setNotification } from '../../src/core/ops/notifySet';
import { setTags } from '../../src/core/ops/tagSet';
import { writeJsonAtomic } from '../../src/core/store/atomicWrite';
import { jobPaths } from '../../src/core/store/jobDir';
import { withJobLock } from '../../src/core/store/lock';
import { processStartTime } from '../../src/core/process/proc';
import { updateMeta } from '../../src/core/store/metaFile';
import { CLI, runCli } from '../helpers/cli';
import { installFixtureJobs, tempStore } from '../helpers/tempRoot';
import { writeFakeJob } from '../helpers/fakeJobs';

const metaText = (root: string, id: string) => readFileSync(path.join(root, id, 'meta.json'), 'utf8');
const meta = (root: string, id: string) => JSON.parse(metaText(root, id));

test("tag set replaces (dedupes, clears), keeps every other byte of meta.json in agent-exec's layout", async (t) => {
  const { root } = tempStore(t);
  const { 'with-tags-and-mask': id } = installFixtureJobs(root, ['with-tags-and-mask']);
  const before = meta(root, id);
  const r = await runCli(['--root', root, 'tag', 'set', id.slice(0, 7), '--tag', 'a', '--tag', 'b.c-d', '--tag', 'a']);
  assert.equal(r.stdout, `{"schema_version":"0.1","ok":true,"type":"tag_set","job_id":"${id}","tags":["a","b.c-d"]}\n`);
  assert.equal(
    metaText(root, id),
    JSON.stringify({ ...before, tags: ['a', 'b.c-d'] }, null, 2),
    'same keys, same order, no trailing newline',
  );
  assert.equal(statSync(path.join(root, id, 'meta.json')).mode & 0o777, 0o600);
  const cleared = await runCli(['--root', root, 'tag', 'set', id]);
  assert.deepEqual(cleared.json.tags, []);
  // `--root` after the subcommand (tag set declares its own).
  const local = await runCli(['tag', 'set', '--root', root, id, '--tag', 'z']);
  assert.deepEqual(local.json.tags, ['z']);
  assert.deepEqual(meta(root, id).tags, ['z']);
});

test('tag set: invalid tags are usage errors; unknown ids job_not_found', async (t) => {
  const { root } = tempStore(t);
  const id = writeFakeJob(root);
  const bad = await runCli(['--root', root, 'tag', 'set', id, '--tag', 'bad tag']);
  assert.equal(bad.code, 2);
  assert.equal(bad.stdout, '');
  assert.equal(
    bad.stderr.split('\n')[0],
    "error: Invalid value 'bad tag' for '--tag <TAG>': invalid tag \"bad tag\": tag segments may only contain alphanumeric characters and hyphens",
  );
  const missing = await runCli(['--root', root, 'tag', 'set', 'abcdefabcdef', '--tag', 'x']);
  assert.equal(missing.code, 1);
  assert.equal(missing.json.error.message, 'job not found: abcdefabcdef');
});

test('concurrent meta updates in one process are serialized: 20 read-modify-writes, none lost', async (t) => {
  const { root } = tempStore(t);
  const id = writeFakeJob(root, { tags: [] });
  const paths = jobPaths(root, id);
  // Every call reads before any writes; without the lock 19 of the 20 appends would be lost.
  await Promise.all(Array.from({ length: 20 }, (_, i) => updateMeta(paths, (m) => ({ ...m, tags: [...m.tags, `t${i}`] }))));
  assert.deepEqual([...meta(root, id).tags].sort(), Array.from({ length: 20 }, (_, i) => `t${i}`).sort());
  // tag set and notify set touch different fields of the same file: both survive.
  await Promise.all([
    ...Array.from({ length: 10 }, (_, i) => setTags(root, id, [`x${i}`])),
    ...Array.from({ length: 10 }, (_, i) => setNotification(root, id, { command: `echo ${i}` })),
  ]);
  const m = meta(root, id);
  assert.match(m.tags.join(), /^x\d$/);
  assert.match(m.notification.notify_command, /^echo \d$/);
});

test('20 concurrent tag set / notify set processes wait for the job lock and lose no update', async (t) => {
  const { root } = tempStore(t);
  const id = writeFakeJob(root, { tags: ['old'] });
  const paths = jobPaths(root, id);
  const exits: Promise<0 | string>[] = [];
  let exitedWhileHeld = 0;
  await withJobLock(paths.dir, async () => {
    for (let i = 0; i < 20; i++) {
      const args = i % 2 ? ['tag', 'set', id, '--tag', `t${i}`] : ['notify', 'set', id, '--command', `c${i}`];
      const child = spawn(process.execPath, [CLI, '--root', root, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (b) => (out += b));
      child.stderr.on('data', (b) => (out += b));
      exits.push(new Promise((resolve) => child.on('close', (code) => resolve(code === 0 ? 0 : `${code}: ${out}`))));
      child.on('exit', () => exitedWhileHeld++);
    }
    // Long enough for 20 CLIs to start and, if they ignored the lock, to finish their writes.
    await delay(1200);
    assert.equal(exitedWhileHeld, 0, 'a process finished while another writer held the lock');
    // A concurrent writer that read meta.json before them: its update must survive theirs,
    // and theirs must be applied on top of it (they read after we release).
    const m = meta(root, id);
    await writeJsonAtomic(paths.meta, { ...m, owner: 'held-writer' });
  });
  assert.deepEqual(await Promise.all(exits), Array(20).fill(0));
  const m = meta(root, id);
  assert.equal(m.owner, 'held-writer');
  assert.match(m.tags.join(), /^t\d+$/);
  assert.match(m.notification.notify_command, /^c\d+$/);
  const keys = Object.keys(m);
  assert.ok(keys.indexOf('notification') === keys.indexOf('tags') - 1, 'notification sits before tags, as agent-exec writes it');
});

test('a lock left by a dead process is taken over by exactly one waiter at a time', async (t) => {
  const { root } = tempStore(t);
  const id = writeFakeJob(root, { tags: [] });
  const paths = jobPaths(root, id);
  // A lock whose owner has exited (its pid, with the start time it had).
  const dead = spawn('sleep', ['1000']);
  const deadPid = dead.pid!;
  const startTime = processStartTime(deadPid);
  assert.ok(startTime !== undefined);
  const exited = new Promise((resolve) => dead.on('exit', resolve));
  process.kill(deadPid, 'SIGKILL');
  await exited;
  let holders = 0;
  let most = 0;
  for (let round = 0; round < 20; round++) {
    writeFileSync(path.join(paths.dir, '.lock'), `${deadPid} ${startTime}`);
    await Promise.all(
      // Staggered, so that one waiter reads the dead owner while another is already taking over.
      Array.from({ length: 8 }, async (_, i) => {
        await delay(i % 4);
        await withJobLock(paths.dir, async () => {
          most = Math.max(most, ++holders);
          await delay(1);
          holders--;
        });
      }),
    );
  }
  assert.equal(most, 1, 'two callers held the job lock at once after a stale takeover');
  assert.equal(existsSync(path.join(paths.dir, '.lock')), false);
});
