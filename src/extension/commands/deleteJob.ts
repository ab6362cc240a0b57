/** Delete Job: removes finished jobs (the clicked one, the selection, or picked ones) from the store. */
import type * as vscode from 'vscode';
import { okEnvelope } from '../../core/envelope';
import { describeError } from '../../core/errors';
import { isTerminal } from '../../core/schema';
import { Command } from '../ids';
import { registerCommand, stringArg, type Services } from './command';
import { targetJobs } from './pickers';

export function registerDelete(svc: Services): vscode.Disposable {
  return registerCommand(svc, Command.delete, {
    ui: async (nodes) => {
      const targets = await targetJobs(svc.jobs(), nodes, (j) => isTerminal(j.state.job.status), {
        placeHolder: 'Finished jobs to delete',
        canPickMany: true,
        emptyMessage: 'Agent Exec: no finished jobs.',
      });
      for (const job of targets) {
        await svc
          .jobs()
          .remove(job.id)
          .catch((err: unknown) => svc.log.warn(`delete ${job.id}: ${describeError(err)}`));
      }
    },
    api: async (args) => okEnvelope('delete', await svc.jobs().remove(stringArg(args, 'jobId'))),
  });
}
