/**
 * The packaged extension (issue 10 item 9): the VSIX that `vsce package` builds from this tree,
 * unpacked outside the repository (so no node_modules can help), runs every documented entry
 * point of dist/: `cli.js run` (which needs supervisor.js) and `cli.js mcp` (which needs mcp.js),
 * the latter started exactly as "Copy MCP Server Configuration" tells other clients to, and
 * driven by the MCP SDK's stdio client.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { readProcStat } from '../../src/core/process/proc';
import { mcpServerLaunch } from '../../src/extension/mcp/mcpLaunch';
import { unzip } from '../helpers/zip';
import { scratch, until } from './runHelpers';

const VSCE = path.resolve('node_modules/@vscode/vsce/vsce');

test(
  'the VSIX ships what cli.js run and cli.js mcp need, and the copied MCP configuration starts the server',
  { timeout: 120_000 },
  async (t) => {
    const s = scratch(t);
    const vsix = path.join(s.tmp, 'agent-exec.vsix');
    const packed = spawnSync(process.execPath, [VSCE, 'package', '--no-dependencies', '--out', vsix], {
      encoding: 'utf8',
      timeout: 90_000,
    });
    assert.equal(packed.status, 0, `vsce package failed:\n${packed.stdout}\n${packed.stderr}`);
    const unpacked = path.join(s.tmp, 'unpacked');
    const files = unzip(vsix, unpacked);
    const extension = path.join(unpacked, 'extension');
    assert.ok(files.includes('extension/dist/mcp.js'), `dist/mcp.js is not in the VSIX: ${files.join(', ')}`);

    const launch = mcpServerLaunch(extension, process.execPath, s.root);
    const cliEnv = { ...(process.env as Record<string, string>), XDG_DATA_HOME: '', ...(s.env as Record<string, string>), ...launch.env };
    const cli = (...args: string[]) => {
      const r = spawnSync(launch.command, ['--', launch.args[0], ...args], { cwd: s.cwd, env: cliEnv, encoding: 'utf8', timeout: 30_000 });
      assert.equal(r.status, 0, `cli.js ${args.join(' ')}: ${r.stdout}${r.stderr}`);
      return JSON.parse(r.stdout);
    };
    const run = cli('run', '--', 'sh', '-c', 'echo from-the-vsix');
    const waited = cli('wait', run.job_id);
    assert.equal(waited.state, 'exited');
    assert.equal(waited.exit_code, 0);

    const transport = new StdioClientTransport({ command: launch.command, args: launch.args, cwd: s.cwd, env: cliEnv, stderr: 'pipe' });
    const client = new Client({ name: 'vsix-test', version: '1.0.0' });
    await client.connect(transport);
    const pid = transport.pid!;
    try {
      const { tools } = await client.listTools();
      assert.deepEqual(tools.map((tool) => tool.name).sort(), [
        'kill',
        'list',
        'output',
        'ports',
        'rerun',
        'run',
        'send_input',
        'status',
        'wait',
      ]);
      // The server works on the root the configuration names: it lists the job run above.
      const listed = await client.callTool({ name: 'list', arguments: {} });
      assert.match((listed.content as { text: string }[])[0].text, new RegExp(run.job_id));
    } finally {
      await client.close();
      await until(
        'the MCP server exits when its client closes',
        () => readProcStat(pid) === undefined || readProcStat(pid)?.state === 'Z',
        5_000,
      ).catch((err) => {
        process.kill(pid, 'SIGKILL');
        throw err;
      });
    }
  },
);
