/** Open Job Store Folder: the job root in the OS file manager (or the Explorer when remote). */
import * as vscode from 'vscode';
import { promises as fs } from 'node:fs';
import { Command } from '../ids';
import { registerCommand, type Services } from './command';

export function registerOpenStoreFolder(svc: Services): vscode.Disposable {
  return registerCommand(svc, Command.openStoreFolder, {
    ui: async () => {
      const root = svc.jobs().root;
      await fs.mkdir(root, { recursive: true });
      const uri = vscode.Uri.file(root);
      // revealFileInOS only exists in a local desktop window; elsewhere open the folder in a new window.
      if (vscode.env.remoteName === undefined && vscode.env.uiKind === vscode.UIKind.Desktop) {
        await vscode.commands.executeCommand('revealFileInOS', uri);
      } else {
        await vscode.commands.executeCommand('vscode.openFolder', uri, { forceNewWindow: true });
      }
    },
  });
}
