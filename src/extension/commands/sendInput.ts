/**
 * Send Input… and End Input: a line to (or the end of) the input channel of a running
 * `--stdin-pipe` job, through core sendInput. Writing to a job's stdin drives a process, so it
 * needs a trusted workspace like a start.
 */
import * as vscode from 'vscode';
import { looksLikeSecretPrompt } from '../../core/ops/attention';
import { sendInput } from '../../core/ops/input';
import { okEnvelope } from '../../core/envelope';
import { MAX_INPUT_CHARS } from '../../protocol/jobPanel';
import { commandLine } from '../../shared/commandLine';
import { Command } from '../ids';
import type { JobSnapshot } from '../jobs/jobService';
import { registerCommand, stringArg, type Services } from './command';
import { targetJobs } from './pickers';
import { askForTrustedWorkspace, requireTrustedWorkspace } from '../trust';

/** A running job with an input channel. */
export const takesInput = (j: JobSnapshot): boolean => j.meta.stdin_pipe === true && j.state.job.status === 'running';

/** Asks for a line (hidden when the job's last line asks for a password) and sends it; false when cancelled or refused. */
export async function askAndSendInput(svc: Services, job: JobSnapshot): Promise<boolean> {
  if (!(await askForTrustedWorkspace('Sending input to a job'))) return false;
  const prompt = svc.attention().get(job.id)?.last_line;
  const text = await vscode.window.showInputBox({
    title: `Send input to ${commandLine(job.meta.command)}`,
    prompt: prompt !== undefined && prompt.trim() !== '' ? prompt : 'A line for the job to read (Enter sends it with a newline)',
    password: prompt !== undefined && looksLikeSecretPrompt(prompt),
    ignoreFocusOut: true,
    validateInput: (v) => (v.length > MAX_INPUT_CHARS ? `At most ${MAX_INPUT_CHARS} characters at once.` : undefined),
  });
  if (text === undefined) return false;
  await sendInput(svc.jobs().root, job.id, { text });
  return true;
}

const pickInputJob = (svc: Services, nodes: Parameters<typeof targetJobs>[1]) =>
  targetJobs(svc.jobs(), nodes.slice(0, 1), takesInput, {
    placeHolder: 'Running job with an input channel',
    canPickMany: false,
    emptyMessage: 'Agent Exec: no running job with an input channel (start one with --stdin-pipe).',
  });

export function registerInputCommands(svc: Services): vscode.Disposable[] {
  return [
    registerCommand(svc, Command.sendInput, {
      ui: async (nodes) => {
        const [job] = await pickInputJob(svc, nodes);
        if (job) await askAndSendInput(svc, job);
      },
      // No programmatic form: a call's arguments are logged, and the text may be a secret.
    }),
    registerCommand(svc, Command.endInput, {
      ui: async (nodes) => {
        const [job] = await pickInputJob(svc, nodes);
        if (!job || !(await askForTrustedWorkspace('Ending the input of a job'))) return;
        await sendInput(svc.jobs().root, job.id, { eof: true });
        svc.log.info(`ended the input of ${job.id}`);
      },
      api: async (args) => {
        requireTrustedWorkspace();
        return okEnvelope('send_input', await sendInput(svc.jobs().root, stringArg(args, 'jobId'), { eof: true }));
      },
    }),
  ];
}
