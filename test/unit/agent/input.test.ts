/**
 * The agent room's pure pieces (src/agent): the strict input tables shared by HTTP /exec and
 * the agent tools (validation messages, defaults, JSON Schema), and agent job definitions.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type JobError } from '../../../src/core/errors';
import { agentJobDefinition } from '../../../src/agent/agentJob';
import { parseInput, toJsonSchema, type InputSpec } from '../../../src/agent/input';

const SPEC = {
  name: { type: 'string', required: true, description: 'n' },
  count: { type: 'integer', maximum: 5, default: 1, description: 'c' },
  ratio: { type: 'number', minimum: 0.5, description: 'r' },
  argv: { type: 'string[]', minItems: 1, description: 'a' },
  env: { type: 'string-map', description: 'e' },
  mode: { type: 'string', enum: ['a', 'b'], description: 'm' },
  flag: { type: 'boolean', description: 'f' },
} as const satisfies InputSpec;

test('input tables: strict validation with serde-like messages; null means absent; absent fields get their default', () => {
  assert.deepEqual(parseInput(SPEC, { name: 'x', count: null, argv: ['a'], env: { K: 'v' }, flag: false }), {
    name: 'x',
    count: 1,
    argv: ['a'],
    env: { K: 'v' },
    flag: false,
  });
  assert.deepEqual(parseInput(SPEC, { name: 'x', count: 3 }), { name: 'x', count: 3 }, 'a given value wins over the default');
  const bad: [unknown, string][] = [
    [{}, 'missing field `name`'],
    [{ name: 'x', extra: 1 }, 'unknown field `extra`, expected one of `name`, `count`, `ratio`, `argv`, `env`, `mode`, `flag`'],
    [{ name: 1 }, 'field `name`: invalid type: integer `1`, expected a string'],
    [{ name: 'x', count: 1.5 }, 'field `count`: invalid type: floating point `1.5`, expected a non-negative integer'],
    [{ name: 'x', count: -1 }, 'field `count`: invalid type: integer `-1`, expected a non-negative integer'],
    [{ name: 'x', count: 6 }, 'field `count`: invalid value: integer `6`, expected at most 5'],
    [{ name: 'x', ratio: 0.25 }, 'field `ratio`: invalid value: floating point `0.25`, expected at least 0.5'],
    [{ name: 'x', argv: [] }, 'field `argv`: invalid length 0, expected at least 1 item(s)'],
    [{ name: 'x', argv: ['a', 2] }, 'field `argv`: invalid type: sequence, expected a sequence of strings'],
    [{ name: 'x', env: { K: 1 } }, 'field `env`: invalid type: map, expected a map of strings'],
    [{ name: 'x', mode: 'c' }, 'field `mode`: unknown variant "c", expected one of `a`, `b`'],
    [{ name: 'x', flag: 'true' }, 'field `flag`: invalid type: string "true", expected a boolean'],
    ['x', 'invalid type: string "x", expected an object'],
  ];
  for (const [value, message] of bad) {
    assert.throws(
      () => parseInput(SPEC, value),
      (e: JobError) => e.code === 'invalid_request' && e.message === message,
      JSON.stringify(value),
    );
  }
});

test('input tables: JSON Schema for clients (draft-07 subset, no extra properties)', () => {
  assert.deepEqual(toJsonSchema(SPEC), {
    type: 'object',
    properties: {
      name: { type: 'string', description: 'n' },
      count: { type: 'integer', description: 'c', minimum: 0, maximum: 5, default: 1 },
      ratio: { type: 'number', description: 'r', minimum: 0.5 },
      argv: { type: 'array', items: { type: 'string' }, description: 'a', minItems: 1 },
      env: { type: 'object', additionalProperties: { type: 'string' }, description: 'e' },
      mode: { type: 'string', description: 'm', enum: ['a', 'b'] },
      flag: { type: 'boolean', description: 'f' },
    },
    required: ['name'],
    additionalProperties: false,
  });
});

test('agent job definitions: inherited env plus masked entries, timeout rounded up to seconds, owner checked', () => {
  const def = agentJobDefinition({ command: ['x'], env: { A: '1', B: 'two' }, timeout: 1.5, owner: 'agent:test' });
  assert.deepEqual(
    { env: def.env, mask: def.mask, timeout: def.timeoutSec, inherit: def.inheritEnv, owner: def.owner },
    { env: ['A=1', 'B=two'], mask: ['A', 'B'], timeout: 2, inherit: true, owner: 'agent:test' },
  );
  assert.equal(agentJobDefinition({ command: ['x'], timeout: 1.0004, owner: 'o' }).timeoutSec, 1, 'truncated to whole ms first');
  assert.equal(agentJobDefinition({ command: ['x'], timeout: 0.0005, owner: 'o' }).timeoutSec, 0, 'below a millisecond truncates to none');
  const badEnvs: Record<string, string>[] = [{ '': 'v' }, { 'A=B': 'v' }, { A: 'v\0' }];
  for (const env of badEnvs) {
    assert.throws(
      () => agentJobDefinition({ command: ['x'], env, owner: 'o' }),
      (e: JobError) => e.code === 'invalid_request',
    );
  }
  for (const owner of ['', ' lead', 'x'.repeat(101), 'tab\there']) {
    assert.throws(
      () => agentJobDefinition({ command: ['x'], owner }),
      (e: JobError) => e.code === 'invalid_request',
      owner,
    );
  }
});
