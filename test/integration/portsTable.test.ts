/** process/ports.ts against real sockets opened by this process (loopback only, closed at the end). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Server } from 'node:net';
import { spawn } from 'node:child_process';
import { allListeners, listeningSockets, portsOf, socketsOnce, socketUseStamp } from '../../src/core/process/ports';

const linux = process.platform === 'linux';

async function listen(host: string): Promise<Server | undefined> {
  const s = createServer();
  s.listen(0, host);
  const [outcome] = await Promise.race([once(s, 'listening').then(() => ['ok']), once(s, 'error').then(() => ['error'])]);
  return outcome === 'ok' ? s : undefined;
}

test(
  "portsOf: this process's TCP (IPv4 and IPv6 loopback) and UDP listeners, with decoded addresses; allListeners has them",
  { skip: !linux },
  async (t) => {
    const v4 = (await listen('127.0.0.1'))!;
    const v6 = await listen('::1'); // absent when the machine has no IPv6 loopback
    const udp = createSocket('udp4');
    udp.bind(0, '127.0.0.1');
    await once(udp, 'listening');
    t.after(() => {
      v4.close();
      v6?.close();
      udp.close();
    });
    const expected = [
      { port: (v4.address() as AddressInfo).port, protocol: 'tcp', address: '127.0.0.1', pid: process.pid },
      ...(v6 ? [{ port: (v6.address() as AddressInfo).port, protocol: 'tcp6', address: '::1', pid: process.pid }] : []),
      { port: udp.address().port, protocol: 'udp', address: '127.0.0.1', pid: process.pid },
    ];
    const mine = portsOf([process.pid]);
    for (const e of expected)
      assert.ok(
        mine.some((m) => JSON.stringify(m) === JSON.stringify(e)),
        `${JSON.stringify(e)} not in ${JSON.stringify(mine)}`,
      );
    const all = allListeners();
    for (const e of expected) assert.ok(all.some((m) => m.port === e.port && m.protocol === e.protocol && m.pid === process.pid));
  },
);

test('portsOf: a connected (client) socket is not a listener', { skip: !linux }, async (t) => {
  const server = (await listen('127.0.0.1'))!;
  const port = (server.address() as AddressInfo).port;
  const client = connect(port, '127.0.0.1');
  await once(client, 'connect');
  t.after(() => {
    client.destroy();
    server.close();
  });
  const mine = portsOf([process.pid]);
  assert.deepEqual(
    mine.filter((m) => m.port === port || m.port === client.localPort).map((m) => m.port),
    [port],
  );
});

test(
  'portsOf reads the socket table only once one of the processes holds a socket; socketsOnce reads it once',
  { skip: !linux },
  async (t) => {
    const sleeper = spawn('sleep', ['300'], { stdio: 'ignore' });
    t.after(() => sleeper.kill('SIGKILL'));
    const server = (await listen('127.0.0.1'))!;
    t.after(() => server.close());
    let reads = 0;
    const counted = () => (reads++, listeningSockets());
    assert.deepEqual(portsOf([sleeper.pid!], counted), []);
    assert.equal(reads, 0, 'a process without sockets: /proc/net is not read');
    const port = (server.address() as AddressInfo).port;
    assert.ok(portsOf([sleeper.pid!, process.pid], counted).some((l) => l.port === port && l.pid === process.pid));
    assert.equal(reads, 1);
    const shared = socketsOnce();
    assert.equal(shared(), shared(), 'one read, kept');
  },
);

test('listeningSockets(port) / allListeners(port): only the sockets on that port (TCP and UDP)', { skip: !linux }, async (t) => {
  const tcp = (await listen('127.0.0.1'))!;
  const other = (await listen('127.0.0.1'))!;
  const port = (tcp.address() as AddressInfo).port;
  const udp = createSocket('udp4');
  udp.bind(port, '127.0.0.1');
  await once(udp, 'listening');
  t.after(() => {
    tcp.close();
    other.close();
    udp.close();
  });
  const protocols = (sockets: { port: number; protocol: string }[]) => sockets.map((s) => `${s.port}/${s.protocol}`).sort();
  assert.deepEqual(protocols([...listeningSockets(port).values()]), [`${port}/tcp`, `${port}/udp`]);
  assert.deepEqual(protocols(allListeners(port)), [`${port}/tcp`, `${port}/udp`]);
  assert.ok(listeningSockets().size > listeningSockets(port).size, 'without a port: every listener (the other server too)');
});

test('socketUseStamp: the TCP/UDP in-use counts, which move when sockets start listening', { skip: !linux }, async (t) => {
  const before = socketUseStamp();
  assert.match(before ?? '', /^\d+ \d+( \d+ \d+)?$/, 'TCP and UDP (and their IPv6 twins) in-use counts');
  // Five at once: other processes' sockets opening and closing meanwhile will hardly cancel out exactly five.
  const servers = await Promise.all(Array.from({ length: 5 }, () => listen('127.0.0.1')));
  t.after(() => servers.forEach((srv) => srv?.close()));
  assert.notEqual(socketUseStamp(), before);
});
