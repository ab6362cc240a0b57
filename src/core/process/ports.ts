/**
 * Which TCP/UDP ports processes listen on (Linux): the listening sockets of
 * /proc/net/{tcp,tcp6,udp,udp6} (the reader's network namespace) joined, by socket inode, with
 * the `socket:[inode]` links under /proc/<pid>/fd. Elsewhere there is no such table: empty lists.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { hasProcFs } from './proc';

export type PortProtocol = 'tcp' | 'tcp6' | 'udp' | 'udp6';

export interface ListeningSocket {
  port: number;
  protocol: PortProtocol;
  /** Local address it is bound to (`0.0.0.0`, `127.0.0.1`, `::`, `::1`, …). */
  address: string;
}

export interface PortListener extends ListeningSocket {
  /** Absent when the socket belongs to a process whose fds we may not read (another user's). */
  pid?: number;
}

const PROTOCOLS: readonly PortProtocol[] = ['tcp', 'tcp6', 'udp', 'udp6'];
/** st column: TCP_LISTEN for TCP; a bound UDP socket with no peer sits in TCP_CLOSE (07). */
const LISTEN_STATE: Record<PortProtocol, string> = { tcp: '0A', tcp6: '0A', udp: '07', udp6: '07' };

/** `0100007F` → `127.0.0.1`; the kernel prints each 32-bit word in host (little-endian) order. */
function decodeAddress(hex: string): string {
  const words = hex.match(/.{8}/g) ?? [];
  const bytes = words.flatMap((w) => [6, 4, 2, 0].map((i) => parseInt(w.slice(i, i + 2), 16)));
  if (bytes.length === 4) return bytes.join('.');
  const groups = Array.from({ length: 8 }, (_, i) => ((bytes[2 * i] << 8) | bytes[2 * i + 1]).toString(16));
  if (groups.slice(0, 5).every((g) => g === '0') && groups[5] === 'ffff') return `::ffff:${bytes.slice(12).join('.')}`;
  // Longest run of zero groups collapsed to `::` (RFC 5952).
  let best = { at: -1, len: 0 };
  for (let i = 0; i < 8;) {
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > best.len && j - i > 1) best = { at: i, len: j - i };
    i = j === i ? i + 1 : j;
  }
  if (best.at < 0) return groups.join(':');
  return `${groups.slice(0, best.at).join(':')}::${groups.slice(best.at + best.len).join(':')}`;
}

/** Every listening socket of this network namespace (or only those on `port`), by socket inode. */
export function listeningSockets(port?: number): Map<string, ListeningSocket> {
  const out = new Map<string, ListeningSocket>();
  if (!hasProcFs) return out;
  for (const protocol of PROTOCOLS) {
    let text: string;
    try {
      text = readFileSync(`/proc/net/${protocol}`, 'latin1');
    } catch {
      continue; // e.g. IPv6 disabled
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10 || f[3] !== LISTEN_STATE[protocol]) continue;
      const [localHex, localPort] = f[1].split(':');
      const remotePort = f[2].split(':')[1];
      // A UDP socket connect()ed to a peer is a client, not a listener.
      if (protocol.startsWith('udp') && remotePort !== '0000') continue;
      const inode = f[9];
      const number = parseInt(localPort, 16);
      if (inode === '0' || (port !== undefined && number !== port)) continue;
      out.set(inode, { port: number, protocol, address: decodeAddress(localHex) });
    }
  }
  return out;
}

/** The socket table, or how to read it once it is needed (read lazily: reading /proc/net costs milliseconds). */
export type SocketTable = Map<string, ListeningSocket> | (() => Map<string, ListeningSocket>);

/** listeningSockets, read on first use only and then kept: one read shared by several lookups. */
export function socketsOnce(): () => Map<string, ListeningSocket> {
  let table: Map<string, ListeningSocket> | undefined;
  return () => (table ??= listeningSockets());
}

/**
 * The counts of TCP and UDP sockets in use in this network namespace, from /proc/net/sockstat
 * and sockstat6: kernel counters, read without walking any table. A socket that starts listening
 * changes them (so does any other that opens or closes). Undefined where there is no /proc.
 */
export function socketUseStamp(): string | undefined {
  if (!hasProcFs) return undefined;
  const text = ['sockstat', 'sockstat6']
    .map((name) => {
      try {
        return readFileSync(`/proc/net/${name}`, 'latin1');
      } catch {
        return ''; // e.g. IPv6 disabled
      }
    })
    .join('');
  return [...text.matchAll(/^(?:TCP6?|UDP6?): inuse (\d+)/gm)].map((m) => m[1]).join(' ');
}

/** Socket inodes held open by `pid` (empty when it is gone or not ours to read). */
function socketInodes(pid: number): string[] {
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const fd of fds) {
    let link: string;
    try {
      link = readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      continue;
    }
    if (link.startsWith('socket:[')) out.push(link.slice(8, -1));
  }
  return out;
}

const byPort = (a: PortListener, b: PortListener) => a.port - b.port || a.protocol.localeCompare(b.protocol) || (a.pid ?? 0) - (b.pid ?? 0);

/**
 * The listening sockets held by `pids`, with the inodes found (a socket shared by forked processes
 * is listed for each holder). A lazy table is read only once one of the processes holds a socket.
 */
function collect(pids: Iterable<number>, sockets: SocketTable, held: Set<string>): PortListener[] {
  const out: PortListener[] = [];
  let table = typeof sockets === 'function' ? undefined : sockets;
  if (table?.size === 0) return out;
  for (const pid of new Set(pids)) {
    const inodes = new Set(socketInodes(pid));
    if (inodes.size === 0) continue;
    table ??= (sockets as () => Map<string, ListeningSocket>)();
    if (table.size === 0) return out;
    for (const inode of inodes) {
      const s = table.get(inode);
      if (!s) continue;
      held.add(inode);
      out.push({ ...s, pid });
    }
  }
  return out;
}

/** The listening sockets held by `pids`. `sockets` lets a caller reuse one read of /proc/net (by default read when first needed). */
export function portsOf(pids: Iterable<number>, sockets: SocketTable = listeningSockets): PortListener[] {
  return collect(pids, sockets, new Set()).sort(byPort);
}

/** Pids of every process (names of /proc; reading each stat is not needed to look at its fds). */
function allPids(): number[] {
  return readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .map(Number);
}

/**
 * Every listening socket of the machine (or only those on `port`) with the processes holding it;
 * a socket no readable process holds has no pid. Without a matching socket no fd is read.
 */
export function allListeners(port?: number): PortListener[] {
  const sockets = listeningSockets(port);
  const held = new Set<string>();
  const out = sockets.size > 0 ? collect(allPids(), sockets, held) : [];
  for (const [inode, s] of sockets) if (!held.has(inode)) out.push({ ...s });
  return out.sort(byPort);
}
