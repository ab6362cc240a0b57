/**
 * Kill Job… (signal picked, configured default first) and Kill with TERM / INT / KILL (context
 * menu). Works on the clicked job, the tree selection (multi-select kill), or jobs picked from
 * the palette. Kill is allowed in untrusted workspaces: stopping a process is always safe.
 */
import * as vscode from 'vscode';
import { okEnvelope } from '../../core/envelope';
import { describeError } from '../../core/errors';
import { describeKillTargets } from '../../core/ops/kill';
import { mapLimit, SCAN_CONCURRENCY } from '../../core/ops/scan';
import type { KillSignalName } from '../../core/process/signals';
import { Command, type CommandId } from '../ids';
import type { JobSnapshot } from '../jobs/jobService';
import { commandLine } from '../../shared/commandLine';
import { registerCommand, stringArg, type Services } from './command';
import { pickSignal, targetJobs } from './pickers';
import { killPreviewLine } from '../views/killPreview';

const isRunning = (j: JobSnapshot) => j.state.job.status === 'running';

/** Jobs of the Kill Quick Pick that get a preview line (one /proc scan each); the rest show their id only. */
export const MAX_PREVIEWED_JOBS = 50;

/** The impact preview of each running job offered for a kill: what the kill would signal, from the kill's own discovery. */
async function killPreviews(svc: Services, candidates: readonly JobSnapshot[]): Promise<ReadonlyMap<string, string>> {
  const root = svc.jobs().root;
  const lines = await mapLimit(
    candidates.slice(0, MAX_PREVIEWED_JOBS),
    SCAN_CONCURRENCY,
    async (j): Promise<[string, string] | undefined> => {
      try {
        return [j.id, killPreviewLine(await describeKillTargets(root, j.id))];
      } catch (err) {
        // The job may have gone meanwhile: the pick still offers it, without a preview.
        svc.log.warn(`kill preview ${j.id}: ${describeError(err)}`);
        return undefined;
      }
    },
  );
  return new Map(lines.filter((l): l is [string, string] => l !== undefined));
}

async function killAll(svc: Services, targets: readonly JobSnapshot[], signal: KillSignalName): Promise<void> {
  const { graceMs } = svc.config();
  const what = targets.length === 1 ? commandLine(targets[0].meta.command) : `${targets.length} jobs`;
  await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `Killing ${what} with ${signal}` }, () =>
    Promise.all(
      targets.map(async (job) => {
        try {
          const r = await svc.jobs().kill(job.id, signal, graceMs);
          svc.log.info(`kill ${job.id} ${signal}: ${JSON.stringify(r)}`);
          if (r.survivors && r.survivors.length > 0) {
            void vscode.window.showWarningMessage(
              `Agent Exec: ${commandLine(job.meta.command)} — processes still alive after KILL: ${r.survivors.join(', ')}`,
            );
          }
        } catch (err) {
          svc.log.error(`kill ${job.id} ${signal}: ${describeError(err)}`);
          void vscode.window.showErrorMessage(`Agent Exec: cannot kill ${commandLine(job.meta.command)}: ${describeError(err)}`);
        }
      }),
    ),
  );
}

function registerKill(svc: Services, id: CommandId, fixed: KillSignalName | undefined): vscode.Disposable {
  return registerCommand(svc, id, {
    ui: async (nodes) => {
      const targets = await targetJobs(svc.jobs(), nodes, isRunning, {
        placeHolder: 'Running jobs to kill',
        canPickMany: true,
        emptyMessage: 'Agent Exec: no running jobs.',
        details: (candidates) => killPreviews(svc, candidates),
      });
      if (targets.length === 0) return;
      const signal = fixed ?? (await pickSignal(svc.config().defaultSignal, targets));
      if (signal) await killAll(svc, targets, signal);
    },
    api: async (args) => {
      const signal = fixed ?? (typeof args.signal === 'string' ? args.signal : svc.config().defaultSignal);
      const graceMs = typeof args.graceMs === 'number' ? args.graceMs : svc.config().graceMs;
      return okEnvelope('kill', await svc.jobs().kill(stringArg(args, 'jobId'), signal, graceMs));
    },
  });
}

export const registerKillCommands = (svc: Services): vscode.Disposable[] => [
  registerKill(svc, Command.kill, undefined),
  registerKill(svc, Command.killWithTerm, 'TERM'),
  registerKill(svc, Command.killWithInt, 'INT'),
  registerKill(svc, Command.killWithKill, 'KILL'),
];
