/** Typed access to the `agentExec.*` settings (declared in package.json `contributes.configuration`). */
import * as vscode from 'vscode';
import { KILL_SIGNALS, type KillSignalName } from '../core/process/signals';
import { resolveRoot } from '../core/store/root';
import { CONFIG_SECTION } from './ids';
import type { GroupBy } from './views/jobsTreeModel';

export type NotifyMode = 'all' | 'failures' | 'off';

export interface ExtensionConfig {
  /** Absolute job root: the setting, else agent-exec's own resolution. */
  root: string;
  defaultSignal: KillSignalName;
  graceMs: number;
  notifications: NotifyMode;
  maxFinished: number;
  groupBy: GroupBy;
}

export function readConfig(): ExtensionConfig {
  const c = vscode.workspace.getConfiguration(CONFIG_SECTION);
  const rootSetting = c.get<string>('root', '').trim();
  const signal = c.get<string>('kill.defaultSignal', 'TERM');
  const notifications = c.get<string>('notifications', 'all');
  const groupBy = c.get<string>('tree.groupBy', 'none');
  return {
    root: rootSetting ? rootSetting.replace(/^~(?=$|\/)/, process.env.HOME ?? '~') : resolveRoot(undefined),
    defaultSignal: (KILL_SIGNALS as readonly string[]).includes(signal) ? (signal as KillSignalName) : 'TERM',
    graceMs: Math.max(0, c.get<number>('kill.graceSeconds', 5)) * 1000,
    notifications: notifications === 'failures' || notifications === 'off' ? notifications : 'all',
    maxFinished: Math.max(0, Math.floor(c.get<number>('tree.maxFinishedJobs', 50))),
    groupBy: groupBy === 'state' || groupBy === 'folder' ? groupBy : 'none',
  };
}

/** Fires when one of our settings changed. */
export const onDidChangeConfig = (listener: () => void): vscode.Disposable =>
  vscode.workspace.onDidChangeConfiguration((e) => {
    if (e.affectsConfiguration(CONFIG_SECTION)) listener();
  });
