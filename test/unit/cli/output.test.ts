import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { toYaml } from '../../../src/cli/output';
import { FIXTURES } from '../../helpers/tempRoot';

const record = (name: string) =>
  readFileSync(path.join(FIXTURES, 'transcripts.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l))
    .find((r) => r.name === name);

const ID = '0c2f4a3e5b6d7e8f9a0b1c2d3e4f5a6b';
const ROOT = '/tmp/aefx/g02-run/root';
/** The transcript's text with its placeholders turned back into real values. */
const real = (text: string) => text.replaceAll('<ROOT>', ROOT).replace(/<ID\d+>/g, ID);

test("--yaml matches agent-exec's run_yaml transcript byte for byte", () => {
  const value = {
    schema_version: '0.1',
    ok: true,
    type: 'run',
    job_id: ID,
    state: 'exited',
    tags: [],
    stdout_log_path: `${ROOT}/${ID}/stdout.log`,
    stderr_log_path: `${ROOT}/${ID}/stderr.log`,
    elapsed_ms: 302,
    waited_ms: 301,
    stdout: 'y\n',
    stderr: '',
    stdout_range: [0, 2],
    stderr_range: [0, 0],
    stdout_total_bytes: 2,
    stderr_total_bytes: 0,
    encoding: 'utf-8-lossy',
    exit_code: 0,
    finished_at: '2026-11-30T03:41:32Z',
    duration_ms: 222,
  };
  assert.equal(toYaml(value), real(record('run_yaml').stdout));
});

test('--yaml matches the status_yaml transcript', () => {
  const value = {
    schema_version: '0.1',
    ok: true,
    type: 'status',
    job_id: ID,
    state: 'exited',
    exit_code: 0,
    created_at: '2026-11-30T03:41:44Z',
    started_at: '2026-11-30T03:41:44Z',
    finished_at: '2026-11-30T03:41:46Z',
  };
  assert.equal(toYaml(value), real(record('status_yaml').stdout));
});

test("yaml quoting follows yaml-rust's need_quotes (serde_yaml 0.8)", () => {
  const cases: [string, string][] = [
    ['', '""'],
    [' a', '" a"'],
    ['a ', '"a "'],
    ['true', '"true"'],
    ['Yes', '"Yes"'],
    ['y', 'y'],
    ['~', '"~"'],
    ['null', '"null"'],
    ['12e7', '"12e7"'],
    ['2.6', '"2.6"'],
    ['4', '"4"'],
    ['-4', '"-4"'],
    ['inf', '"inf"'],
    ['NaN', '"NaN"'],
    ['.milk', '".milk"'],
    ['0x1f', '"0x1f"'],
    ['1_000', '1_000'],
    ['2014-12-31', '2014-12-31'],
    ['*coffee', '"*coffee"'],
    ['-x', '"-x"'],
    ['a:b', '"a:b"'],
    ['{', '"{"'],
    ["can't", '"can\'t"'],
    ['a\\b', '"a\\\\b"'],
    ['line\n', '"line\\n"'],
    ['tab\there', '"tab\\there"'],
    ['bell\x07', 'bell\x07'],
    ['esc\x1b', 'esc\x1b'],
    ['ctl\x01', '"ctl\\u0001"'],
    ['你好', '你好'],
    ['utf-8-lossy', 'utf-8-lossy'],
    ['/tmp/x y/stdout.log', '/tmp/x y/stdout.log'],
    ['12345678901234567890123456789012', '"12345678901234567890123456789012"'],
    ['1e5abc', '1e5abc'],
  ];
  for (const [s, want] of cases) assert.equal(toYaml({ k: s }), `---\nk: ${want}\n`, JSON.stringify(s));
  assert.equal(toYaml({ 'needs: quote': 1 }), '---\n"needs: quote": 1\n');
});

test('yaml block layout: nested maps, lists of maps, empty collections, nulls', () => {
  const value = {
    jobs: [
      { job_id: 'a', tags: ['x', 'y'], notification: { notify_command: 'echo done' } },
      { job_id: 'b', tags: [], extra: {} },
    ],
    nested: [['c', 'd'], 'e'],
    none: null,
    empty: [],
  };
  assert.equal(
    toYaml(value),
    [
      '---',
      'jobs:',
      '  - job_id: a',
      '    tags:',
      '      - x',
      '      - y',
      '    notification:',
      '      notify_command: echo done',
      '  - job_id: b',
      '    tags: []',
      '    extra: {}',
      'nested:',
      '  - - c',
      '    - d',
      '  - e',
      'none: ~',
      'empty: []',
      '',
    ].join('\n'),
  );
});
