import { test } from 'node:test';
import assert from 'node:assert/strict';
import { constants } from 'node:os';
import { JobError } from '../../../../src/core/errors';
import { KILL_SIGNALS, normalizeSignal } from '../../../../src/core/process/signals';

test('signal names: bare, lowercase, SIG-prefixed and numbers all normalize', () => {
  for (const input of ['TERM', 'term', 'SIGTERM', 'sigterm', 'SigTerm', String(constants.signals.SIGTERM)]) {
    const s = normalizeSignal(input);
    assert.equal(s.name, 'TERM', input);
    assert.equal(s.node, 'SIGTERM');
    assert.equal(s.number, constants.signals.SIGTERM);
  }
  for (const name of KILL_SIGNALS) {
    assert.equal(normalizeSignal(name).node, `SIG${name}`);
    assert.equal(normalizeSignal(String(constants.signals[`SIG${name}`])).name, name);
  }
});

test('the label keeps what agent-exec reports: the request uppercased, not the canonical name', () => {
  assert.equal(normalizeSignal('term').label, 'TERM');
  assert.equal(normalizeSignal('SIGint').label, 'SIGINT');
  assert.equal(normalizeSignal('9').label, '9');
  assert.equal(normalizeSignal('9').name, 'KILL');
});

test('unknown or unsuitable signals are invalid_signal errors that list what is accepted, never a silent KILL', () => {
  for (const input of ['FOO', '', 'SIG', 'STOP', 'SIGCONT', '0', '19', '999', '-9', '1.5', 'TERM9']) {
    assert.throws(
      () => normalizeSignal(input),
      (err: unknown) => {
        assert.ok(err instanceof JobError);
        assert.equal(err.code, 'invalid_signal');
        assert.match(
          err.message,
          /^invalid signal '.*': use one of TERM \(15\), INT \(2\), KILL \(9\), HUP \(1\), QUIT \(3\), USR1 \(\d+\), USR2 \(\d+\)/,
        );
        return true;
      },
      input,
    );
  }
});
