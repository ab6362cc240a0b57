import { spawn } from 'node:child_process';
import * as path from 'node:path';

export const CLI = path.resolve('dist/cli.js');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout parsed as one JSON object (undefined when empty). */
  json: any;
}

/** Runs the built CLI as a subprocess and waits for it to exit (bounded). */
export function runCli(
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string | Buffer; timeoutMs?: number } = {},
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    // `--`: Node 20 would otherwise take the CLI's `--env-file` for its own (nodejs/node#54232).
    const child = spawn(process.execPath, ['--', CLI, ...args], {
      cwd: opts.cwd,
      env: { ...process.env, AGENT_EXEC_ROOT: '', XDG_DATA_HOME: '', ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b) => out.push(b));
    child.stderr.on('data', (b) => err.push(b));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`agent-exec ${args.join(' ')} did not exit within ${opts.timeoutMs ?? 20000} ms`));
    }, opts.timeoutMs ?? 20000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const stdout = Buffer.concat(out).toString('utf8');
      let json: unknown;
      if (stdout.trim().startsWith('{')) json = JSON.parse(stdout);
      resolve({ code, stdout, stderr: Buffer.concat(err).toString('utf8'), json });
    });
    child.stdin.end(opts.input ?? '');
  });
}
