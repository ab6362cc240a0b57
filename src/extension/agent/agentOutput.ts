/**
 * The return value of a programmatic command call (`executeCommand(id, args)`): the CLI's
 * envelope, or its error envelope — never an exception and never a UI prompt. With a `writeTo`
 * argument (an absolute path) the same JSON is also written there atomically (temp + rename,
 * 0600), for agents that read files rather than return values. No `vscode` here.
 */
import * as path from 'node:path';
import { errorEnvelope } from '../../core/envelope';
import { describeError, JobError } from '../../core/errors';
import { writeJsonAtomic } from '../../core/store/atomicWrite';
import { claimOwner, OWNER, READY_INPUT, readyRequest, SURFACE_OWNER, type ReadyRequest } from '../../agent/agentJob';
import { parseInput } from '../../agent/input';

export const WRITE_TO_ARG = 'writeTo';

/** Command id → agent tool name. */
export const AGENT_COMMANDS: Readonly<Record<string, string>> = {
  'agentExec.status': 'status',
  'agentExec.list': 'list',
  'agentExec.tail': 'output',
  'agentExec.wait': 'wait',
};

/**
 * Owner of a job started by a programmatic `agentExec.run`: `agent:<name>` for a bare name,
 * `agent:command` when absent; owners of the other surfaces (Copilot, HTTP, MCP, people) are refused.
 */
export function agentOwner(v: unknown): string {
  if (v === undefined || v === null) return SURFACE_OWNER.command;
  const owner = typeof v === 'string' && !v.includes(':') ? `agent:${v}` : v;
  if (typeof owner !== 'string' || !OWNER.test(owner))
    throw new JobError('invalid_request', '"owner" must be 1-100 printable ASCII characters, e.g. "agent:my-tool" or "my-tool"');
  return claimOwner('command', owner, true);
}

/**
 * The `run` tool's readiness and singleton fields among a programmatic `agentExec.run`'s
 * arguments (camelCase or snake_case), checked as the tool checks them; other arguments are the
 * command's own.
 */
export function agentRunReadiness(args: Readonly<Record<string, unknown>>): ReadyRequest {
  const given = Object.entries(snakeCaseKeys(args)).filter(([k]) => k in READY_INPUT);
  return readyRequest(parseInput(READY_INPUT, Object.fromEntries(given)));
}

/** A command's argument: a job id string, or an object of camelCase (or snake_case) fields. */
export function toolArgs(arg: unknown): Record<string, unknown> {
  if (typeof arg === 'string') return { jobId: arg };
  if (arg && typeof arg === 'object' && !Array.isArray(arg)) return { ...(arg as Record<string, unknown>) };
  return {};
}

/** `jobId` → `job_id`, `tailLines` → `tail_lines`; snake_case names pass unchanged (the agent tools' names). */
export const snakeCase = (key: string): string => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

export const snakeCaseKeys = (args: Readonly<Record<string, unknown>>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(args).map(([k, v]) => [snakeCase(k), v]));

/** `writeTo` taken out of the arguments (the command itself never sees it), checked. */
export function splitWriteTo(args: Readonly<Record<string, unknown>>): { writeTo?: string; rest: Record<string, unknown> } {
  const { [WRITE_TO_ARG]: writeTo, ...rest } = args;
  if (writeTo === undefined || writeTo === null) return { rest };
  if (typeof writeTo !== 'string' || !path.isAbsolute(writeTo)) {
    throw new JobError(
      'invalid_request',
      `"${WRITE_TO_ARG}" must be an absolute file path, e.g. {"${WRITE_TO_ARG}": "/tmp/agent-exec-result.json"}`,
    );
  }
  return { writeTo, rest };
}

/**
 * Runs a command's programmatic form and shapes its result. A bad `writeTo` fails before the
 * command runs (no side effect); a write that fails afterwards is reported through `warn`
 * and the result is still returned (the command did happen).
 */
export async function agentResult(
  args: Readonly<Record<string, unknown>>,
  run: (args: Readonly<Record<string, unknown>>) => Promise<object>,
  warn: (message: string) => void,
): Promise<object> {
  let split: ReturnType<typeof splitWriteTo>;
  try {
    split = splitWriteTo(args);
  } catch (err) {
    warn(describeError(err));
    return errorEnvelope(err);
  }
  let result: object;
  try {
    result = await run(split.rest);
  } catch (err) {
    warn(describeError(err));
    result = errorEnvelope(err);
  }
  if (split.writeTo) {
    await writeJsonAtomic(split.writeTo, result).catch((err: unknown) =>
      warn(`cannot write the result to ${split.writeTo}: ${describeError(err)}`),
    );
  }
  return result;
}
