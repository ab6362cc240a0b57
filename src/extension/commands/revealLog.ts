/** Reveal Log File: opens the job's full.log file itself (its path is in the tab; the whole file, not a tail). */
import * as vscode from 'vscode';
import { jobPaths } from '../../core/store/jobDir';
import { Command } from '../ids';
import { registerCommand, type Services } from './command';
import { pickOneJob } from './pickers';

export function registerRevealLog(svc: Services): vscode.Disposable {
  return registerCommand(svc, Command.revealLog, {
    ui: async (nodes) => {
      const job = await pickOneJob(svc.jobs(), nodes, 'Job whose log file to reveal');
      if (!job) return;
      const uri = vscode.Uri.file(jobPaths(svc.jobs().root, job.id).full);
      await vscode.window.showTextDocument(uri, { preview: true });
    },
  });
}
