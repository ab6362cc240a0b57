/**
 * Whether a process waits on a given pipe (Linux): the `needs_input` probe of ops/attention.ts.
 * A process waits on the job's input FIFO when it sleeps in `read` on a descriptor of that FIFO,
 * or in a poll-family call (`epoll_wait`, `poll`, `select`: Node, Python asyncio) while it holds
 * the FIFO open for reading. /proc/<pid>/syscall names the call and its first argument (the
 * descriptor); where it cannot be read, /proc/<pid>/wchan says what the process sleeps in.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { hasProcFs } from './proc';

/** System call numbers by architecture: read, and the calls a process sleeps in when it polls. */
const SYSCALLS: Partial<Record<NodeJS.Architecture, { read: number[]; poll: number[] }>> = {
  // read, readv / poll, select, epoll_wait, pselect6, ppoll, epoll_pwait, epoll_pwait2
  x64: { read: [0, 19], poll: [7, 23, 232, 270, 271, 281, 441] },
  // read, readv / pselect6, ppoll, epoll_pwait, epoll_pwait2
  arm64: { read: [63, 65], poll: [72, 73, 22, 441] },
};
const READ_WCHAN = /pipe_read|pipe_wait/;
const POLL_WCHAN = /epoll|poll|select/;

const readText = (file: string): string | undefined => {
  try {
    return readFileSync(file, 'latin1').trim();
  } catch {
    return undefined;
  }
};

/** The descriptors of `pid` open on the file with inode `ino` for reading. */
function readersOf(pid: number, ino: number): number[] {
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return [];
  }
  return fds.map(Number).filter((fd) => {
    try {
      if (statSync(`/proc/${pid}/fd/${fd}`).ino !== ino) return false;
      // flags (octal): the access mode is the low two bits; 1 = write-only.
      const flags = /^flags:\s+([0-7]+)/m.exec(readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'latin1'))?.[1];
      return flags === undefined || (parseInt(flags, 8) & 3) !== 1;
    } catch {
      return false;
    }
  });
}

/** True when one of `pids` is asleep waiting to read the pipe whose inode is `ino`. */
export function waitsOnPipe(pids: Iterable<number>, ino: number): boolean {
  if (!hasProcFs) return false;
  const calls = SYSCALLS[process.arch];
  for (const pid of pids) {
    const readers = readersOf(pid, ino);
    if (readers.length === 0) continue;
    const syscall = readText(`/proc/${pid}/syscall`)?.split(' ');
    if (calls && syscall && /^\d+$/.test(syscall[0])) {
      const nr = Number(syscall[0]);
      if (calls.read.includes(nr) && readers.includes(parseInt(syscall[1] ?? '', 16))) return true;
      if (calls.poll.includes(nr)) return true;
      continue;
    }
    const wchan = readText(`/proc/${pid}/wchan`) ?? '';
    if (READ_WCHAN.test(wchan) || POLL_WCHAN.test(wchan)) return true;
  }
  return false;
}
