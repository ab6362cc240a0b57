/** Copy Job ID and Copy Job JSON (the `status` object the CLI prints) to the clipboard. */
import * as vscode from 'vscode';
import { okEnvelope } from '../../core/envelope';
import { getStatus } from '../../core/ops/status';
import { Command } from '../ids';
import { registerCommand, stringArg, type Services } from './command';
import { pickOneJob } from './pickers';

export const registerCopyCommands = (svc: Services): vscode.Disposable[] => [
  registerCommand(svc, Command.copyId, {
    ui: async (nodes) => {
      const job = await pickOneJob(svc.jobs(), nodes, 'Job');
      if (job) await vscode.env.clipboard.writeText(job.id);
    },
  }),
  registerCommand(svc, Command.copyJson, {
    ui: async (nodes) => {
      const job = await pickOneJob(svc.jobs(), nodes, 'Job');
      if (job)
        await vscode.env.clipboard.writeText(JSON.stringify(okEnvelope('status', await getStatus(svc.jobs().root, job.id)), null, 2));
    },
    api: async (args) => okEnvelope('status', await getStatus(svc.jobs().root, stringArg(args, 'jobId'))),
  }),
];
