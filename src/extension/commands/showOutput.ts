/** Show Job Output: the job's combined log in a read-only editor that follows its growth. */
import * as vscode from 'vscode';
import { okEnvelope } from '../../core/envelope';
import { tailJob } from '../../core/ops/tail';
import { Command } from '../ids';
import type { JobSnapshot } from '../jobs/jobService';
import { commandLine } from '../../shared/commandLine';
import { logUri } from '../views/logDocument';
import { registerCommand, stringArg, type Services } from './command';
import { pickOneJob } from './pickers';

export async function showOutput(job: JobSnapshot): Promise<void> {
  const doc = await vscode.workspace.openTextDocument(logUri(job.id, commandLine(job.meta.command)));
  if (doc.languageId !== 'log') await vscode.languages.setTextDocumentLanguage(doc, 'log');
  const editor = await vscode.window.showTextDocument(doc, { preview: true });
  const end = doc.lineAt(Math.max(0, doc.lineCount - 1)).range.end;
  editor.revealRange(new vscode.Range(end, end));
  editor.selection = new vscode.Selection(end, end);
}

export function registerShowOutput(svc: Services): vscode.Disposable {
  return registerCommand(svc, Command.showOutput, {
    ui: async (nodes) => {
      const job = await pickOneJob(svc.jobs(), nodes, 'Job whose output to show');
      if (job) await showOutput(job);
    },
    api: async (args) =>
      okEnvelope(
        'tail',
        await tailJob(svc.jobs().root, stringArg(args, 'jobId'), {
          ...(typeof args.tailLines === 'number' ? { tailLines: args.tailLines } : {}),
          ...(typeof args.maxBytes === 'number' ? { maxBytes: args.maxBytes } : {}),
        }),
      ),
  });
}
