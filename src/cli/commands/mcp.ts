import * as path from 'node:path';
import type { CliCommand } from '../command';
import { CLI_VERSION } from '../version';
import { cliLaunchContext } from './run';

/**
 * `mcp`: a Model Context Protocol server on stdin/stdout (tools run, status, output, wait,
 * kill, list) over the job store. stdout carries only the protocol; logs go to stderr.
 */
export const mcpCommand: CliCommand = {
  spec: {
    name: 'mcp',
    about: 'Serve the job tools over MCP on stdio (for Claude Code, Cursor, Codex, …)',
    flags: [],
    positionals: [],
  },
  run: async (_args, ctx) => {
    // The SDK (~650 KB with zod and ajv) is its own bundle, dist/mcp.js, so that no other
    // command compiles it at start-up.
    // eslint-disable-next-line @typescript-eslint/no-require-imports, @typescript-eslint/consistent-type-imports -- a run-time load of the separate bundle, typed by its source
    const { serveMcpStdio } = require(path.join(__dirname, 'mcp.js')) as typeof import('../../mcp/server');
    const stop = () => process.exit(0);
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    await serveMcpStdio({ root: ctx.root, launch: cliLaunchContext(ctx), version: CLI_VERSION });
    // The client closed the stream: no envelope after a session (stdout is the protocol's).
    process.exit(0);
  },
};
