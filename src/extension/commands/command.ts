/**
 * How every command is registered: one error path, and two ways to be called.
 * - From the UI (palette, tree, keybinding): the handler resolves its target with pickers and
 *   reports problems in one message; the tree passes the clicked node and the selection.
 * - Programmatically, `executeCommand(id, {jobId, …})` or `executeCommand(id, '<job id>')`: no UI,
 *   the result is the same JSON object the CLI prints (an error envelope on failure).
 */
import * as vscode from 'vscode';
import { describeError, JobError } from '../../core/errors';
import { agentResult } from '../agent/agentOutput';
import type { CommandId } from '../ids';
import type { ExtensionConfig } from '../config';
import type { JobService } from '../jobs/jobService';
import type { AttentionWatcher } from '../jobs/attentionWatcher';
import type { ReadyWatcher } from '../jobs/readyWatcher';
import type { Logger } from '../log';
import { GroupNode, JobNode } from '../views/jobsTree';

/** What commands work with, built once by the composition root. */
export interface Services {
  readonly jobs: () => JobService;
  /** Readiness and ports of the running jobs. */
  readonly live: () => ReadyWatcher;
  /** Running jobs waiting for input or stalled. */
  readonly attention: () => AttentionWatcher;
  readonly config: () => ExtensionConfig;
  readonly log: Logger;
  readonly context: vscode.ExtensionContext;
}

export type Invocation =
  { readonly kind: 'ui'; readonly nodes: readonly JobNode[] } | { readonly kind: 'api'; readonly args: Readonly<Record<string, unknown>> };

export interface CommandHandler {
  ui(nodes: readonly JobNode[]): Promise<unknown>;
  /** Absent for UI-only commands: a programmatic call then behaves like a UI call. */
  api?(args: Readonly<Record<string, unknown>>): Promise<object>;
}

function invocationOf(arg: unknown, selection: unknown): Invocation {
  if (arg instanceof JobNode) {
    const selected = Array.isArray(selection) ? selection.filter((n): n is JobNode => n instanceof JobNode) : [];
    return { kind: 'ui', nodes: selected.some((n) => n.jobId === arg.jobId) ? selected : [arg] };
  }
  if (arg instanceof GroupNode) return { kind: 'ui', nodes: [] };
  if (typeof arg === 'string') return { kind: 'api', args: { jobId: arg } };
  if (typeof arg === 'object' && arg !== null && !Array.isArray(arg)) return { kind: 'api', args: arg as Record<string, unknown> };
  return { kind: 'ui', nodes: [] };
}

export function registerCommand(svc: Services, id: CommandId, handler: CommandHandler): vscode.Disposable {
  return vscode.commands.registerCommand(id, async (arg?: unknown, selection?: unknown) => {
    const inv = invocationOf(arg, selection);
    svc.log.trace(`${id}: ${inv.kind === 'ui' ? `${inv.nodes.length} job(s) from the tree` : `programmatic ${JSON.stringify(inv.args)}`}`);
    const api = handler.api;
    // The CLI's envelope or error envelope, also written to a `writeTo` file when given.
    if (inv.kind === 'api' && api) return agentResult(inv.args, api, (m) => svc.log.warn(`${id} ${JSON.stringify(inv.args)}: ${m}`));
    try {
      return await handler.ui(inv.kind === 'ui' ? inv.nodes : []);
    } catch (err) {
      svc.log.error(`${id}: ${describeError(err)}`);
      void vscode.window.showErrorMessage(`Agent Exec: ${describeError(err)}`);
      return undefined;
    }
  });
}

/** A string argument of a programmatic call, or a teaching error. */
export function stringArg(args: Readonly<Record<string, unknown>>, key: string): string {
  const v = args[key];
  if (typeof v !== 'string' || v === '') throw new JobError('invalid_request', `expected a string "${key}" argument, e.g. {"${key}": "…"}`);
  return v;
}
