/**
 * Notifications about jobs started from this window (setting: all / failures only / off): when
 * one finishes, when one becomes ready, and when one waits for input.
 */
import * as vscode from 'vscode';
import type { NotifyMode } from './config';
import type { JobService, JobSnapshot } from './jobs/jobService';
import { browserUrl, jobPort, type ReadyEvent } from './jobs/readyWatcher';
import type { Services } from './commands/command';
import { openJobInBrowser } from './commands/openInBrowser';
import { Command } from './ids';
import { commandLine } from '../shared/commandLine';
import { lookOf, outcome } from './views/jobsTreeModel';
import { showOutput } from './commands/showOutput';
import { askAndSendInput } from './commands/sendInput';
import type { NeedsInputEvent } from './jobs/attentionWatcher';
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

/**
 * "<command> is ready on :3000" for a job started from this window (setting "all") that became
 * ready while watched, or was found ready right after its start here (not after a reload).
 */
export function shouldNotifyReady(e: ReadyEvent, jobs: Pick<JobService, 'startedHereWhen'>, mode: NotifyMode): boolean {
  const when = jobs.startedHereWhen(e.job.id);
  return mode === 'all' && (when === 'now' || (when === 'earlier' && e.sawPending));
}

export async function notifyReady(svc: Services, job: JobSnapshot): Promise<void> {
  const live = svc.live().get(job.id);
  const port = jobPort(job.meta, live);
  const text = `Agent Exec: ${commandLine(job.meta.command)} is ready${port !== undefined ? ` on :${port}` : ''}`;
  const open = 'Open in Browser';
  const show = 'Show Output';
  const actions = browserUrl(job.meta, live) !== undefined ? [open, show] : [show];
  const pick = await vscode.window.showInformationMessage(text, ...actions);
  if (pick === open) await openJobInBrowser(svc, job);
  else if (pick === show) await showOutput(job);
}

/** A job started from this window waits for input (any setting but "off": it cannot go on by itself). */
export function shouldNotifyNeedsInput(e: NeedsInputEvent, jobs: Pick<JobService, 'startedHereWhen'>, mode: NotifyMode): boolean {
  return mode !== 'off' && jobs.startedHereWhen(e.job.id) !== undefined;
}

/** "npm init is waiting for input: package name: (demo)", with Send Input… and Show Output. */
export async function notifyNeedsInput(svc: Services, e: NeedsInputEvent): Promise<void> {
  const question = e.attention.last_line.trim();
  const text = `Agent Exec: ${commandLine(e.job.meta.command)} is waiting for input${question !== '' ? `: ${question}` : ''}`;
  const send = 'Send Input…';
  const show = 'Show Output';
  const pick = await vscode.window.showInformationMessage(text, send, show);
  const job = svc.jobs().get(e.job.id) ?? e.job;
  if (pick === send) await askAndSendInput(svc, job);
  else if (pick === show) await showOutput(job);
}
