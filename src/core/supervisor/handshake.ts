import type { ChildProcess } from 'node:child_process';
import { JobError } from '../errors';
import { signalGroup } from '../process/group';

/**
 * Sends `input` to a just-spawned detached supervisor and resolves with its first stdout line,
 * parsed by `parse` (which throws to refuse it). A supervisor that cannot answer within
 * `timeoutMs` is not trusted with the job: it is killed. The child is unref'd either way.
 */
export function readHandshake<T>(
  child: ChildProcess,
  input: string | Buffer,
  timeoutMs: number,
  parse: (line: string) => T,
  spawnError: (err: Error) => Error,
): Promise<T> {
  return new Promise((resolve, reject) => {
    let settled = false;
    let line = '';
    const finish = (err: Error | undefined, result?: T) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.stdout?.destroy();
      child.stdin?.destroy();
      child.unref();
      if (err) reject(err);
      else resolve(result!);
    };
    const timer = setTimeout(() => {
      if (child.pid) signalGroup(child.pid, 'SIGKILL', true);
      finish(new JobError('spawn_failed', `supervisor did not report within ${timeoutMs} ms`));
    }, timeoutMs);
    child.on('error', (err) => finish(spawnError(err)));
    child.stdin!.on('error', () => undefined);
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => {
      line += chunk;
      const nl = line.indexOf('\n');
      if (nl < 0) return;
      try {
        finish(undefined, parse(line.slice(0, nl)));
      } catch (err) {
        finish(err as Error);
      }
    });
    child.stdout!.on('end', () => finish(new JobError('spawn_failed', 'supervisor exited before reporting')));
    child.stdin!.end(input);
  });
}
