/**
 * `agent-exec mcp`: the agent tools over the Model Context Protocol on stdio, built on the
 * official SDK. The low-level `Server` is used because the tools are described by plain JSON
 * Schemas shared with the other agent surfaces (no zod schemas to keep in step). A tool's
 * result is its envelope as JSON text (plus hints when output was truncated); a failure is a
 * tool error (`isError`) whose text is the error envelope, so the model can read and react.
 */
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import {
  CallToolRequestSchema,
  ErrorCode,
  ListToolsRequestSchema,
  McpError,
  type CallToolResult,
} from '@modelcontextprotocol/sdk/types.js';
import { errorEnvelope } from '../core/envelope';
import type { LaunchContext } from '../core/ops/run';
import { ownerNamespace, SURFACE_OWNER } from '../agent/agentJob';
import { toJsonSchema } from '../agent/input';
import { AGENT_TOOLS } from '../agent/tools';

export const MCP_SERVER_NAME = 'agent-exec';
export const DEFAULT_OWNER = SURFACE_OWNER.mcp;

const INSTRUCTIONS =
  'Background jobs shared with the person (VS Code job panel, agent-exec CLI) and other agents. ' +
  'Start long commands (builds, tests, servers) with run, then poll with wait (bounded) and read logs with output; ' +
  'stop them with kill (dry_run: true previews what would die). ports tells who listens on a port (a job or another process) before you start a server. ' +
  'A dev server: run it with singleton (a key) and ready_port (or ready_http / ready_log); the call returns it ready, and later runs with that key get the same job back (reused: true) instead of a second copy. ' +
  'A command that may ask questions: run it with stdin_pipe: true; when an answer carries attention "needs_input", reply with send_input. ' +
  'attention "stalled" means no output and no CPU for a while (300 s by default for your jobs): look at output, then decide. ' +
  'rerun runs a finished job again as a new attempt; status and output take attempt to read an earlier one. ' +
  'Job ids are 32 hex characters; a unique prefix works too. All times are UTC, all sizes bytes.';

/**
 * `agent:<client name>` from the initialize handshake, reduced to what meta.owner accepts; a
 * name that would claim another surface's owner (`copilot`, `http`, …) becomes `agent:mcp:<name>`.
 */
export function ownerFromClient(name: string | undefined): string {
  const clean = (name ?? '').replace(/[^\x21-\x7e]+/g, '-').slice(0, 80);
  if (!clean) return DEFAULT_OWNER;
  const owner = `agent:${clean}`;
  const holder = ownerNamespace(owner);
  return holder === undefined || holder === 'mcp' ? owner : `${DEFAULT_OWNER}:${clean}`;
}

export interface McpDeps {
  root: string;
  launch: LaunchContext;
  version: string;
}

/** Builds the server (not yet connected). */
export function createMcpServer(deps: McpDeps): { server: Server; idle: () => Promise<void> } {
  const inflight = new Set<Promise<unknown>>();
  const server = new Server({ name: MCP_SERVER_NAME, version: deps.version }, { capabilities: { tools: {} }, instructions: INSTRUCTIONS });

  server.setRequestHandler(ListToolsRequestSchema, async () => ({
    tools: AGENT_TOOLS.map((t) => ({
      name: t.name,
      title: t.title,
      description: t.description,
      inputSchema: toJsonSchema(t.input) as { type: 'object' },
      annotations: { title: t.title, readOnlyHint: t.readOnly, destructiveHint: t.destructive, openWorldHint: false },
    })),
  }));

  server.setRequestHandler(CallToolRequestSchema, async (request, extra): Promise<CallToolResult> => {
    const tool = AGENT_TOOLS.find((t) => t.name === request.params.name);
    if (!tool) throw new McpError(ErrorCode.InvalidParams, `unknown tool: ${request.params.name}`);
    try {
      const owner = ownerFromClient(server.getClientVersion()?.name);
      const call = tool.invoke(request.params.arguments, { root: deps.root, launch: deps.launch, owner, signal: extra.signal });
      inflight.add(call);
      const result = await call.finally(() => inflight.delete(call));
      return {
        content: [
          { type: 'text', text: JSON.stringify(result.envelope) },
          ...result.notes.map((text) => ({ type: 'text' as const, text })),
        ],
      };
    } catch (err) {
      return { isError: true, content: [{ type: 'text', text: JSON.stringify(errorEnvelope(err)) }] };
    }
  });
  /** Resolves when no tool call is running (calls started meanwhile are waited for too). */
  const idle = async () => {
    while (inflight.size > 0) await Promise.allSettled([...inflight]);
  };
  return { server, idle };
}

/** Serves on stdin/stdout until the client closes the stream; resolves then. */
export async function serveMcpStdio(deps: McpDeps): Promise<void> {
  const { server, idle } = createMcpServer(deps);
  const closed = new Promise<void>((resolve) => {
    server.onclose = () => resolve();
  });
  // The SDK's stdio transport does not notice the end of stdin by itself. Calls already
  // received still get their answers (a job being launched is not left half-started); the
  // SDK writes an answer a few microtasks after the call resolves, hence the extra turn.
  process.stdin.once(
    'end',
    () =>
      void idle()
        .then(() => new Promise((r) => setImmediate(r)))
        .then(() => server.close()),
  );
  await server.connect(new StdioServerTransport());
  await closed;
}
