/**
 * Copilot's job tools: `vscode.lm.registerTool` for every agent tool (toolCatalog.ts), each
 * answering with the CLI's envelope as compact JSON in a LanguageModelTextPart (an error
 * envelope when it fails, so the model can read and react). Run, rerun, send_input and kill ask
 * the person first (prepareInvocation): the command and directory; the text to type; the
 * processes that will be signalled and who owns the job. Jobs Copilot starts are recorded with
 * owner `agent:copilot`. Running and rerunning need a trusted workspace. Waits are bounded by the tool and end early when the call is cancelled.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { errorEnvelope } from '../../core/envelope';
import { JobError } from '../../core/errors';
import { getStatus } from '../../core/ops/status';
import { describeKillTargets } from '../../core/ops/kill';
import { readMeta, resolveJob } from '../../core/store/jobDir';
import { attentionRequest, readyRequest } from '../../agent/agentJob';
import { parseInput } from '../../agent/input';
import { AGENT_TOOL, killTarget } from '../../agent/tools';
import { workspaceCwd } from '../agent/agentCommands';
import type { Services } from '../commands/command';
import { requireTrustedWorkspace } from '../trust';
import {
  killConfirmation,
  rerunConfirmation,
  runConfirmation,
  sendInputConfirmation,
  type Confirmation,
  type JobView,
} from './confirmations';
import { registerE2eProbe } from './e2eProbe';
import { COPILOT_OWNER, LM_TOOLS, resultTexts, type LmTool } from './toolCatalog';

type Input = Record<string, unknown>;

const textResult = (texts: readonly string[]) => new vscode.LanguageModelToolResult(texts.map((t) => new vscode.LanguageModelTextPart(t)));

const asPrepared = (c: Confirmation): vscode.PreparedToolInvocation => ({ confirmationMessages: { title: c.title, message: c.message } });

/** Tools that start a process: refused in an untrusted workspace. */
/** Tools that start or drive a process (input drives the job's program, as the editor's Send Input…): refused in an untrusted workspace. */
const STARTS_PROCESS: ReadonlySet<string> = new Set([AGENT_TOOL.run.name, AGENT_TOOL.rerun.name, AGENT_TOOL.send_input.name]);

/** A tool's input as the log shows it: the text sent to a job (it may answer a password prompt) by its length only. */
const loggable = (input: unknown): string =>
  JSON.stringify(input, (key, value: unknown) => (key === 'text' && typeof value === 'string' ? `<${value.length} characters>` : value));

/** Tools that act on a job without being destructive, yet always ask the person (kill is destructive). */
const ASKS_FIRST: ReadonlySet<string> = new Set([AGENT_TOOL.rerun.name, AGENT_TOOL.send_input.name]);

/** The job a rerun or input names, as its confirmation shows it; undefined when Copilot may not touch it without force (invoke refuses). */
async function ownJobOrForced(root: string, jobInput: string, force: boolean): Promise<JobView | undefined> {
  const paths = await resolveJob(root, jobInput);
  const meta = await readMeta(paths);
  if (meta.owner !== COPILOT_OWNER && !force) return undefined;
  return { job_id: paths.id, command: meta.command, owner: meta.owner, cwd: meta.cwd };
}

/** The confirmation a run, rerun, input or kill needs, or undefined (other tools; input the call will reject; a job that is not running). */
async function confirmationFor(svc: Services, { tool }: LmTool, raw: Input): Promise<Confirmation | undefined> {
  // Untrusted: invoke refuses to run anything, so there is nothing to confirm.
  if (STARTS_PROCESS.has(tool.name) && !vscode.workspace.isTrusted) return undefined;
  const root = svc.jobs().root;
  if (tool === AGENT_TOOL.run) {
    const input = parseInput(AGENT_TOOL.run.input, raw);
    const { ready, singleton } = readyRequest(input);
    const { stdinPipe, stallAfterMs, stallKill } = attentionRequest(input);
    return runConfirmation({
      command: input.command,
      cwd: path.resolve(workspaceCwd(), input.cwd ?? '.'),
      envNames: Object.keys(input.env ?? {}),
      timeoutSeconds: input.timeout_seconds,
      ready,
      singleton,
      stdinPipe,
      ...(stallAfterMs !== undefined ? { stallAfterSeconds: stallAfterMs / 1000 } : {}),
      stallKill,
    });
  }
  if (tool === AGENT_TOOL.rerun) {
    const input = parseInput(AGENT_TOOL.rerun.input, raw);
    const job = await ownJobOrForced(root, input.job_id, input.force);
    return job && rerunConfirmation(job);
  }
  if (tool === AGENT_TOOL.send_input) {
    const input = parseInput(AGENT_TOOL.send_input.input, raw);
    const job = await ownJobOrForced(root, input.job_id, input.force);
    if (!job) return undefined;
    const { attention } = await getStatus(root, job.job_id);
    return sendInputConfirmation(job, {
      ...(input.text !== undefined ? { text: input.text } : {}),
      eof: input.eof,
      ...(attention?.kind === 'needs_input' ? { lastLine: attention.last_line } : {}),
    });
  }
  if (tool === AGENT_TOOL.kill) {
    const input = parseInput(AGENT_TOOL.kill.input, raw);
    // A dry run signals nothing: nothing to confirm.
    if (input.dry_run) return undefined;
    const desc = await describeKillTargets(root, await killTarget(root, input));
    if (desc.state !== 'running') return undefined;
    const meta = await readMeta(await resolveJob(root, desc.job_id));
    // Another owner's job without force: invoke refuses it (not_owner), so there is nothing to confirm.
    if (meta.owner !== COPILOT_OWNER && !input.force) return undefined;
    return killConfirmation(desc, meta, { signal: input.signal, graceSeconds: input.grace_seconds, noWait: input.no_wait });
  }
  return undefined;
}

function registerTool(svc: Services, lm: LmTool): vscode.Disposable {
  return vscode.lm.registerTool<Input>(lm.name, {
    async prepareInvocation(options) {
      try {
        const c = await confirmationFor(svc, lm, options.input);
        return c ? asPrepared(c) : { invocationMessage: lm.tool.title };
      } catch (err) {
        // Bad input or an unknown job: invoke answers with the same error envelope and does nothing.
        // Anything else (the job could not be inspected): a kill, rerun or input still needs a yes.
        svc.log.warn(`${lm.name} prepare: ${String(err)}`);
        if (err instanceof JobError || !(lm.tool.destructive || ASKS_FIRST.has(lm.tool.name))) return { invocationMessage: lm.tool.title };
        return asPrepared({ title: `${lm.tool.title}?`, message: `Copilot asks: ${loggable(options.input)}` });
      }
    },
    async invoke(options, token) {
      const abort = new AbortController();
      const sub = token.onCancellationRequested(() => abort.abort());
      try {
        if (STARTS_PROCESS.has(lm.tool.name)) requireTrustedWorkspace();
        const jobs = svc.jobs();
        const ctx = { root: jobs.root, launch: jobs.launchContext(workspaceCwd()), owner: COPILOT_OWNER, signal: abort.signal };
        const result = await lm.tool.invoke(options.input, ctx);
        const jobId = 'job_id' in result.envelope ? result.envelope.job_id : undefined;
        // The tree shows the change at once rather than on the next file event.
        if (typeof jobId === 'string' && !lm.tool.readOnly) jobs.queue(jobId);
        svc.log.info(`${lm.name} ${loggable(options.input)} → ${typeof jobId === 'string' ? jobId : 'ok'}`);
        return textResult(resultTexts(result));
      } catch (err) {
        svc.log.warn(`${lm.name} ${loggable(options.input)}: ${String(err)}`);
        return textResult([JSON.stringify(errorEnvelope(err))]);
      } finally {
        sub.dispose();
      }
    },
  });
}

/** The Copilot tools and (tests only) the e2e probe. */
export function registerTools(svc: Services): vscode.Disposable {
  return vscode.Disposable.from(...LM_TOOLS.map((lm) => registerTool(svc, lm)), ...registerE2eProbe(svc));
}
