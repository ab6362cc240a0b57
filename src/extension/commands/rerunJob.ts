/** Rerun: a new attempt of a finished job, same id and definition (the earlier attempts are kept). */
import type * as vscode from 'vscode';
import { okEnvelope } from '../../core/envelope';
import { isTerminal } from '../../core/schema';
import { Command } from '../ids';
import { registerCommand, stringArg, type Services } from './command';
import { targetJobs } from './pickers';
import { askForTrustedWorkspace } from '../trust';

export function registerRerun(svc: Services): vscode.Disposable {
  return registerCommand(svc, Command.rerun, {
    ui: async (nodes) => {
      if (!(await askForTrustedWorkspace('Rerunning a command'))) return;
      const targets = await targetJobs(svc.jobs(), nodes, (j) => isTerminal(j.state.job.status), {
        placeHolder: 'Finished job to run again',
        canPickMany: false,
        emptyMessage: 'Agent Exec: no finished jobs.',
      });
      for (const job of targets) {
        const r = await svc.jobs().rerun(job.id);
        svc.log.info(`rerun ${job.id}: attempt ${r.attempt ?? '?'}`);
      }
    },
    api: async (args) => {
      return okEnvelope('rerun', await svc.jobs().rerun(stringArg(args, 'jobId')));
    },
  });
}
