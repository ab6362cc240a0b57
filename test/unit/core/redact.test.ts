/**
 * Issue 10 item 5: masked values never leave through a log read. The rule (redact.ts) is
 * tested on real files through the readers every surface uses (core/logs.ts), including a
 * value cut by a page edge, and through the panel's log follower.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { readHead, readSlice, readTail } from '../../../src/core/logs';
import { maskedValues, recordMaskedValues, REDACT_FILE } from '../../../src/core/redact';
import { LogFeed, type LogFeedChunk } from '../../../src/extension/panel/logFeed';
import { AGENT_TOOLS } from '../../../src/agent/tools';
import { snakeCaseKeys } from '../../../src/extension/agent/agentOutput';
import { COPILOT_OWNER } from '../../../src/extension/lm/toolCatalog';
import { writeFakeJob } from '../../helpers/fakeJobs';
import { tempDir } from '../../helpers/tempRoot';

const SECRET = 'hunter2-s3cr3t';

async function jobWith(t: { after(fn: () => void): void }, text: string, values: string[] = [SECRET]) {
  const { dir, cleanup } = tempDir('ae-redact-');
  t.after(cleanup);
  await recordMaskedValues(dir, values);
  const file = path.join(dir, 'stdout.log');
  writeFileSync(file, text);
  return { dir, file };
}

test('masked values: those of the masked keys, lines of multi-line ones, none shorter than 3 characters', () => {
  const env = { A: SECRET, B: 'ab', C: 'not masked', D: 'line-one\nline-two\r\nx' };
  assert.deepEqual(maskedValues(['A', 'B', 'D', 'MISSING'], env), [SECRET, 'line-one\nline-two\r\nx', 'line-one', 'line-two']);
});

test('the record holds no value: 0600, only lengths, fingerprints and keyed digests', async (t) => {
  const { dir } = await jobWith(t, '');
  const file = path.join(dir, REDACT_FILE);
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.ok(!readFileSync(file, 'utf8').includes(SECRET));
  assert.ok(!readFileSync(file, 'latin1').includes(Buffer.from(SECRET).toString('hex')));
});

test('head, tail and slices show *** for every occurrence; ranges stay raw byte ranges; logs on disk keep the bytes', async (t) => {
  const raw = `token=${SECRET}\n€ ${SECRET}${SECRET} end\nplain\n`;
  const { file } = await jobWith(t, raw);
  const size = Buffer.byteLength(raw);
  const head = await readHead(file, 1000);
  assert.equal(head.text, 'token=***\n€ *** end\nplain\n');
  assert.deepEqual(head.range, [0, size]);
  const tail = await readTail(file, 2, 1000);
  assert.equal(tail.text, '€ *** end\nplain\n');
  assert.deepEqual(tail.range, [Buffer.byteLength(`token=${SECRET}\n`), size]);
  assert.equal(readFileSync(file, 'utf8'), raw, 'the log file keeps the raw bytes');
});

test('a value cut by a page edge is never returned, on either side of the edge, for every cut', async (t) => {
  const raw = `ab ${SECRET} cd`;
  const { file } = await jobWith(t, raw);
  const size = Buffer.byteLength(raw);
  for (let cut = 0; cut <= size; cut++) {
    const left = await readSlice(file, 0, cut);
    const right = await readSlice(file, cut, size);
    assert.deepEqual(
      [left.range, right.range],
      [
        [0, cut],
        [cut, size],
      ],
    );
    const joined = left.text + right.text;
    for (const text of [left.text, right.text, joined]) {
      // No part of the value of 2 characters or more shows (a single character may, at the very edge).
      for (let i = 0; i + 2 <= SECRET.length; i++)
        assert.ok(
          !text.includes(SECRET.slice(i, i + 2)) || 'ab cd'.includes(SECRET.slice(i, i + 2)),
          `cut ${cut}: ${JSON.stringify(text)}`,
        );
    }
    assert.match(joined, /^ab (\*\*\*)+ cd$/, `cut ${cut}`);
  }
});

test('a log without a record, or with values too short, reads as it is', async (t) => {
  const { dir, cleanup } = tempDir('ae-redact-');
  t.after(cleanup);
  const file = path.join(dir, 'stdout.log');
  writeFileSync(file, `x ${SECRET}\n`);
  assert.equal((await readHead(file, 100)).text, `x ${SECRET}\n`);
  await recordMaskedValues(dir, []);
  assert.deepEqual(readdirSync(dir), ['stdout.log'], 'nothing to mask, no record');
});

test('a damaged record hides the whole log rather than showing a value', async (t) => {
  const { dir, file } = await jobWith(t, `x ${SECRET}\n`);
  writeFileSync(path.join(dir, REDACT_FILE), '{"key":');
  assert.equal((await readHead(file, 100)).text, '***');
});

test('a record that cannot be read (here a directory in its place) hides the whole log too', async (t) => {
  const { dir, file } = await jobWith(t, `x ${SECRET}\n`);
  rmSync(path.join(dir, REDACT_FILE));
  mkdirSync(path.join(dir, REDACT_FILE));
  assert.equal((await readHead(file, 100)).text, '***');
});

test('panel log follower: tail, appends (a value written in two pieces) and earlier ranges never show the value', async (t) => {
  const { dir, file } = await jobWith(t, `first ${SECRET}\n`);
  const chunks: LogFeedChunk[] = [];
  const f = new LogFeed(file, dir, (c) => chunks.push(c), {
    tailBytes: 4096,
    catchUpBytes: 2048,
    tailLines: 100,
    maxAppendBytes: 65536,
    flushMs: 20,
    partialMs: 100,
  });
  t.after(() => f.dispose());
  await f.start();
  assert.equal(chunks[0].text, 'first ***\n');
  appendFileSync(file, `second ${SECRET.slice(0, 6)}`);
  appendFileSync(file, `${SECRET.slice(6)} done\n`);
  const deadline = Date.now() + 5000;
  while (!chunks.some((c) => c.text.includes('done')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  const appended = chunks
    .filter((c) => c.kind === 'append')
    .map((c) => c.text)
    .join('');
  assert.equal(appended, 'second *** done\n');
  await f.loadRange(0, 10, 'below');
  const range = chunks.at(-1)!;
  assert.equal(range.kind, 'range');
  assert.ok(!range.text.includes(SECRET.slice(0, 4)), range.text);
  for (const c of chunks) assert.ok(!c.text.includes(SECRET), JSON.stringify(c));
});

test('panel log follower: a value in an unterminated last line keeps the byte offsets exact', async (t) => {
  const { dir, file } = await jobWith(t, `a\nkey=${SECRET}`);
  const chunks: LogFeedChunk[] = [];
  const f = new LogFeed(file, dir, (c) => chunks.push(c), {
    tailBytes: 4096,
    catchUpBytes: 2048,
    tailLines: 100,
    maxAppendBytes: 65536,
    flushMs: 20,
    partialMs: 50,
  });
  t.after(() => f.dispose());
  await f.start();
  appendFileSync(file, ' tail\n');
  const deadline = Date.now() + 5000;
  const total = Buffer.byteLength(`a\nkey=${SECRET} tail\n`);
  while (chunks.at(-1)?.end !== total && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  // What the panel shows: the tail, then each append that starts where the last one ended.
  let text = '';
  let end = -1;
  for (const c of chunks) {
    if (c.kind === 'tail') [text, end] = [c.text, c.end];
    else if (c.kind === 'append' && c.start === end) [text, end] = [text + c.text, c.end];
  }
  assert.equal(text, 'a\nkey=*** tail\n');
  assert.equal(end, total);
});

test('Copilot tools and agent commands (the shared agent tools): output in tail and paging mode shows ***', async (t) => {
  const { dir: root, cleanup } = tempDir('ae-redact-lm-');
  t.after(cleanup);
  const id = writeFakeJob(root, { stdout: `token=${SECRET}\n` });
  await recordMaskedValues(path.join(root, id), [SECRET]);
  const output = AGENT_TOOLS.find((x) => x.name === 'output')!;
  const ctx = { root, owner: COPILOT_OWNER, launch: { cwd: root, env: {}, runtime: { execPath: process.execPath, script: 'unused' } } };
  const tail = (await output.invoke({ job_id: id }, ctx)).envelope as { stdout: string };
  assert.equal(tail.stdout, 'token=***\n');
  const page = (await output.invoke(snakeCaseKeys({ jobId: id, offset: 3, length: 8 }), ctx)).envelope as { text: string; range: number[] };
  assert.deepEqual([page.text, page.range], ['en=***', [3, 11]]);
});
