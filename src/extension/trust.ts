/**
 * Workspace Trust guards starting processes, and `requireTrustedWorkspace` is its one gate:
 * the JobService calls it before every start it makes (Run Command, Rerun from the tree, the job
 * panel or a programmatic call) and the Copilot run tool before its own. Viewing, killing and
 * deleting jobs need no trust.
 */
import * as vscode from 'vscode';
import { JobError } from '../core/errors';

/** Throws (a teaching error) unless the workspace is trusted. */
export function requireTrustedWorkspace(): void {
  if (!vscode.workspace.isTrusted) {
    throw new JobError(
      'invalid_request',
      'starting a process needs a trusted workspace; this window is in Restricted Mode (Manage Workspace Trust to change that)',
    );
  }
}

/** The gate for the person at the keyboard: says why and offers to change trust; false when refused. */
export async function askForTrustedWorkspace(action: string): Promise<boolean> {
  if (vscode.workspace.isTrusted) return true;
  const manage = 'Manage Workspace Trust';
  const answer = await vscode.window.showWarningMessage(`Agent Exec: ${action} needs a trusted workspace.`, manage);
  if (answer === manage) await vscode.commands.executeCommand('workbench.trust.manage');
  return false;
}
