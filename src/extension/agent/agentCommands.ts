/**
 * `agentExec.status`, `agentExec.list`, `agentExec.tail` and `agentExec.wait`: commands for
 * agents and scripts (`vscode.commands.executeCommand(id, args)`), returning the CLI's JSON.
 * They have no UI form (the Jobs view and the panel are the person's status, list and tail), so
 * they are registered but not contributed to the palette. Each is the agent tool of the same
 * job (src/agent/tools.ts) with the commands' camelCase argument names: one validation, one
 * bounded implementation for Copilot, MCP and commands. Argument shapes: README "Commands for agents".
 */
import * as os from 'node:os';
import * as vscode from 'vscode';
import { AGENT_TOOLS, type AgentTool } from '../../agent/tools';
import type { Services } from '../commands/command';
import { COPILOT_OWNER } from '../lm/toolCatalog';
import { AGENT_COMMANDS, agentResult, snakeCaseKeys, toolArgs } from './agentOutput';

export const workspaceCwd = (): string => vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? os.homedir();

function toolNamed(name: string): AgentTool {
  const tool = AGENT_TOOLS.find((t) => t.name === name);
  if (!tool) throw new Error(`no agent tool ${name}`);
  return tool;
}

export function registerAgentCommands(svc: Services): vscode.Disposable {
  return vscode.Disposable.from(
    ...Object.entries(AGENT_COMMANDS).map(([id, toolName]) => {
      const tool = toolNamed(toolName);
      return vscode.commands.registerCommand(id, (arg?: unknown) =>
        agentResult(
          toolArgs(arg),
          async (args) => {
            const jobs = svc.jobs();
            // None of these tools starts a job; the owner is only a required field of the context.
            const ctx = { root: jobs.root, launch: jobs.launchContext(workspaceCwd()), owner: COPILOT_OWNER };
            return (await tool.invoke(snakeCaseKeys(args), ctx)).envelope;
          },
          (m) => svc.log.warn(`${id} ${JSON.stringify(arg)}: ${m}`),
        ),
      );
    }),
  );
}
