import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { groupExists, signalGroup } from '../../src/core/process/group';

const posix = process.platform !== 'win32';

/** A `sleep` in a process group of its own (detached = setsid), killed by pid at the end. */
function sleeper(t: { after: (fn: () => unknown) => void }, detached: boolean): ChildProcess {
  const child = spawn('sleep', ['30'], { detached, stdio: 'ignore' });
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
  });
  return child;
}

test('signalGroup: one kill(-pgid) ends the group; a gone group answers false', { skip: !posix }, async (t) => {
  const child = sleeper(t, true);
  assert.equal(groupExists(child.pid!), true);
  const exited = once(child, 'exit');
  assert.equal(signalGroup(child.pid!, 'SIGTERM'), true);
  assert.deepEqual(await exited, [null, 'SIGTERM']);
  assert.equal(groupExists(child.pid!), false);
  assert.equal(signalGroup(child.pid!, 'SIGTERM'), false);
});

test('signalGroup: a process that leads no group is reached only when asked to fall back to it', { skip: !posix }, async (t) => {
  const child = sleeper(t, false);
  assert.equal(signalGroup(child.pid!, 'SIGTERM'), false, 'pid is no group id');
  assert.equal(child.exitCode, null);
  const exited = once(child, 'exit');
  assert.equal(signalGroup(child.pid!, 'SIGTERM', true), true);
  assert.deepEqual(await exited, [null, 'SIGTERM']);
});
