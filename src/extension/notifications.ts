/** A notification when a job started from this window finishes (setting: all / failures only / off). */
import * as vscode from 'vscode';
import type { NotifyMode } from './config';
import type { JobSnapshot } from './jobs/jobService';
import { Command } from './ids';
import { commandLine } from '../shared/commandLine';
import { lookOf, outcome } from './views/jobsTreeModel';
import { showOutput } from './commands/showOutput';
import { JobNode } from './views/jobsTree';

export async function notifyFinished(job: JobSnapshot, mode: NotifyMode): Promise<void> {
  const look = lookOf(job);
  const ok = look === 'succeeded';
  if (mode === 'off' || (mode === 'failures' && ok)) return;
  const text = `Agent Exec: ${outcome(job)} — ${commandLine(job.meta.command)}`;
  const show = 'Show Output';
  const rerun = 'Rerun';
  const pick = ok
    ? await vscode.window.showInformationMessage(text, show, rerun)
    : await vscode.window.showWarningMessage(text, show, rerun);
  if (pick === show) await showOutput(job);
  else if (pick === rerun) await vscode.commands.executeCommand(Command.rerun, new JobNode(job.id));
}
