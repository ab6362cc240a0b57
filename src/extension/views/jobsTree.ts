/**
 * The Jobs tree: renders the JobService's snapshots (jobsTreeModel.ts decides what is shown and
 * how it is grouped). Nodes are stable per job id and group key, so a change of some jobs
 * refreshes only their rows; a change of the rows or their grouping refreshes the whole tree,
 * once per coalesced batch of file events. The tree stays bounded whatever the store holds: the
 * jobs it leaves out are counted in a last "N more jobs…" row that opens the job panel.
 */
import * as vscode from 'vscode';
import { JOBS_VIEW_ID } from '../ids';
import { OPEN_JOB_PANEL_COMMAND } from '../panel/jobPanel';
import { Disposable } from '../lifecycle';
import type { JobService, JobSnapshot } from '../jobs/jobService';
import type { AttentionWatcher } from '../jobs/attentionWatcher';
import type { ReadyWatcher } from '../jobs/readyWatcher';
import { jobPorts } from '../../core/ops/ports';
import { groupJobs, present, tooltipMarkdown, visibleJobs, type GroupBy, type JobGroup } from './jobsTreeModel';

/** A job row. Commands receive it as their argument (and the selection as the second). */
export class JobNode {
  constructor(readonly jobId: string) {}
}

/** A group row (by state or by workspace folder). */
export class GroupNode {
  constructor(readonly key: string) {}
}

/** The last root row when jobs are left out: how many, and a way to the job panel (which pages through all). */
export class MoreNode {}

export type Node = JobNode | GroupNode | MoreNode;

export interface TreeOptions {
  maxFinished: number;
  groupBy: GroupBy;
}

export class JobsTreeProvider extends Disposable implements vscode.TreeDataProvider<Node> {
  private readonly nodes = new Map<string, JobNode>();
  private readonly groupNodes = new Map<string, GroupNode>();
  private groups = new Map<string, JobGroup>();
  private readonly moreNode = new MoreNode();
  private hidden = 0;
  /** The layout last handed to the tree (group keys and job ids), and the snapshot each row was rendered from. */
  private shown = '';
  private readonly rendered = new Map<string, JobSnapshot>();
  private readonly _onDidChangeTreeData = this._register(new vscode.EventEmitter<Node[] | undefined>());
  readonly onDidChangeTreeData = this._onDidChangeTreeData.event;

  constructor(
    private readonly jobs: JobService,
    private readonly live: ReadyWatcher,
    private readonly attention: AttentionWatcher,
    private options: TreeOptions,
  ) {
    super();
    this._register(jobs.onDidChangeJobs(() => this.changed()));
    // Readiness, ports and attention change no record: only those rows are drawn again.
    const redraw = (ids: readonly string[]) => {
      const rows = ids.filter((id) => this.rendered.has(id)).map((id) => this.jobNode(id));
      if (rows.length > 0) this._onDidChangeTreeData.fire(rows);
    };
    this._register(live.onDidChange(redraw));
    this._register(attention.onDidChange(redraw));
    this._register(vscode.workspace.onDidChangeWorkspaceFolders(() => this.changed()));
  }

  setOptions(options: TreeOptions): void {
    this.options = options;
    this.changed();
  }

  /** The current job rows, in tree order. */
  visible(): JobSnapshot[] {
    return visibleJobs(this.jobs.all(), this.options.maxFinished);
  }

  private layout(): Layout {
    const rows = this.visible();
    const hidden = this.jobs.all().length - rows.length;
    if (this.options.groupBy === 'none') return { groups: undefined, rows, hidden };
    const folders = (vscode.workspace.workspaceFolders ?? []).map((f) => ({ name: f.name, path: f.uri.fsPath }));
    return { groups: groupJobs(rows, this.options.groupBy, folders), rows, hidden };
  }

  private static signature(l: Layout): string {
    const shown = l.groups
      ? l.groups.map((g) => `${g.key}:${g.jobs.map((j) => j.id).join(',')}`).join('|')
      : l.rows.map((j) => j.id).join(',');
    return `${shown}+${l.hidden}`;
  }

  getChildren(element?: Node): Node[] {
    if (element instanceof GroupNode) return (this.groups.get(element.key)?.jobs ?? []).map((j) => this.jobNode(j.id));
    if (element) return [];
    const l = this.layout();
    this.shown = JobsTreeProvider.signature(l);
    this.hidden = l.hidden;
    this.rendered.clear();
    for (const j of l.rows) this.rendered.set(j.id, j);
    const more = l.hidden > 0 ? [this.moreNode] : [];
    if (!l.groups) return [...l.rows.map((j) => this.jobNode(j.id)), ...more];
    this.groups = new Map(l.groups.map((g) => [g.key, g]));
    return [...l.groups.map((g) => this.groupNode(g.key)), ...more];
  }

  getTreeItem(node: Node): vscode.TreeItem {
    if (node instanceof MoreNode) {
      const item = new vscode.TreeItem(`${this.hidden.toLocaleString()} more jobs…`, vscode.TreeItemCollapsibleState.None);
      item.id = 'more';
      item.description = 'in the job panel';
      item.tooltip =
        'The Jobs view shows the running jobs and the latest finished ones (agentExec.tree.maxFinishedJobs); the job panel pages through every job.';
      item.iconPath = new vscode.ThemeIcon('ellipsis');
      item.contextValue = 'more';
      item.command = { command: OPEN_JOB_PANEL_COMMAND, title: 'Open Job Panel' };
      return item;
    }
    if (node instanceof GroupNode) {
      const g = this.groups.get(node.key);
      const item = new vscode.TreeItem(g?.label ?? node.key, vscode.TreeItemCollapsibleState.Expanded);
      item.id = node.key;
      item.description = g ? String(g.jobs.length) : '';
      item.contextValue = 'group';
      return item;
    }
    const job = this.jobs.get(node.jobId);
    if (!job) return new vscode.TreeItem(node.jobId);
    this.rendered.set(job.id, job);
    const p = present(job, new Date(), this.live.get(job.id), this.attention.get(job.id));
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

  /** The ports of a running job, looked up when its tooltip is about to show (one /proc scan per hover, none per refresh). */
  resolveTreeItem(item: vscode.TreeItem, node: Node): vscode.TreeItem {
    const job = node instanceof JobNode ? this.jobs.get(node.jobId) : undefined;
    if (job?.state.job.status !== 'running') return item;
    const ports = jobPorts(job.state);
    if (ports.length === 0) return item;
    const tooltip = new vscode.MarkdownString(tooltipMarkdown(job, new Date(), ports, this.live.get(job.id), this.attention.get(job.id)));
    tooltip.supportThemeIcons = true;
    item.tooltip = tooltip;
    return item;
  }

  getParent(node: Node): Node | undefined {
    if (!(node instanceof JobNode)) return undefined;
    for (const g of this.groups.values())
      if (this.options.groupBy !== 'none' && g.jobs.some((j) => j.id === node.jobId)) return this.groupNode(g.key);
    return undefined;
  }

  /** The row of a job in the store (for revealing it), or undefined for an unknown id. */
  nodeOf(id: string): JobNode | undefined {
    return this.jobs.get(id) ? this.jobNode(id) : undefined;
  }

  private jobNode(id: string): JobNode {
    let n = this.nodes.get(id);
    if (!n) this.nodes.set(id, (n = new JobNode(id)));
    return n;
  }

  private groupNode(key: string): GroupNode {
    let n = this.groupNodes.get(key);
    if (!n) this.groupNodes.set(key, (n = new GroupNode(key)));
    return n;
  }

  /**
   * Same layout: only rows whose snapshot changed are refreshed (a root refresh briefly drops
   * every row's handle in the extension host, and a click in that moment would lose its job).
   */
  private changed(): void {
    const l = this.layout();
    const next = JobsTreeProvider.signature(l);
    for (const id of this.nodes.keys()) if (!this.jobs.get(id)) this.nodes.delete(id);
    if (next !== this.shown) {
      // What the coming getChildren will return: later changes compare against it, so a burst
      // of events makes one root refresh, not one per event.
      this.shown = next;
      return this._onDidChangeTreeData.fire(undefined);
    }
    const touched = l.rows.filter((j) => j !== this.rendered.get(j.id)).map((j) => this.jobNode(j.id));
    if (touched.length > 0) this._onDidChangeTreeData.fire(touched);
  }
}

interface Layout {
  groups: JobGroup[] | undefined;
  rows: JobSnapshot[];
  /** Jobs of the store that are not rows. */
  hidden: number;
}

export function createJobsTree(provider: JobsTreeProvider): vscode.TreeView<Node> {
  return vscode.window.createTreeView(JOBS_VIEW_ID, { treeDataProvider: provider, canSelectMany: true, showCollapseAll: false });
}
