/** Open in Browser: a ready job's URL (its ready URL, else http://localhost:<port>) in the external browser. */
import * as vscode from 'vscode';
import { Command } from '../ids';
import type { JobSnapshot } from '../jobs/jobService';
import { browserUrl } from '../jobs/readyWatcher';
import { registerCommand, type Services } from './command';
import { targetJobs } from './pickers';

/** Opens the job's URL; false when it has none (not ready, or neither a URL nor a port). */
export async function openJobInBrowser(svc: Services, job: JobSnapshot): Promise<boolean> {
  const url = browserUrl(job.meta, svc.live().get(job.id));
  if (url === undefined) return false;
  await vscode.env.openExternal(vscode.Uri.parse(url));
  return true;
}

export function registerOpenInBrowser(svc: Services): vscode.Disposable {
  return registerCommand(svc, Command.openInBrowser, {
    ui: async (nodes) => {
      const [job] = await targetJobs(svc.jobs(), nodes.slice(0, 1), (j) => browserUrl(j.meta, svc.live().get(j.id)) !== undefined, {
        placeHolder: 'Ready job to open in the browser',
        canPickMany: false,
        emptyMessage: 'Agent Exec: no ready job with a URL or a port.',
      });
      if (job && !(await openJobInBrowser(svc, job))) void vscode.window.showInformationMessage('Agent Exec: the job has no URL to open.');
    },
  });
}
