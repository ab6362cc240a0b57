/** Refresh: re-reads every job (file events keep the tree current; this is for the rare missed one). */
import type * as vscode from 'vscode';
import { okEnvelope } from '../../core/envelope';
import { listJobs } from '../../core/ops/list';
import { Command } from '../ids';
import { registerCommand, type Services } from './command';

export function registerRefresh(svc: Services): vscode.Disposable {
  return registerCommand(svc, Command.refresh, {
    ui: () => svc.jobs().refresh(),
    api: async () => {
      await svc.jobs().refresh();
      return okEnvelope('list', await listJobs(svc.jobs().root, { limit: 0 }));
    },
  });
}
