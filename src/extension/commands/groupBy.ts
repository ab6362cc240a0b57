/** Group Jobs By…: none / state / workspace folder (stored in the `agentExec.tree.groupBy` setting). */
import * as vscode from 'vscode';
import { Command, CONFIG_SECTION } from '../ids';
import type { GroupBy } from '../views/jobsTreeModel';
import { registerCommand, type Services } from './command';

const CHOICES: (vscode.QuickPickItem & { value: GroupBy })[] = [
  { label: 'None', description: 'running jobs first, then recent finished ones', value: 'none' },
  { label: 'State', description: 'Running, Failed, Killed, Succeeded', value: 'state' },
  { label: 'Workspace Folder', description: "the folder holding each job's working directory", value: 'folder' },
];

export function registerGroupBy(svc: Services): vscode.Disposable {
  return registerCommand(svc, Command.groupBy, {
    ui: async () => {
      const current = svc.config().groupBy;
      const items = CHOICES.map((c) => ({ ...c, picked: c.value === current }));
      const pick = await vscode.window.showQuickPick(items, {
        title: 'Group Jobs By',
        placeHolder: `Now: ${CHOICES.find((c) => c.value === current)?.label}`,
      });
      if (pick)
        await vscode.workspace.getConfiguration(CONFIG_SECTION).update('tree.groupBy', pick.value, vscode.ConfigurationTarget.Global);
    },
  });
}
