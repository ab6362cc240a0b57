/** The kill impact preview in words (src/extension/views/killPreview.ts): the Kill Quick Pick's detail line. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import type { KillTargetsDescription } from '../../../../src/core/ops/kill';
import { killPreviewLine, portsText } from '../../../../src/extension/views/killPreview';

const base: KillTargetsDescription = {
  job_id: '0123456789abcdef0123456789abcdef',
  state: 'running',
  identity: 'verified',
  targets: [],
  ports: [],
};
const target = (pid: number) => ({ pid, reason: 'group' as const, command: 'node', age_s: 1 });

test('ports read as port/protocol, each once (IPv4 and IPv6 on one port are one), in port order', () => {
  assert.equal(portsText([]), '');
  assert.equal(
    portsText([
      { port: 8080, protocol: 'udp6' },
      { port: 3000, protocol: 'tcp6' },
      { port: 3000, protocol: 'tcp' },
      { port: 8080, protocol: 'tcp' },
    ]),
    '3000/tcp, 8080/tcp, 8080/udp',
  );
});

test('the detail line: process count, ports, owner, how long the job has run', () => {
  const full = killPreviewLine({
    ...base,
    targets: [target(10), target(11), target(12)],
    ports: [{ port: 3000, protocol: 'tcp', address: '127.0.0.1', pid: 10 }],
    owner: 'agent:copilot',
    running_for_s: 125,
  });
  assert.equal(full, '3 processes · port 3000/tcp · owner agent:copilot · running 2m 5s');
  assert.equal(killPreviewLine({ ...base, targets: [target(10)], running_for_s: 3 }), '1 process · owner not recorded · running 3.0 s');
  assert.equal(killPreviewLine({ ...base, owner: 'human:vscode' }), 'no live process · owner human:vscode');
});
