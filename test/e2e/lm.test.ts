/**
 * Issue 6 in a real VS Code (code-server) with the packaged extension: the Copilot tools called
 * the way Copilot calls them (`vscode.lm.invokeTool`, through the test-only probe in
 * src/extension/lm/e2eProbe.ts), their confirmation dialogs (Yes runs, Cancel does not), a job
 * started by the tool in the Jobs tree with owner agent:copilot, and an agent command with a
 * `writeTo` file; the MCP server: "Copy MCP Server Configuration" copies an entry that starts the
 * installed extension's server, and VS Code's own MCP support lists it. Copilot itself (a
 * language model) is not available offline.
 */
import { after, before, describe } from 'node:test';
import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Locator } from 'playwright-core';
import { runCli } from '../helpers/cli';
import { screenshotStep, Session } from './harness/session';
import { cliRun, readJobState, TRAPS_INT } from './harness/jobs';
import { isLive, until } from './harness/processes';
import { JobsView, Workbench } from './pages/workbench';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

const T = 20_000;
/** src/extension/lm/e2eProbe.ts E2E_LM_DIR_ENV (that module imports `vscode`, so it cannot be imported here). */
const E2E_LM_DIR_ENV = 'AGENT_EXEC_E2E_LM_DIR';

interface ProbeResult {
  ok: boolean;
  texts?: string[];
  tools?: string[];
  value?: unknown;
  name?: string;
  message?: string;
}

/** Hands a request to the extension's e2e probe (src/extension/lm/e2eProbe.ts); resolves with its answer. */
function send(dir: string, name: string, body: object): () => Promise<ProbeResult> {
  const tmp = path.join(dir, `.${name}.tmp`);
  writeFileSync(tmp, JSON.stringify(body));
  renameSync(tmp, path.join(dir, `${name}.json`));
  const file = path.join(dir, `${name}.result.json`);
  return async () => {
    await until(() => existsSync(file), 60_000, `the probe's answer to ${JSON.stringify(body)}`);
    return JSON.parse(readFileSync(file, 'utf8')) as ProbeResult;
  };
}

describe('Copilot tools in VS Code', { timeout: 300_000 }, () => {
  const probeDir = mkdtempSync(path.join(os.tmpdir(), 'agent-exec-e2e-lm-'));
  let s: Session;
  let view: JobsView;
  let seq = 0;
  let agentJob = '';
  let humanJob = '';

  before(async () => {
    // The extension host inherits code-server's environment, which Session copies from ours.
    process.env[E2E_LM_DIR_ENV] = probeDir;
    s = await Session.start({ name: 'lm-tools' });
    delete process.env[E2E_LM_DIR_ENV];
    view = new JobsView(s.page);
    await view.open(); // activates the extension (and with it the probe)
  });

  after(async () => {
    for (const id of [agentJob, humanJob].filter(Boolean)) {
      await runCli(['kill', '--signal', 'KILL', id], { env: { ...s.env, AGENT_EXEC_ROOT: s.jobRoot } }).catch(() => undefined);
    }
    await s?.stop();
    rmSync(probeDir, { recursive: true, force: true });
  });

  /** Hands a request to the probe; returns a function that waits for its answer (a dialog may come first). */
  const request = (body: object) => send(probeDir, `r${++seq}`, body);

  const envelopeOf = (r: ProbeResult): Record<string, unknown> => {
    assert.ok(r.ok && r.texts && r.texts.length > 0, JSON.stringify(r));
    return JSON.parse(r.texts![0]) as Record<string, unknown>;
  };

  const dialog = (): Locator => s.page.locator('.monaco-dialog-box');

  async function answerDialog(button: 'Yes' | 'Cancel', shot: string, expect: RegExp[]): Promise<string> {
    await dialog().waitFor({ timeout: T });
    const text = await dialog().innerText();
    for (const re of expect) assert.match(text, re);
    await s.screenshot(shot);
    await dialog().getByRole('button', { name: button, exact: true }).click();
    await dialog().waitFor({ state: 'hidden', timeout: T });
    return text;
  }

  const step = screenshotStep(() => s);

  step('registers the nine agentExec_ tools', async () => {
    const r = await request({ tool: '*' })();
    const ours = (r.tools ?? []).filter((n) => n.startsWith('agentExec_')).sort();
    assert.deepEqual(ours, [
      'agentExec_kill',
      'agentExec_list',
      'agentExec_output',
      'agentExec_ports',
      'agentExec_rerun',
      'agentExec_run',
      'agentExec_send_input',
      'agentExec_status',
      'agentExec_wait',
    ]);
  });

  step('agentExec_run asks first, then starts a job owned by agent:copilot that appears in the Jobs tree', async () => {
    const pending = request({ tool: 'agentExec_run', input: { command: [`echo lm-hello; ${TRAPS_INT}`], wait_seconds: 5 } });
    await answerDialog('Yes', 'run-confirmation', [/Run a background job\?/, /echo lm-hello/, /agent:copilot/]);
    const env = envelopeOf(await pending());
    assert.equal(env.ok, true);
    assert.equal(env.type, 'run');
    assert.equal(env.state, 'running');
    assert.match(String(env.stdout), /lm-hello/);
    agentJob = String(env.job_id);
    const meta = JSON.parse(readFileSync(path.join(s.jobRoot, agentJob, 'meta.json'), 'utf8'));
    assert.equal(meta.owner, 'agent:copilot');
    await view.row(agentJob).waitFor({ timeout: T });
    await view.waitForDescription(agentJob, 'running');
    await s.screenshot('agent-job-in-tree');
  });

  step('read-only tools answer without a dialog: status, output, a bounded wait', async () => {
    const status = envelopeOf(await request({ tool: 'agentExec_status', input: { job_id: agentJob } })());
    assert.equal(status.state, 'running');
    const output = envelopeOf(await request({ tool: 'agentExec_output', input: { job_id: agentJob.slice(0, 8) } })());
    assert.equal(output.type, 'tail');
    assert.match(String(output.stdout), /lm-hello/);
    const cut = await request({ tool: 'agentExec_output', input: { job_id: agentJob, tail_lines: 0, max_bytes: 4 } })();
    assert.equal(envelopeOf(cut).stdout, 'ady\n');
    assert.match(cut.texts![1], new RegExp(`^stdout shows bytes \\[\\d+, \\d+\\) of \\d+; .* from .*${agentJob}/stdout\\.log$`));
    const t0 = Date.now();
    const wait = envelopeOf(await request({ tool: 'agentExec_wait', input: { job_id: agentJob, timeout_seconds: 1 } })());
    assert.equal(wait.state, 'running', 'the deadline passed: the current state is returned');
    assert.ok(Date.now() - t0 < 15_000);
    assert.equal(await dialog().count(), 0);
  });

  step('agentExec_kill dry_run asks nothing, signals nothing, and answers the preview', async () => {
    const preview = envelopeOf(await request({ tool: 'agentExec_kill', input: { job_id: agentJob, dry_run: true } })());
    assert.deepEqual([preview.type, preview.job_id, preview.owner], ['kill_preview', agentJob, 'agent:copilot']);
    assert.ok(
      (preview.targets as { pid: number }[]).some((t) => t.pid === readJobState(s, agentJob).pid),
      JSON.stringify(preview),
    );
    assert.equal(await dialog().count(), 0);
    assert.equal(readJobState(s, agentJob).job.status, 'running');
  });

  step('agentExec_kill: Cancel in the confirmation leaves the job running', async () => {
    const pending = request({ tool: 'agentExec_kill', input: { job_id: agentJob, signal: 'INT' } });
    await answerDialog('Cancel', 'kill-confirmation-cancel', [
      new RegExp(`Kill job ${agentJob.slice(0, 8)}`),
      /send INT/,
      /Processes that will be signalled/,
      /\[workload, up [^\]]+\]/,
      /Running for: /,
    ]);
    const r = await pending();
    assert.equal(r.ok, false);
    assert.equal(r.name, 'Canceled');
    assert.equal(readJobState(s, agentJob).job.status, 'running');
  });

  step('agentExec_kill: Yes kills the job, and the tree shows it', async () => {
    const pending = request({ tool: 'agentExec_kill', input: { job_id: agentJob, signal: 'INT' } });
    await answerDialog('Yes', 'kill-confirmation-yes', [/Owner: agent:copilot \(started by Copilot\)/]);
    const env = envelopeOf(await pending());
    assert.equal(env.type, 'kill');
    assert.ok(['exited', 'killed'].includes(String(env.state)), JSON.stringify(env));
    await until(() => readJobState(s, agentJob).job.status !== 'running', T, 'the job to end');
    await view
      .row(agentJob)
      .locator('.label-description', { hasText: /exited|killed/ })
      .waitFor({ timeout: T });
    await s.screenshot('agent-job-killed');
  });

  step('a kill of an unknown job asks nothing and answers with the error envelope', async () => {
    const env = envelopeOf(await request({ tool: 'agentExec_kill', input: { job_id: 'ffffffffffff' } })());
    assert.equal(env.ok, false);
    assert.equal((env.error as { code: string }).code, 'job_not_found');
    assert.equal(await dialog().count(), 0);
  });

  step("a person's job: refused without force (no dialog); with force the confirmation says Copilot did not start it", async () => {
    humanJob = await cliRun(s, TRAPS_INT);
    await view.row(humanJob).waitFor({ timeout: T });
    const refused = envelopeOf(await request({ tool: 'agentExec_kill', input: { job_id: humanJob } })());
    assert.equal((refused.error as { code: string }).code, 'not_owner');
    assert.equal(await dialog().count(), 0);
    const pending = request({ tool: 'agentExec_kill', input: { job_id: humanJob, force: true } });
    await answerDialog('Cancel', 'kill-foreign-job', [/did not start/, /not started by Copilot/]);
    assert.equal((await pending()).name, 'Canceled');
    assert.equal(readJobState(s, humanJob).job.status, 'running');
  });

  step('agent commands return the CLI JSON without prompts and write it to writeTo', async () => {
    const file = path.join(probeDir, 'status-out.json');
    const r = await request({ command: 'agentExec.status', args: { jobId: humanJob, writeTo: file } })();
    const value = r.value as Record<string, unknown>;
    assert.equal(value.type, 'status');
    assert.equal(value.state, 'running');
    assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), value);
    const list = (await request({ command: 'agentExec.list', args: { limit: 5 } })()).value as { jobs: { job_id: string }[] };
    assert.ok(list.jobs.some((j) => j.job_id === humanJob));
    const missing = (await request({ command: 'agentExec.status', args: 'ffffffff' })()).value as { ok: boolean; error: { code: string } };
    assert.equal(missing.ok, false);
    assert.equal(missing.error.code, 'job_not_found');
    const ran = (await request({ command: 'agentExec.run', args: { command: 'echo from-command', owner: 'my-agent' } })()).value as {
      job_id: string;
    };
    const meta = JSON.parse(readFileSync(path.join(s.jobRoot, ran.job_id, 'meta.json'), 'utf8'));
    assert.equal(meta.owner, 'agent:my-agent');
    const waited = (await request({ command: 'agentExec.wait', args: { jobId: ran.job_id, timeoutSeconds: 20 } })()).value as {
      state: string;
    };
    assert.equal(waited.state, 'exited');
    const tail = (await request({ command: 'agentExec.tail', args: { jobId: ran.job_id, tailLines: 5 } })()).value as {
      type: string;
      stdout: string;
    };
    assert.equal(tail.type, 'tail');
    assert.equal(tail.stdout, 'from-command\n');
    const killed = (await request({ command: 'agentExec.kill', args: { jobId: humanJob, signal: 'INT' } })()).value as { type: string };
    assert.equal(killed.type, 'kill');
    assert.equal(await dialog().count(), 0);
  });

  step('Copy MCP Server Configuration copies an mcpServers entry that starts the installed server', async () => {
    const wb = new Workbench(s.page);
    await wb.runCommand('Agent Exec: Copy MCP Server Configuration');
    await s.page.locator('.notifications-toasts', { hasText: /copied an "mcpServers" entry/ }).waitFor({ timeout: T });
    // The test bundle has no DOM lib: just the shape this read touches.
    type ClipboardPage = { navigator: { clipboard: { readText(): Promise<string> } } };
    const text = await s.page.evaluate(() => (globalThis as unknown as ClipboardPage).navigator.clipboard.readText());
    const entry = (JSON.parse(text) as { mcpServers: Record<string, { command: string; args: string[]; env: Record<string, string> }> })
      .mcpServers['agent-exec'];
    assert.ok(entry, text);
    assert.deepEqual(entry.env, { ELECTRON_RUN_AS_NODE: '1', AGENT_EXEC_ROOT: s.jobRoot });
    assert.ok(entry.args[0].startsWith(path.join(s.tmp, 'extensions')), `not the installed extension: ${entry.args[0]}`);
    assert.equal(entry.args[1], 'mcp');
    // Started the way Claude Code or Cursor would start it, from outside VS Code.
    const transport = new StdioClientTransport({
      command: entry.command,
      args: entry.args,
      env: { ...(process.env as Record<string, string>), ...entry.env },
      stderr: 'pipe',
    });
    const client = new Client({ name: 'e2e-mcp-client', version: '1.0.0' });
    await client.connect(transport);
    const pid = transport.pid!;
    try {
      const { tools } = await client.listTools();
      assert.ok(
        tools.some((tool) => tool.name === 'run'),
        JSON.stringify(tools.map((tool) => tool.name)),
      );
    } finally {
      await client.close();
      await until(() => !isLive(pid), 5_000, 'the MCP server to exit when its client closed');
    }
  });

  step('VS Code lists the server: "MCP: List Servers" shows Agent Exec', async () => {
    const wb = new Workbench(s.page);
    await wb.runCommand('MCP: List Servers');
    await wb.quickItem('Agent Exec').waitFor({ timeout: T });
    await s.screenshot('mcp-list-servers');
    await s.page.keyboard.press('Escape');
    await wb.quickInputHidden();
  });
});
