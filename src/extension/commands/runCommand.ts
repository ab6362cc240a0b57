/**
 * Run Command…: a command line (with history) run as a background job in a workspace folder.
 * Needs a trusted workspace (src/extension/trust.ts): running code is what Workspace Trust guards.
 */
import * as os from 'node:os';
import * as vscode from 'vscode';
import { okEnvelope } from '../../core/envelope';
import { JobError } from '../../core/errors';
import type { InlineResult } from '../../core/ops/run';
import { Command } from '../ids';
import { workspaceCwd } from '../agent/agentCommands';
import { agentOwner, agentRunReadiness } from '../agent/agentOutput';
import { registerCommand, type Services } from './command';
import { askForTrustedWorkspace } from '../trust';

const HISTORY_KEY = 'agentExec.runHistory';
const HISTORY_MAX = 30;

/** An input box that also offers the recent command lines (the typed text stays the first item). */
function askCommandLine(history: readonly string[]): Promise<string | undefined> {
  return new Promise((resolve) => {
    const qp = vscode.window.createQuickPick();
    qp.title = 'Run Command as a Background Job';
    qp.placeholder = 'Command line (shell syntax), e.g. npm run dev';
    const recent = history.map((label) => ({ label, description: 'recent' }));
    qp.items = recent;
    qp.onDidChangeValue((v) => {
      qp.items = v.trim() ? [{ label: v, description: 'run' }, ...recent.filter((h) => h.label !== v)] : recent;
    });
    let result: string | undefined;
    qp.onDidAccept(() => {
      result = (qp.selectedItems[0]?.label ?? qp.value).trim() || undefined;
      qp.hide();
    });
    qp.onDidHide(() => {
      qp.dispose();
      resolve(result);
    });
    qp.show();
  });
}

async function pickCwd(): Promise<string | undefined> {
  const folders = vscode.workspace.workspaceFolders ?? [];
  if (folders.length === 0) return os.homedir();
  if (folders.length === 1) return folders[0].uri.fsPath;
  const folder = await vscode.window.showWorkspaceFolderPick({ placeHolder: 'Working directory of the job' });
  return folder?.uri.fsPath;
}

function commandArg(v: unknown): string[] {
  if (typeof v === 'string' && v.trim()) return [v];
  if (Array.isArray(v) && v.length > 0 && v.every((a) => typeof a === 'string')) return v as string[];
  throw new JobError('invalid_request', 'expected "command": a command line string or an argv array');
}

export function registerRunCommand(svc: Services): vscode.Disposable {
  const state = svc.context.globalState;
  return registerCommand(svc, Command.run, {
    ui: async (): Promise<InlineResult | undefined> => {
      if (!(await askForTrustedWorkspace('Running a command'))) return undefined;
      const history = state.get<string[]>(HISTORY_KEY, []);
      const line = await askCommandLine(history);
      if (!line) return undefined;
      const cwd = await pickCwd();
      if (!cwd) return undefined;
      await state.update(HISTORY_KEY, [line, ...history.filter((h) => h !== line)].slice(0, HISTORY_MAX));
      const result = await svc.jobs().run({ command: [line], cwd });
      svc.log.info(`run ${result.job_id} in ${cwd}: ${line}`);
      return result;
    },
    api: async (args) => {
      const tags = Array.isArray(args.tags) ? args.tags.filter((t): t is string => typeof t === 'string') : [];
      const cwd = typeof args.cwd === 'string' ? args.cwd : workspaceCwd();
      const request = { command: commandArg(args.command), cwd, tags, owner: agentOwner(args.owner), readiness: agentRunReadiness(args) };
      return okEnvelope('run', await svc.jobs().run(request));
    },
  });
}
