/** Quick picks shared by several commands: jobs and signals. */
import * as vscode from 'vscode';
import { KILL_SIGNALS, type KillSignalName } from '../../core/process/signals';
import { SIGNAL_DESCRIPTIONS } from '../../shared/signals';
import type { JobService, JobSnapshot } from '../jobs/jobService';
import { commandLine } from '../../shared/commandLine';
import { describe, visibleJobs } from '../views/jobsTreeModel';
import type { JobNode } from '../views/jobsTree';

/** The signals, the configured default first. */
export function signalItems(defaultSignal: KillSignalName): (vscode.QuickPickItem & { signal: KillSignalName })[] {
  const order = [defaultSignal, ...KILL_SIGNALS.filter((s) => s !== defaultSignal)];
  return order.map((signal) => ({
    label: signal,
    description: `${SIGNAL_DESCRIPTIONS[signal]} (SIG${signal})${signal === defaultSignal ? ' — default' : ''}`,
    signal,
  }));
}

export async function pickSignal(defaultSignal: KillSignalName, jobs: readonly JobSnapshot[]): Promise<KillSignalName | undefined> {
  const what = jobs.length === 1 ? commandLine(jobs[0].meta.command) : `${jobs.length} jobs`;
  const picked = await vscode.window.showQuickPick(signalItems(defaultSignal), {
    title: `Kill ${what}`,
    placeHolder: 'Signal to send to the process tree (escalates to KILL after the grace period)',
  });
  return picked?.signal;
}

/** The jobs a tree command acts on, or those the user picks among `filter`ed jobs when called from the palette. */
export async function targetJobs(
  jobs: JobService,
  nodes: readonly JobNode[],
  filter: (j: JobSnapshot) => boolean,
  opts: {
    placeHolder: string;
    canPickMany: boolean;
    emptyMessage: string;
    /** A detail line per candidate (shown before its id, which the pick truncates first), computed when the pick opens; a job without one shows its id only. */
    details?: (candidates: readonly JobSnapshot[]) => Promise<ReadonlyMap<string, string>>;
  },
): Promise<JobSnapshot[]> {
  if (nodes.length > 0) return nodes.map((n) => jobs.get(n.jobId)).filter((j): j is JobSnapshot => j !== undefined && filter(j));
  const candidates = visibleJobs(jobs.all(), Number.MAX_SAFE_INTEGER).filter(filter);
  if (candidates.length === 0) {
    void vscode.window.showInformationMessage(opts.emptyMessage);
    return [];
  }
  const now = new Date();
  const details = (await opts.details?.(candidates)) ?? new Map<string, string>();
  const items = candidates.map((j) => {
    const detail = details.get(j.id);
    return { label: commandLine(j.meta.command), description: describe(j, now), detail: detail ? `${detail} · ${j.id}` : j.id, job: j };
  });
  if (opts.canPickMany) {
    const picked = await vscode.window.showQuickPick(items, { placeHolder: opts.placeHolder, canPickMany: true, matchOnDetail: true });
    return picked?.map((p) => p.job) ?? [];
  }
  const picked = await vscode.window.showQuickPick(items, { placeHolder: opts.placeHolder, matchOnDetail: true });
  return picked ? [picked.job] : [];
}

/** The one job a single-job command acts on: the clicked row, or one the user picks among all jobs. */
export async function pickOneJob(jobs: JobService, nodes: readonly JobNode[], placeHolder: string): Promise<JobSnapshot | undefined> {
  const [job] = await targetJobs(jobs, nodes.slice(0, 1), () => true, {
    placeHolder,
    canPickMany: false,
    emptyMessage: 'Agent Exec: no jobs.',
  });
  return job;
}
