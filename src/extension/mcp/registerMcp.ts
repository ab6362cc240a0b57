/**
 * The MCP server where users are: "Copy MCP Server Configuration" puts a ready `mcpServers`
 * entry on the clipboard (the installed extension's own path and runtime, see mcpLaunch.ts), and
 * where the running VS Code offers it, the server is registered with VS Code's own MCP support
 * (`vscode.lm.registerMcpServerDefinitionProvider`: a proposed API in 1.100 declared under
 * `modelContextServerCollections`, final in 1.101 under `mcpServerDefinitionProviders`). It is
 * feature-detected, because a VS Code without it (or one that refuses the proposal) must still
 * activate the extension.
 */
import * as vscode from 'vscode';
import { registerCommand, type Services } from '../commands/command';
import { onDidChangeConfig } from '../config';
import { Command, MCP_PROVIDER_ID } from '../ids';
import { mcpServerLaunch, mcpServersConfig, type McpServerLaunch } from './mcpLaunch';

/** The API of VS Code 1.101 (proposed in 1.100), absent from @types/vscode 1.100. */
interface McpApi {
  lm: {
    registerMcpServerDefinitionProvider(
      id: string,
      provider: { onDidChangeMcpServerDefinitions?: vscode.Event<void>; provideMcpServerDefinitions(): unknown[] },
    ): vscode.Disposable;
  };
  McpStdioServerDefinition: new (label: string, command: string, args: string[], env: Record<string, string>) => unknown;
}

function mcpApi(): McpApi | undefined {
  const api = vscode as unknown as Partial<McpApi>;
  if (typeof api.lm?.registerMcpServerDefinitionProvider !== 'function' || typeof api.McpStdioServerDefinition !== 'function')
    return undefined;
  return api as McpApi;
}

function registerWithVscode(launch: () => McpServerLaunch, log: Services['log']): vscode.Disposable | undefined {
  const api = mcpApi();
  if (!api) {
    log.info('this VS Code has no MCP server API: use "Copy MCP Server Configuration" for other clients');
    return undefined;
  }
  try {
    return api.lm.registerMcpServerDefinitionProvider(MCP_PROVIDER_ID, {
      // The job root is a setting: the definition follows it.
      onDidChangeMcpServerDefinitions: (listener) => onDidChangeConfig(() => listener()),
      provideMcpServerDefinitions: () => {
        const l = launch();
        return [new api.McpStdioServerDefinition('Agent Exec', l.command, l.args, l.env)];
      },
    });
  } catch (err) {
    // A stable VS Code that lists the API but does not allow the proposal to this extension.
    log.info(`MCP server registration with VS Code is not available: ${String(err)}`);
    return undefined;
  }
}

export function registerMcp(svc: Services): vscode.Disposable {
  const launch = () => mcpServerLaunch(svc.context.extensionPath, process.execPath, svc.jobs().root);
  const copy = registerCommand(svc, Command.copyMcpConfig, {
    ui: async () => {
      await vscode.env.clipboard.writeText(JSON.stringify(mcpServersConfig(launch()), null, 2));
      void vscode.window.showInformationMessage(
        `Agent Exec: copied an "mcpServers" entry for Claude Code (.mcp.json), Cursor (mcp.json) and other MCP clients. It points at this installation: copy it again after the extension updates.`,
      );
    },
  });
  const registration = registerWithVscode(launch, svc.log);
  return registration ? vscode.Disposable.from(copy, registration) : copy;
}
