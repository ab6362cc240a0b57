/**
 * The Jobs tree: renders the JobService's snapshots (jobsTreeModel.ts decides what is shown).
 * Nodes are stable per job id, so a change of some jobs refreshes only their rows; a change of
 * the visible set or order refreshes the whole list, once per coalesced batch of file events.
 */
import * as vscode from 'vscode';
import { JOBS_VIEW_ID } from '../ids';
import { Disposable } from '../lifecycle';
import type { JobService, JobSnapshot } from '../jobs/jobService';
import { present, visibleJobs } from './jobsTreeModel';

/** A row of the tree. Commands receive it as their argument (and the selection as the second). */
export class JobNode {
  constructor(readonly jobId: string) {}
}

export class JobsTreeProvider extends Disposable implements vscode.TreeDataProvider<JobNode> {
  private readonly nodes = new Map<string, JobNode>();
  /** The rows as last rendered, with the snapshot each was rendered from. */
  private shown: string[] = [];
  private readonly rendered = new Map<string, JobSnapshot>();
  private readonly _onDidChangeTreeData = this._register(new vscode.EventEmitter<JobNode[] | undefined>());
  readonly onDidChangeTreeData = this._onDidChangeTreeData.event;

  constructor(
    private readonly jobs: JobService,
    private maxFinished: number,
  ) {
    super();
    this._register(jobs.onDidChangeJobs(() => this.changed()));
  }

  setMaxFinished(n: number): void {
    this.maxFinished = n;
    this._onDidChangeTreeData.fire(undefined);
  }

  /** The current rows, as the tree shows them. */
  visible(): JobSnapshot[] {
    return visibleJobs(this.jobs.all(), this.maxFinished);
  }

  getChildren(element?: JobNode): JobNode[] {
    if (element) return [];
    const rows = this.visible();
    this.shown = rows.map((j) => j.id);
    this.rendered.clear();
    for (const j of rows) this.rendered.set(j.id, j);
    return rows.map((j) => this.node(j.id));
  }

  getTreeItem(node: JobNode): vscode.TreeItem {
    const job = this.jobs.get(node.jobId);
    if (!job) return new vscode.TreeItem(node.jobId);
    this.rendered.set(job.id, job);
    const p = present(job, new Date());
    const item = new vscode.TreeItem(p.label, vscode.TreeItemCollapsibleState.None);
    item.id = job.id;
    item.description = p.description;
    item.iconPath = new vscode.ThemeIcon(p.icon.id, new vscode.ThemeColor(p.icon.color));
    const tooltip = new vscode.MarkdownString(p.tooltip);
    tooltip.supportThemeIcons = true;
    item.tooltip = tooltip;
    item.contextValue = p.contextValue;
    item.accessibilityInformation = { label: `${p.label}, ${p.description}, job ${job.id}` };
    return item;
  }

  getParent(): undefined {
    return undefined;
  }

  private node(id: string): JobNode {
    let n = this.nodes.get(id);
    if (!n) this.nodes.set(id, (n = new JobNode(id)));
    return n;
  }

  /**
   * Same rows in the same order: only rows whose snapshot changed are refreshed (a root refresh
   * would briefly drop every row's handle, and a click in that moment would lose its job).
   */
  private changed(): void {
    const next = this.visible().map((j) => j.id);
    const sameRows = next.length === this.shown.length && next.every((id, i) => id === this.shown[i]);
    for (const id of this.nodes.keys()) if (!this.jobs.get(id)) this.nodes.delete(id);
    if (!sameRows) {
      // The rows the coming getChildren will return: later changes compare against them, so a
      // burst of events makes one root refresh, not one per event.
      this.shown = next;
      return this._onDidChangeTreeData.fire(undefined);
    }
    const touched = this.shown.filter((id) => this.jobs.get(id) !== this.rendered.get(id)).map((id) => this.node(id));
    if (touched.length > 0) this._onDidChangeTreeData.fire(touched);
  }
}

export function createJobsTree(provider: JobsTreeProvider): vscode.TreeView<JobNode> {
  return vscode.window.createTreeView(JOBS_VIEW_ID, { treeDataProvider: provider, canSelectMany: true, showCollapseAll: false });
}
