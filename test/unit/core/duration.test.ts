import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDurationSeconds } from '../../../src/core/duration';
import { JobError } from '../../../src/core/errors';

test('gc durations: N, Ns, Nm, Nh, Nd, trimmed', () => {
  const cases: [string, number][] = [
    ['30d', 30 * 86400],
    ['24h', 86400],
    ['60m', 3600],
    ['3600s', 3600],
    ['45', 45],
    [' 2h ', 7200],
    ['0s', 0],
  ];
  for (const [text, seconds] of cases) assert.equal(parseDurationSeconds(text), seconds, text);
});

test("gc durations: anything else is internal_error with agent-exec's message", () => {
  for (const text of ['5x', '', '1D', '-5s', '1.5h', 'h', '1 h', '99999999999999999999d', '1w']) {
    assert.throws(
      () => parseDurationSeconds(text),
      (e: unknown) =>
        e instanceof JobError &&
        e.code === 'internal_error' &&
        e.message === `invalid duration: ${text}; expected formats: 30d, 24h, 60m, 3600s`,
      JSON.stringify(text),
    );
  }
});
