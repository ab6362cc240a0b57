/**
 * How other programs start the MCP server shipped in this extension (`agent-exec mcp`, i.e.
 * dist/cli.js of the installed extension), without `vscode`. The runtime is the editor's own
 * (`process.execPath` of the extension host: VS Code's Electron binary, or code-server's Node)
 * with ELECTRON_RUN_AS_NODE=1, which makes Electron behave as Node and which Node ignores, so no
 * separate Node install is needed. AGENT_EXEC_ROOT is the job root the panel shows, so jobs the
 * agent starts appear there.
 */
import * as path from 'node:path';

/** The key of the entry in a client's `mcpServers` object. */
export const MCP_SERVER_NAME = 'agent-exec';

export interface McpServerLaunch {
  command: string;
  args: string[];
  env: Record<string, string>;
}

export function mcpServerLaunch(extensionPath: string, runtime: string, root: string): McpServerLaunch {
  return {
    command: runtime,
    args: [path.join(extensionPath, 'dist', 'cli.js'), 'mcp'],
    env: { ELECTRON_RUN_AS_NODE: '1', AGENT_EXEC_ROOT: root },
  };
}

/** The `.mcp.json` / Cursor `mcp.json` content that adds the server (Claude Code, Cursor, and others reading `mcpServers`). */
export function mcpServersConfig(launch: McpServerLaunch): { mcpServers: Record<string, McpServerLaunch> } {
  return { mcpServers: { [MCP_SERVER_NAME]: launch } };
}
