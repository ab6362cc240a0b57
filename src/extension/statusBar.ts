/** The status bar item: how many jobs are running (spinning while any); a click focuses the Jobs view. */
import * as vscode from 'vscode';
import { FOCUS_JOBS_VIEW_COMMAND } from './ids';
import { Disposable } from './lifecycle';
import type { JobService } from './jobs/jobService';
import { runningCount } from './views/jobsTreeModel';

export class JobsStatusBar extends Disposable {
  private readonly item = this._register(vscode.window.createStatusBarItem('agentExec.running', vscode.StatusBarAlignment.Left, 50));
  private last = -1;

  constructor() {
    super();
    this.item.name = 'Agent Exec Jobs';
    this.item.command = FOCUS_JOBS_VIEW_COMMAND;
    this.item.show();
  }

  update(jobs: JobService): void {
    const n = runningCount(jobs.all());
    if (n === this.last) return;
    this.last = n;
    this.item.text = n > 0 ? `$(sync~spin) ${n} running` : '$(server-process) 0 running';
    this.item.tooltip = `Agent Exec: ${n === 0 ? 'no jobs' : n === 1 ? '1 job' : `${n} jobs`} running — show the Jobs view`;
    this.item.accessibilityInformation = { label: `Agent Exec: ${n} running` };
  }
}
