/**
 * Skip reasons for what a test needs from the machine, never from the code under test. Each
 * names what is missing; CI (Linux as root, cgroup v2 mounted) has everything, so nothing
 * here skips there, and a regression in the code fails the test instead of skipping it.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

/** `skip` for tests that read /proc and signal process groups and sessions. */
export const NEEDS_LINUX: string | false = process.platform === 'linux' ? false : 'needs Linux (/proc, process groups)';

let cgroupProbe: string | false | undefined;

/**
 * `skip` for the job cgroup tests: why a child cgroup cannot be made here, or false when it can.
 * Probed without src/core/process/cgroup.ts: a shell moves itself into a fresh group under this
 * process's own and reads its /proc/self/cgroup back; the group is removed afterwards.
 */
export function needsWritableCgroup2(): string | false {
  if (cgroupProbe !== undefined) return cgroupProbe;
  if (NEEDS_LINUX) return (cgroupProbe = NEEDS_LINUX);
  const mount = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .find((line) => line.split(' - ')[1]?.startsWith('cgroup2 '))
    ?.split(' ')[4];
  const own = /^0::(.*)$/m.exec(readFileSync('/proc/self/cgroup', 'utf8'))?.[1];
  if (!mount || own === undefined) return (cgroupProbe = 'needs cgroup v2 mounted');
  const name = `ae-test-probe-${process.pid}`;
  const dir = path.join(mount, own, name);
  // The shell moves back to its own group before the probe group can be removed.
  const script = 'mkdir "$1" && echo $$ > "$1/cgroup.procs" && cat /proc/self/cgroup; echo $$ > "$2/cgroup.procs"; rmdir "$1"';
  const r = spawnSync('sh', ['-c', script, 'sh', dir, path.join(mount, own)], { encoding: 'utf8' });
  const inside = new RegExp(`^0::.*/${name}$`, 'm').test(r.stdout);
  return (cgroupProbe = inside ? false : `needs a writable cgroup v2 (${dir}: ${r.stderr.split('\n')[0] || 'not entered'})`);
}
