/**
 * Test bed only: Copilot cannot run offline, so the e2e suite calls the tools the way Copilot
 * does, through `vscode.lm.invokeTool`. Registered only when the extension host's environment
 * has AGENT_EXEC_E2E_LM_DIR (set by test/e2e/lm.test.ts); never contributed, so a test
 * keybinding (`args`: the request file's name) triggers it. The request `<dir>/<name>.json` is
 * `{"tool": "agentExec_run", "input": {…}}` or `{"tool": "*"}` (list the registered tools);
 * the answer is written atomically to `<dir>/<name>.result.json`:
 * `{"ok": true, "texts": [...]}` or `{"ok": false, "name": "Canceled", "message": "…"}`.
 */
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { writeJsonAtomic } from '../../core/store/atomicWrite';
import type { Services } from '../commands/command';

export const E2E_LM_DIR_ENV = 'AGENT_EXEC_E2E_LM_DIR';
export const E2E_PROBE_COMMAND = 'agentExec.e2e.invokeTool';

async function answer(dir: string, name: string): Promise<object> {
  const req = JSON.parse(await readFile(path.join(dir, `${name}.json`), 'utf8')) as { tool: string; input?: object };
  if (req.tool === '*') return { ok: true, tools: vscode.lm.tools.map((t) => t.name) };
  try {
    const result = await vscode.lm.invokeTool(req.tool, { input: req.input ?? {}, toolInvocationToken: undefined });
    return { ok: true, texts: result.content.map((p) => (p instanceof vscode.LanguageModelTextPart ? p.value : `<${typeof p}>`)) };
  } catch (err) {
    const e = err as Error;
    return { ok: false, name: e?.name, message: e?.message };
  }
}

export function registerE2eProbe(svc: Services): vscode.Disposable[] {
  const dir = process.env[E2E_LM_DIR_ENV];
  if (!dir) return [];
  return [
    vscode.commands.registerCommand(E2E_PROBE_COMMAND, async (name: unknown) => {
      if (typeof name !== 'string' || !/^[\w-]+$/.test(name)) return;
      const result = await answer(dir, name).catch((err: unknown) => ({ ok: false, name: 'ProbeError', message: String(err) }));
      svc.log.info(`e2e probe ${name}: ${JSON.stringify(result).slice(0, 500)}`);
      await writeJsonAtomic(path.join(dir, `${name}.result.json`), result);
    }),
  ];
}
