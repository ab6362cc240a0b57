/**
 * src/protocol may not import src/core (the webview bundles it), so its copies of core's
 * constants are pinned here: the signals the panel may send, the job states and ready states it
 * shows and the job id pattern it accepts. The signal descriptions of src/shared and the setting's enum in
 * package.json are pinned to the same list.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { KILL_SIGNALS } from '../../../src/core/process/signals';
import { JOB_STATUSES } from '../../../src/core/schema';
import { isValidIdInput } from '../../../src/core/store/jobId';
import type { ReadyState } from '../../../src/core/ops/ready';
import type { AttentionKind } from '../../../src/core/ops/attention';
import {
  ATTENTION_KINDS,
  JOB_ID_PATTERN,
  JOB_STATES,
  PANEL_SIGNALS,
  READY_STATES,
  type AttentionKindName,
  type ReadyStateName,
} from '../../../src/protocol/jobPanel';
import { SIGNAL_DESCRIPTIONS } from '../../../src/shared/signals';

test('the panel sends exactly the signals core kills with, in the same order', () => {
  assert.deepEqual([...PANEL_SIGNALS], [...KILL_SIGNALS]);
});

test('every kill signal has one description, and the setting offers the same signals', () => {
  assert.deepEqual(Object.keys(SIGNAL_DESCRIPTIONS), [...KILL_SIGNALS]);
  const pkg = JSON.parse(readFileSync(path.resolve('package.json'), 'utf8')) as {
    contributes: { configuration: { properties: Record<string, { enum?: string[]; enumDescriptions?: string[] }> } };
  };
  const setting = pkg.contributes.configuration.properties['agentExec.kill.defaultSignal'];
  assert.deepEqual(setting.enum, [...KILL_SIGNALS]);
  assert.equal(setting.enumDescriptions?.length, KILL_SIGNALS.length);
});

test('the panel shows exactly the job states of the schema', () => {
  assert.deepEqual([...JOB_STATES].sort(), [...JOB_STATUSES].sort());
});

test('the panel shows exactly the ready states of core', () => {
  // Both ways at compile time (tsc checks the tests): a state added on one side fails `npm run check`.
  const fromCore: Record<ReadyState, ReadyStateName> = { pending: 'pending', ready: 'ready', timed_out: 'timed_out' };
  const fromPanel: Record<ReadyStateName, ReadyState> = { pending: 'pending', ready: 'ready', timed_out: 'timed_out' };
  assert.deepEqual([...READY_STATES].sort(), Object.keys(fromCore).sort());
  assert.deepEqual(Object.keys(fromPanel).sort(), Object.values(fromCore).sort());
});

test('the panel shows exactly the attention kinds of core', () => {
  // Both ways at compile time, as for the ready states.
  const fromCore: Record<AttentionKind, AttentionKindName> = { needs_input: 'needs_input', stalled: 'stalled' };
  const fromPanel: Record<AttentionKindName, AttentionKind> = { needs_input: 'needs_input', stalled: 'stalled' };
  assert.deepEqual([...ATTENTION_KINDS].sort(), Object.keys(fromCore).sort());
  assert.deepEqual(Object.keys(fromPanel).sort(), Object.values(fromCore).sort());
});

test("the panel's job id pattern accepts exactly the ids core accepts", () => {
  const samples = [
    'a',
    'Z',
    '0',
    '_',
    '-',
    'abc123',
    'a'.repeat(128),
    'a'.repeat(129),
    '',
    '..',
    'a/b',
    'a\\b',
    'a.b',
    'a b',
    'a\0',
    'é',
    '0123456789abcdef0123456789abcdef',
    'job-1_2',
    '\n',
    'a\n',
  ];
  for (const id of samples) assert.equal(JOB_ID_PATTERN.test(id), isValidIdInput(id), JSON.stringify(id));
  for (let c = 0; c < 256; c++) {
    const id = `x${String.fromCharCode(c)}`;
    assert.equal(JOB_ID_PATTERN.test(id), isValidIdInput(id), JSON.stringify(id));
  }
});
