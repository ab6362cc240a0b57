/**
 * Keeps the Jobs tree and the job panel on the same job (issue 5): a single job selected in the
 * tree is shown in the panel while the panel is on screen (a click in the tree does not pop the
 * panel open; "Open Job Panel" on a row does), and a job selected in the panel is selected in
 * the tree. Each side's echo of the other's choice is ignored, so the two never chase each other.
 */
import * as vscode from 'vscode';
import type { JobPanel } from '../panel/jobPanel';
import { JobNode, type JobsTreeProvider, type Node } from './jobsTree';

export function syncTreeAndPanel(treeView: vscode.TreeView<Node>, tree: JobsTreeProvider, panel: JobPanel): vscode.Disposable {
  /** The job the panel last selected in the tree: its selection event is not sent back. */
  let fromPanel: string | undefined;
  const selectedInTree = () =>
    treeView.selection.length === 1 && treeView.selection[0] instanceof JobNode ? treeView.selection[0].jobId : undefined;
  return vscode.Disposable.from(
    treeView.onDidChangeSelection(() => {
      const id = selectedInTree();
      const echo = id !== undefined && id === fromPanel;
      fromPanel = undefined;
      if (id && !echo && panel.visible) void panel.reveal(id);
    }),
    panel.onDidSelectJob((id) => {
      const node = tree.nodeOf(id);
      if (!node || selectedInTree() === id) return;
      fromPanel = id;
      // A job the tree does not show (beyond agentExec.maxFinished) cannot be revealed: fine.
      Promise.resolve(treeView.reveal(node, { select: true, focus: false })).catch(() => (fromPanel = undefined));
    }),
  );
}
