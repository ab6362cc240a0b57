/**
 * Shared by the reliability suite: the trial count, a tally printed at the end of each file,
 * loopback port probes, and CLI-launched jobs that are swept by pid at the end of each test
 * (reusing the kill tests' helpers: runCli, waitForRoles, reap).
 */
import assert from 'node:assert/strict';
import { connect, createServer } from 'node:net';
import { findEnvTagged, isProcessAlive } from '../../src/core/process/proc';
import type { Launched } from '../helpers/jobProcs';
import { poll } from '../helpers/poll';

/** Trials per case: small in CI, 100 for the full run (`RELIABILITY_TRIALS=100`). */
export const TRIALS = Math.max(1, Number(process.env.RELIABILITY_TRIALS) || 3);

/** Per-area figures, printed as one line each when the file's tests are done. */
export class Tally {
  private rows = new Map<string, Record<string, number>>();
  constructor(private area: string) {}
  add(key: string, field: string, n = 1): void {
    const row = this.rows.get(key) ?? {};
    row[field] = (row[field] ?? 0) + n;
    this.rows.set(key, row);
  }
  print(): void {
    for (const [key, row] of this.rows) {
      const fields = Object.entries(row)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ');
      process.stdout.write(`# reliability ${this.area} ${key}: ${fields}\n`);
    }
  }
}

/** Resolves true when something accepts a TCP connection on 127.0.0.1:port. */
export function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ host: '127.0.0.1', port });
    sock.once('connect', () => {
      sock.destroy();
      resolve(true);
    });
    sock.once('error', () => resolve(false));
  });
}

/** Resolves true when this process can bind 127.0.0.1:port (then releases it). */
export function portBindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** A free loopback port (bound then released). */
export { freePort } from '../e2e/harness/codeServer';

export { poll } from '../helpers/poll';

/** Nothing tagged with the job is alive, nor its supervisor (bounded wait for the latter to finish recording). */
export async function assertJobGone(job: Launched, what: string): Promise<void> {
  assert.deepEqual(findEnvTagged(job.jobId), [], `${what}: processes tagged with the job are alive`);
  await poll(`${what}: supervisor to exit`, () => !isProcessAlive(job.supervisorPid, job.supervisorStartTime), 5_000);
}
