/**
 * The Copilot language-model tools as VS Code sees them: one per host-neutral agent tool
 * (src/agent/tools.ts), so Copilot and MCP clients get the same names, schemas and results.
 * Pure (no `vscode`): package.json `contributes.languageModelTools` must equal
 * `languageModelToolContributions()` (test/unit/extension/lm/toolCatalog.test.ts), and the result shaping is
 * tested without an editor.
 */
import { SURFACE_OWNER } from '../../agent/agentJob';
import { toJsonSchema } from '../../agent/input';
import { AGENT_TOOLS, type AgentTool, type ToolResult } from '../../agent/tools';

/** `meta.owner` of the jobs Copilot starts; the tree and panel show it. */
export const COPILOT_OWNER = SURFACE_OWNER.copilot;

/** VS Code reserves `copilot_` and `vscode_`; ours share the extension's prefix. */
export const lmToolName = (tool: AgentTool): string => `agentExec_${tool.name}`;

interface Presentation {
  displayName: string;
  /** `#runJob` in a chat prompt. */
  toolReferenceName: string;
  /** A codicon. */
  icon: string;
}

const PRESENTATION: Readonly<Record<string, Presentation>> = {
  run: { displayName: 'Run Background Job', toolReferenceName: 'runJob', icon: '$(play)' },
  status: { displayName: 'Job Status', toolReferenceName: 'jobStatus', icon: '$(info)' },
  output: { displayName: 'Job Output', toolReferenceName: 'jobOutput', icon: '$(output)' },
  wait: { displayName: 'Wait for Job', toolReferenceName: 'waitForJob', icon: '$(watch)' },
  kill: { displayName: 'Kill Job', toolReferenceName: 'killJob', icon: '$(debug-stop)' },
  send_input: { displayName: 'Send Input to Job', toolReferenceName: 'sendJobInput', icon: '$(keyboard)' },
  rerun: { displayName: 'Rerun Job', toolReferenceName: 'rerunJob', icon: '$(debug-restart)' },
  list: { displayName: 'List Jobs', toolReferenceName: 'listJobs', icon: '$(list-unordered)' },
  ports: { displayName: 'Job Ports', toolReferenceName: 'jobPorts', icon: '$(plug)' },
};

export interface LmTool {
  readonly name: string;
  readonly tool: AgentTool;
}

export const LM_TOOLS: readonly LmTool[] = AGENT_TOOLS.map((tool) => ({ name: lmToolName(tool), tool }));

/** What package.json declares for each tool (same order as AGENT_TOOLS). */
export function languageModelToolContributions(): object[] {
  return LM_TOOLS.map(({ name, tool }) => {
    const p = PRESENTATION[tool.name];
    if (!p) throw new Error(`no presentation for agent tool ${tool.name}`);
    return {
      name,
      displayName: p.displayName,
      toolReferenceName: p.toolReferenceName,
      canBeReferencedInPrompt: true,
      icon: p.icon,
      userDescription: tool.title,
      modelDescription: tool.description,
      inputSchema: toJsonSchema(tool.input),
    };
  });
}

/**
 * The text parts of a tool result: the envelope as compact JSON (the CLI's object), then the
 * hints (e.g. which byte range of a long log was left out and where the full log is).
 * The tools bound their own sizes (src/agent/tools.ts TOOL_MAX_BYTES), so nothing is cut here.
 */
export const resultTexts = (result: ToolResult): string[] => [JSON.stringify(result.envelope), ...result.notes];
