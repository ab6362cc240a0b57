/**
 * Where `npm start` keeps its demo VS Code (settings, installed extension, demo workspace):
 * outside the repository and outside any git repository, so VS Code's git extension does not
 * offer to open the parent repository every time the demo workspace opens.
 */
import { existsSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

function insideGitRepository(dir: string): boolean {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    if (existsSync(path.join(d, '.git'))) return true;
    if (path.dirname(d) === d) return false;
  }
}

/** `$XDG_STATE_HOME/agent-exec-vscode/demo` (default `~/.local/state/…`), else a per-user temp dir. */
export function demoDir(env: NodeJS.ProcessEnv = process.env): string {
  const state = env.XDG_STATE_HOME || path.join(env.HOME || os.homedir(), '.local', 'state');
  const preferred = path.join(state, 'agent-exec-vscode', 'demo');
  return insideGitRepository(preferred) ? path.join(os.tmpdir(), `agent-exec-vscode-demo-${os.userInfo().uid}`) : preferred;
}
