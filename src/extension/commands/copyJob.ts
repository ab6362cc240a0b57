/** Copy Job ID and Copy Job JSON (the `status` object the CLI prints) to the clipboard. */
import * as vscode from 'vscode';
import { okEnvelope } from '../../core/envelope';
import { getStatus } from '../../core/ops/status';
import { Command } from '../ids';
import { registerCommand, stringArg, type Services } from './command';
import { targetJobs } from './pickers';

const pickOne = (svc: Services, nodes: Parameters<typeof targetJobs>[1]) =>
  targetJobs(svc.jobs(), nodes.slice(0, 1), () => true, { placeHolder: 'Job', canPickMany: false, emptyMessage: 'Agent Exec: no jobs.' });

export const registerCopyCommands = (svc: Services): vscode.Disposable[] => [
  registerCommand(svc, Command.copyId, {
    ui: async (nodes) => {
      const [job] = await pickOne(svc, nodes);
      if (job) await vscode.env.clipboard.writeText(job.id);
    },
  }),
  registerCommand(svc, Command.copyJson, {
    ui: async (nodes) => {
      const [job] = await pickOne(svc, nodes);
      if (job) await vscode.env.clipboard.writeText(JSON.stringify(okEnvelope('status', await getStatus(svc.jobs().root, job.id)), null, 2));
    },
    api: async (args) => okEnvelope('status', await getStatus(svc.jobs().root, stringArg(args, 'jobId'))),
  }),
];
