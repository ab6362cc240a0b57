import * as os from 'node:os';
import * as path from 'node:path';

/**
 * Job root resolution (agent-exec-compat.md §1.1): `--root`, then `AGENT_EXEC_ROOT`, then
 * `$XDG_DATA_HOME/agent-exec/jobs`, then the platform default. Used verbatim (not made absolute).
 */
export function resolveRoot(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (flag !== undefined) return flag;
  if (env.AGENT_EXEC_ROOT) return env.AGENT_EXEC_ROOT;
  if (env.XDG_DATA_HOME) return path.join(env.XDG_DATA_HOME, 'agent-exec', 'jobs');
  if (process.platform === 'win32') {
    const local = env.LOCALAPPDATA ?? path.join(os.homedir(), 'AppData', 'Local');
    return path.join(local, 'agent-exec', 'jobs');
  }
  const home = env.HOME || os.homedir();
  return home ? path.join(home, '.local', 'share', 'agent-exec', 'jobs') : '~/.local/share/agent-exec/jobs';
}
