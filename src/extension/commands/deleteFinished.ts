/** Delete Finished Jobs: every finished job in the store (after a confirmation in the UI). */
import * as vscode from 'vscode';
import { okEnvelope } from '../../core/envelope';
import { describeError } from '../../core/errors';
import type { DeleteEntry, DeleteResult } from '../../core/ops/delete';
import { isTerminal } from '../../core/schema';
import { Command } from '../ids';
import type { JobService } from '../jobs/jobService';
import { registerCommand, type Services } from './command';

/** Deletes finished jobs one by one; the answer has the shape of `delete --all` (without a cwd scope). */
async function deleteFinished(jobs: JobService): Promise<DeleteResult> {
  const result: DeleteResult = { root: jobs.root, dry_run: false, deleted: 0, skipped: 0, out_of_scope: 0, failed: 0, jobs: [] };
  for (const job of jobs.all().filter((j) => isTerminal(j.state.job.status))) {
    const entry: DeleteEntry = { job_id: job.id, state: job.state.job.status, action: 'deleted', reason: 'finished' };
    try {
      await jobs.remove(job.id);
      result.deleted++;
    } catch (err) {
      Object.assign(entry, { action: 'skipped', reason: describeError(err) });
      result.failed++;
    }
    result.jobs.push(entry);
  }
  return result;
}

export function registerDeleteFinished(svc: Services): vscode.Disposable {
  return registerCommand(svc, Command.deleteFinished, {
    ui: async () => {
      const n = svc
        .jobs()
        .all()
        .filter((j) => isTerminal(j.state.job.status)).length;
      if (n === 0) return void vscode.window.showInformationMessage('Agent Exec: no finished jobs.');
      const ok = await vscode.window.showWarningMessage(
        `Delete ${n} finished job${n === 1 ? '' : 's'} and their logs?`,
        { modal: true, detail: `From ${svc.jobs().root}. Running jobs are kept.` },
        'Delete',
      );
      if (ok === 'Delete') svc.log.info(`delete finished: ${JSON.stringify(await deleteFinished(svc.jobs()))}`);
    },
    api: async () => okEnvelope('delete', await deleteFinished(svc.jobs())),
  });
}
