/**
 * The pure pieces behind serve: bind parsing and the loopback rule (agent-exec-compat.md §6). The input
 * tables it shares with the agent tools: test/unit/agent-input.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type JobError } from '../../src/core/errors';
import { formatBind, isLoopback, parseBind, resolveServeOptions, type StartupRefusal } from '../../src/serve/options';

test('bind addresses parse like a Rust SocketAddr: IP literals with a port, IPv6 in brackets', () => {
  assert.deepEqual(parseBind('127.0.0.1:19263'), { host: '127.0.0.1', port: 19263 });
  assert.deepEqual(parseBind('[::1]:0'), { host: '::1', port: 0 });
  for (const bad of ['localhost:80', '127.0.0.1', '::1:80', '[127.0.0.1]:80', '1.2.3.4:65536', '1.2.3:80', ':80', '[::1]:']) {
    assert.throws(
      () => parseBind(bad),
      (e: JobError) => e.code === 'internal_error' && e.message === `invalid bind address '${bad}': invalid socket address syntax`,
      bad,
    );
  }
  assert.equal(formatBind({ host: '::', port: 1 }), '[::]:1');
});

test('loopback is 127.0.0.0/8 and ::1 in any spelling; nothing else', () => {
  for (const h of ['127.0.0.1', '127.255.0.9', '::1', '0:0:0:0:0:0:0:1', '::0001']) assert.equal(isLoopback(h), true, h);
  for (const h of ['0.0.0.0', '10.0.0.1', '::', '::ffff:127.0.0.1', 'localhost', '128.0.0.1']) assert.equal(isLoopback(h), false, h);
});

test('start-up options: token from the environment (empty = none), refusals carry their stderr text', () => {
  const loop = resolveServeOptions({ bind: '127.0.0.1:1', insecure: false }, { AGENT_EXEC_SERVE_TOKEN: '' });
  assert.equal(loop.token, undefined);
  const open = resolveServeOptions(
    { bind: '0.0.0.0:1', insecure: true, allowOrigin: 'https://app.example:8443' },
    { AGENT_EXEC_SERVE_TOKEN: 't' },
  );
  assert.deepEqual(open, { bind: { host: '0.0.0.0', port: 1 }, token: 't', allowOrigin: 'https://app.example:8443' });
  assert.throws(
    () => resolveServeOptions({ bind: '10.1.2.3:1', insecure: false }, {}),
    (e: StartupRefusal) =>
      e.code === 'serve_unsafe_bind' && e.stderr === 'Error: non-loopback bind address 10.1.2.3:1 requires --insecure flag',
  );
  for (const origin of ['http://x/', 'http://x/path', 'not an origin']) {
    assert.throws(
      () => resolveServeOptions({ bind: '127.0.0.1:1', insecure: false, allowOrigin: origin }, {}),
      (e: JobError) => e.code === 'internal_error',
      origin,
    );
  }
});
