/**
 * Test bed only: Copilot cannot run offline, so the e2e suite (test/e2e/lm.test.ts) calls the
 * tools the way Copilot does, through `vscode.lm.invokeTool`, and the agent commands through
 * `executeCommand`. Active only when the extension host's environment has
 * AGENT_EXEC_E2E_LM_DIR; nothing is contributed. The test writes a request `<dir>/<name>.json`:
 * `{"tool": "agentExec_run", "input": {…}}`, `{"tool": "*"}` (the registered tool names) or
 * `{"command": "agentExec.status", "args": …}`; the answer goes atomically to
 * `<dir>/<name>.result.json`: `{"ok": true, "texts": […]}` / `{"ok": true, "value": …}`, or
 * `{"ok": false, "name": "Canceled", "message": "…"}` when the call rejected.
 */
import { watch } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { writeJsonAtomic } from '../../core/store/atomicWrite';
import type { Services } from '../commands/command';

export const E2E_LM_DIR_ENV = 'AGENT_EXEC_E2E_LM_DIR';

const REQUEST = /^([\w-]+)\.json$/;

interface Request {
  tool?: string;
  input?: object;
  command?: string;
  args?: unknown;
}

async function answer(req: Request): Promise<object> {
  if (req.tool === '*') return { ok: true, tools: vscode.lm.tools.map((t) => t.name) };
  try {
    if (req.command) return { ok: true, value: await vscode.commands.executeCommand(req.command, req.args) };
    const result = await vscode.lm.invokeTool(req.tool ?? '', { input: req.input ?? {}, toolInvocationToken: undefined });
    return { ok: true, texts: result.content.map((p) => (p instanceof vscode.LanguageModelTextPart ? p.value : '<non-text part>')) };
  } catch (err) {
    const e = err as Error;
    return { ok: false, name: e?.name, message: e?.message };
  }
}

export function registerE2eProbe(svc: Services): vscode.Disposable[] {
  const dir = process.env[E2E_LM_DIR_ENV];
  if (!dir) return [];
  const seen = new Set<string>();
  const handle = async (file: string) => {
    const name = REQUEST.exec(file)?.[1];
    if (!name || seen.has(name)) return;
    const text = await readFile(path.join(dir, file), 'utf8').catch(() => undefined);
    if (text === undefined || seen.has(name)) return;
    seen.add(name);
    const result = await answer(JSON.parse(text) as Request).catch((err: unknown) => ({
      ok: false,
      name: 'ProbeError',
      message: String(err),
    }));
    svc.log.info(`e2e probe ${name}: ${JSON.stringify(result).slice(0, 500)}`);
    await writeJsonAtomic(path.join(dir, `${name}.result.json`), result);
  };
  // Requests are renamed into place by the test; those written before activation are read now.
  const watcher = watch(dir, (_event, file) => void (typeof file === 'string' && handle(file)));
  void readdir(dir).then((files) => files.forEach((f) => void handle(f)));
  svc.log.info(`e2e probe watching ${dir}`);
  return [new vscode.Disposable(() => watcher.close())];
}
