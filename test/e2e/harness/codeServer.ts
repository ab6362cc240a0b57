/** Installing the VSIX into and starting code-server 4.100.3 (flags: shared/notes/vscode-e2e.md). */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import * as path from 'node:path';
import { signal, until } from './processes';

export const REPO = path.resolve('.');
export const TOOLS = process.env.AGENT_EXEC_E2E_TOOLS ?? path.join(REPO, '.e2e', 'tools');
export const ENTRY = path.join(TOOLS, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
export const VSIX = path.join(REPO, 'agent-exec-vscode.vsix');

export interface CodeServerDirs {
  userData: string;
  extensions: string;
  workspace: string;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export function installVsix(dirs: CodeServerDirs, env: NodeJS.ProcessEnv): void {
  execFileSync(
    process.execPath,
    [ENTRY, '--user-data-dir', dirs.userData, '--extensions-dir', dirs.extensions, '--install-extension', VSIX, '--force'],
    {
      env,
      stdio: 'pipe',
      timeout: 60_000,
    },
  );
}

function groupExists(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

export class CodeServer {
  private constructor(
    readonly child: ChildProcess,
    readonly port: number,
    private readonly exited: Promise<void>,
  ) {}

  /** Starts code-server in its own process group (it forks the exthost, pty host and watcher) and waits for /healthz. */
  static async start(
    dirs: CodeServerDirs,
    env: NodeJS.ProcessEnv,
    opts: { workspaceTrust: boolean },
    output: (child: ChildProcess) => void,
  ): Promise<CodeServer> {
    const port = await freePort();
    const args = [
      ENTRY,
      '--auth',
      'none',
      '--bind-addr',
      `127.0.0.1:${port}`,
      '--disable-telemetry',
      '--disable-update-check',
      ...(opts.workspaceTrust ? [] : ['--disable-workspace-trust']),
      '--disable-getting-started-override',
      '--ignore-last-opened',
      '--user-data-dir',
      dirs.userData,
      '--extensions-dir',
      dirs.extensions,
      dirs.workspace,
    ];
    const child = spawn(process.execPath, args, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    output(child);
    const server = new CodeServer(child, port, exited);
    try {
      await until(
        async () => {
          if (child.exitCode !== null) throw new Error(`code-server exited with ${child.exitCode}`);
          return fetch(`http://127.0.0.1:${port}/healthz`).then(
            (r) => r.ok,
            () => false,
          );
        },
        60_000,
        'code-server /healthz',
        100,
      );
    } catch (err) {
      await server.stop();
      throw err;
    }
    return server;
  }

  /** The page that opens `target`: a folder, or a `.code-workspace` file. */
  url(target: string): string {
    const kind = target.endsWith('.code-workspace') ? 'workspace' : 'folder';
    return `http://127.0.0.1:${this.port}/?${kind}=${encodeURIComponent(target)}`;
  }

  /** TERM to the process group, KILL after 10 s, then waits until the group is gone. */
  async stop(): Promise<void> {
    const pid = this.child.pid;
    if (pid === undefined) return;
    if (this.child.exitCode === null && this.child.signalCode === null) {
      signal(-pid, 'SIGTERM');
      const exited = await Promise.race([this.exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 10_000))]);
      if (!exited) signal(-pid, 'SIGKILL');
      await this.exited;
    }
    // Stragglers of the group (exthost, pty host, file watcher) go with it.
    signal(-pid, 'SIGKILL');
    await until(() => !groupExists(pid), 10_000, `code-server's process group ${pid} to be gone`);
  }
}
