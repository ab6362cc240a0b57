/**
 * cgroup v2 containment, where a writable cgroup2 hierarchy exists (Linux; root, or a
 * systemd-delegated subtree). A job's cgroup is `<own cgroup>/agent-exec/<job id>`: every
 * process forked inside it stays inside, whatever it does (setsid, double fork, `env -i`), and
 * `cgroup.kill` ends them all at once. Everything here is best effort: callers fall back to
 * process-group + env-tag sweeps when a function returns undefined/false.
 * Kill finds a job's cgroup through /proc/<pid>/cgroup of a known job process, so the path
 * need not be recorded anywhere.
 */
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { hasProcFs } from './proc';

const GROUP_DIR = 'agent-exec';

let mountPoint: string | null | undefined;

/** Where cgroup2 is mounted (`/sys/fs/cgroup` or, in hybrid layouts, `/sys/fs/cgroup/unified`). */
export function cgroup2Mount(): string | undefined {
  if (mountPoint === undefined) {
    mountPoint = null;
    if (hasProcFs) {
      try {
        // mountinfo: "… <mount point> <options> - <fstype> <source> <super options>"
        for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
          const [left, right] = line.split(' - ');
          if (right?.startsWith('cgroup2 ')) {
            mountPoint = left.split(' ')[4];
            break;
          }
        }
      } catch {
        // No /proc: no cgroups.
      }
    }
  }
  return mountPoint ?? undefined;
}

/** The cgroup2 path (relative to the mount) of `pid`, e.g. `/user.slice/…`. */
function cgroupPathOf(pid: number | 'self'): string | undefined {
  try {
    return /^0::(.*)$/m.exec(readFileSync(`/proc/${pid}/cgroup`, 'utf8'))?.[1];
  } catch {
    return undefined;
  }
}

/** Where this process would create the job's cgroup: under its own cgroup. */
function ownJobCgroupPath(jobId: string): string | undefined {
  const mount = cgroup2Mount();
  const own = mount ? cgroupPathOf('self') : undefined;
  return mount && own !== undefined ? path.join(mount, own, GROUP_DIR, jobId) : undefined;
}

/**
 * The job's cgroup when no live job process points at it (its workload is gone): the place
 * this process would have created it, which is right when kill runs where the job was started.
 */
export function existingJobCgroup(jobId: string): string | undefined {
  const dir = ownJobCgroupPath(jobId);
  return dir && existsSync(path.join(dir, 'cgroup.procs')) ? dir : undefined;
}

/** Creates the job's cgroup under this process's own cgroup; undefined where that is not possible. */
export function createJobCgroup(jobId: string): string | undefined {
  const dir = ownJobCgroupPath(jobId);
  if (!dir) return undefined;
  try {
    mkdirSync(dir, { recursive: true });
    return dir;
  } catch {
    return undefined;
  }
}

/** Moves `pid` into the cgroup `dir`; its future children are born inside. */
export function moveToCgroup(dir: string, pid: number): boolean {
  try {
    writeFileSync(path.join(dir, 'cgroup.procs'), String(pid));
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs `spawn` with this process briefly inside the job's cgroup, so that the child is born in
 * it (no window in which it could fork outside), then moves this process back where it was.
 * For a supervisor: `const { result: child, cgroup } = spawnInJobCgroup(id, () => spawn(…))`.
 * `cgroup` is undefined (and `spawn` ran normally) where there is no writable cgroup v2.
 */
export function spawnInJobCgroup<T>(jobId: string, spawn: () => T): { result: T; cgroup?: string } {
  const mount = cgroup2Mount();
  const own = mount ? cgroupPathOf('self') : undefined;
  const dir = own !== undefined ? createJobCgroup(jobId) : undefined;
  if (!dir || !moveToCgroup(dir, process.pid)) return { result: spawn() };
  try {
    return { result: spawn(), cgroup: dir };
  } finally {
    moveToCgroup(path.join(mount!, own!), process.pid);
  }
}

/**
 * The job's cgroup, created for a workload to move itself into before it execs (the shim's
 * child writes its pid to `cgroup.procs`); undefined where there is no writable cgroup v2.
 */
export function prepareJobCgroup(jobId: string): string | undefined {
  return cgroup2Mount() && cgroupPathOf('self') !== undefined ? createJobCgroup(jobId) : undefined;
}

/** The job's cgroup directory if `pid` lives in it. */
export function jobCgroupOf(pid: number, jobId: string): string | undefined {
  const mount = cgroup2Mount();
  const rel = mount ? cgroupPathOf(pid) : undefined;
  if (!mount || rel === undefined) return undefined;
  const segments = rel.split('/');
  return segments.at(-1) === jobId && segments.at(-2) === GROUP_DIR ? path.join(mount, rel) : undefined;
}

/** Pids in the cgroup (empty when it is gone). */
export function cgroupMembers(dir: string): number[] {
  try {
    return readFileSync(path.join(dir, 'cgroup.procs'), 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map(Number);
  } catch {
    return [];
  }
}

/** SIGKILL to every process in the cgroup at once (kernel ≥ 5.14). */
export function killCgroup(dir: string): boolean {
  try {
    writeFileSync(path.join(dir, 'cgroup.kill'), '1');
    return true;
  } catch {
    return false;
  }
}

/** Removes the cgroup once it is empty; false while it still has members (zombies not yet reaped count). */
export function removeCgroup(dir: string): boolean {
  try {
    rmdirSync(dir);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT';
  }
}
