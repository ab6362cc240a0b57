/**
 * Jobs launched for an agent (HTTP `POST /exec`, MCP `run`): the job definition agent-exec's
 * `/exec` builds (agent-exec-compat.md §6: inherited env plus the given entries, no env files, no
 * notifications, kill-after 0), with our fixes: the env values given are masked in
 * `meta.json` (§10.12), and the job records who started it (`meta.owner`). Every agent run also
 * takes the readiness and singleton fields (READY_INPUT), checked by readyRequest.
 *
 * And the ownership rule of the agent surfaces (MCP, HTTP, Copilot, agent commands): each
 * surface records owners in its own namespace (`<surface owner>` or `<surface owner>:<name>`)
 * and cannot claim another's; an agent kills its own jobs, and another owner's job only with
 * `force`, the answer then naming that owner. The same rule guards what an agent does to a job
 * it did not start: feeding its input (`send_input`) and running it again (`rerun`). People (the
 * UI) may do anything.
 *
 * Agent jobs also take the input-channel and attention fields (ATTENTION_INPUT, attentionRequest):
 * unlike a person's, an agent's job is watched for a stall by default (AGENT_STALL_AFTER_SECONDS),
 * so an agent does not wait its whole budget on a job that hangs.
 */
import { JobError } from '../core/errors';
import { definitionOf, type JobDefinition } from '../core/jobSpec';
import { PORT_RANGE } from '../core/ops/ports';
import { checkReadySpec, hasReadyCondition, regexProblem } from '../core/ops/ready';
import { singletonKeyProblem } from '../core/ops/singleton';
import type { ReadySpec } from '../core/schema';
import { readMeta, resolveJob } from '../core/store/jobDir';
import type { InputOf, InputSpec } from './input';

export type AgentSurface = 'copilot' | 'http' | 'mcp' | 'command';

/** The owner each agent surface records by default; `<owner>:<name>` is its namespace too. */
export const SURFACE_OWNER: Readonly<Record<AgentSurface, string>> = {
  copilot: 'agent:copilot',
  http: 'agent:http',
  mcp: 'agent:mcp',
  command: 'agent:command',
};

/** People's jobs (`human:vscode`, …): no agent surface may record such an owner. */
const PEOPLE_OWNER = 'human';

const inNamespace = (owner: string, base: string): boolean => owner === base || owner.startsWith(`${base}:`);

/** Whose namespace `owner` lies in: an agent surface, 'people', or nobody's (e.g. `agent:claude-code`). */
export function ownerNamespace(owner: string): AgentSurface | 'people' | undefined {
  if (inNamespace(owner, PEOPLE_OWNER)) return 'people';
  return (Object.keys(SURFACE_OWNER) as AgentSurface[]).find((s) => inNamespace(owner, SURFACE_OWNER[s]));
}

/**
 * `owner` if `surface` may record it: one in its own namespace, or with `unreserved` one in
 * nobody's (`agent:<name>`); an owner of another surface (or of people) is refused.
 */
export function claimOwner(surface: AgentSurface, owner: string, unreserved = false): string {
  const holder = ownerNamespace(owner);
  if (holder !== surface && !(unreserved && holder === undefined)) {
    const whose = holder === undefined ? 'is outside' : `belongs to ${holder === 'people' ? 'people' : `the ${holder} surface`}, not`;
    throw new JobError(
      'invalid_request',
      `owner ${JSON.stringify(owner)} ${whose} the ${surface} surface's names (${SURFACE_OWNER[surface]}[:<name>]) and cannot be claimed here`,
    );
  }
  return owner;
}

/** What an agent does to a job, as the `not_owner` error says it. */
export type OwnerAction = 'kill' | 'send input to' | 'rerun';

/**
 * The ownership rule for agents: `requester` kills (feeds, reruns) its own jobs (owner equal to
 * it or one of its sub-names); another owner's job (or one with no recorded owner) needs
 * `force`, else a `not_owner` error naming the owner. Returns what the answer adds: the owner of
 * a forced foreign job, nothing for an own job.
 */
export async function checkOwner(
  root: string,
  jobInput: string,
  requester: string,
  force: boolean,
  action: OwnerAction = 'kill',
): Promise<{ owner?: string | null }> {
  const paths = await resolveJob(root, jobInput);
  const owner = (await readMeta(paths)).owner;
  if (owner !== undefined && inNamespace(owner, requester)) return {};
  if (!force) {
    const whose = owner === undefined ? 'has no recorded owner (started by a person or the CLI)' : `was started by ${owner}`;
    throw new JobError(
      'not_owner',
      `job ${paths.id} ${whose}, not by ${requester}; to ${action} it anyway, repeat the request with force: true`,
      {
        job_id: paths.id,
        owner: owner ?? null,
      },
    );
  }
  return { owner: owner ?? null };
}

export interface AgentJobInput {
  command: string[];
  cwd?: string;
  env?: Record<string, string>;
  /** Seconds, may be fractional (agent-exec: ×1000 truncated to ms, then rounded up to whole seconds). */
  timeout?: number;
  owner: string;
  /** How the job becomes ready (readyRequest). */
  ready?: ReadySpec;
  /** Key under which a live job is reused instead of starting another. */
  singleton?: string;
  /** Input channel and attention (attentionRequest). */
  attention?: AttentionRequest;
}

/** What an owner may look like: short, printable, no control characters. */
export const OWNER = /^[\x21-\x7e][\x20-\x7e]{0,99}$/;

function checkEnv(env: Record<string, string>): void {
  for (const [k, v] of Object.entries(env)) {
    if (k === '' || k.includes('=') || k.includes('\0') || v.includes('\0')) {
      throw new JobError(
        'invalid_request',
        `invalid environment entry ${JSON.stringify(k)}: names must be non-empty without '=' or NUL, values without NUL`,
      );
    }
  }
}

export function agentJobDefinition(input: AgentJobInput): JobDefinition {
  if (!OWNER.test(input.owner)) throw new JobError('invalid_request', 'owner must be 1-100 printable ASCII characters');
  const env = input.env ?? {};
  checkEnv(env);
  return definitionOf(input.command, {
    ...(input.cwd !== undefined ? { cwd: input.cwd } : {}),
    env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
    mask: Object.keys(env),
    timeoutSec: Math.ceil(Math.trunc((input.timeout ?? 0) * 1000) / 1000),
    owner: input.owner,
    ...(input.ready !== undefined ? { ready: input.ready } : {}),
    ...(input.singleton !== undefined ? { singleton: input.singleton } : {}),
    ...input.attention,
  });
}

/** A port field (`kill`'s and `ports`' `port`, `ready_port`): 1 to 65535. */
export const PORT_FIELD = { type: 'integer', minimum: PORT_RANGE.min, maximum: PORT_RANGE.max } as const;

/**
 * Readiness and ensure-running fields of an agent's run (MCP/Copilot `run`, HTTP `POST /exec`),
 * the CLI's `--ready-*`, `--wait-ready` and `--singleton`; descriptions written for a model.
 */
export const READY_INPUT = {
  ready_port: {
    ...PORT_FIELD,
    description: 'Ready when a process of the job listens on this TCP/UDP port (e.g. 3000 for a dev server)',
  },
  ready_http: { type: 'string', description: 'Ready when this http:// or https:// URL answers with a status below 500' },
  ready_log: {
    type: 'string',
    description: 'Ready when a line of stdout or stderr matches this regular expression, e.g. "Listening on|ready in"',
  },
  ready_timeout: {
    type: 'number',
    minimum: 0,
    description: 'Seconds after the start (> 0): a job not ready by then gets ready "timed_out" (needs a ready condition)',
  },
  ready_timeout_kill: { type: 'boolean', default: false, description: 'Kill the job when its ready_timeout passes' },
  wait_ready: {
    type: 'boolean',
    default: false,
    description:
      'Return once the job is ready (or ends, or the wait deadline passes) instead of at its first output; needs a ready condition',
  },
  singleton: {
    type: 'string',
    description:
      'Ensure running: when a running job was started with this key (by anyone), return it (reused: true) instead of starting another',
  },
} as const satisfies InputSpec;

export interface ReadyRequest {
  ready?: ReadySpec;
  singleton?: string;
  /** Observe until ready (wait_ready; a singleton with a ready condition waits for it anyway, core runJob). */
  untilReady: boolean;
}

/** READY_INPUT's fields, checked (`invalid_request` naming the field), as the job definition and observation take them. */
export function readyRequest(input: InputOf<typeof READY_INPUT>): ReadyRequest {
  const spec: ReadySpec = {
    ...(input.ready_port !== undefined ? { port: input.ready_port } : {}),
    ...(input.ready_http !== undefined ? { http: input.ready_http } : {}),
    ...(input.ready_log !== undefined ? { log: input.ready_log } : {}),
    // Rounded up: a positive timeout stays positive.
    ...(input.ready_timeout !== undefined ? { timeout_ms: Math.ceil(input.ready_timeout * 1000) } : {}),
    ...(input.ready_timeout_kill ? { timeout_kill: true } : {}),
  };
  const ready = Object.keys(spec).length > 0 ? checkReadySpec(spec) : undefined;
  if (input.wait_ready && !hasReadyCondition(ready))
    throw new JobError('invalid_request', 'wait_ready needs a ready condition: give ready_port, ready_http or ready_log');
  const keyProblem = input.singleton !== undefined ? singletonKeyProblem(input.singleton) : undefined;
  if (keyProblem) throw new JobError('invalid_request', `invalid singleton: ${keyProblem}`);
  return {
    ...(ready ? { ready } : {}),
    ...(input.singleton !== undefined ? { singleton: input.singleton } : {}),
    untilReady: input.wait_ready,
  };
}

/** The stall watch agent surfaces give their jobs unless told otherwise (people's jobs have none). */
export const AGENT_STALL_AFTER_SECONDS = 300;

/**
 * Input channel and attention fields of an agent's run (MCP/Copilot `run`, HTTP `POST /exec`),
 * the CLI's `--stdin-pipe`, `--input-prompt`, `--stall-after` and `--stall-kill`.
 */
export const ATTENTION_INPUT = {
  stdin_pipe: {
    type: 'boolean',
    default: false,
    description:
      "Keep the job's stdin open as a pipe you feed with send_input: a program that asks a question waits for your answer (attention needs_input) instead of reading end-of-file",
  },
  input_prompt: {
    type: 'string',
    description:
      'With stdin_pipe: an output line matching this regular expression also counts as a prompt (besides [y/N], Password:, a line ending in ": " or "? ")',
  },
  stall_after: {
    type: 'number',
    minimum: 0,
    description: `Seconds without output and without CPU time after which the job gets attention "stalled" (default ${AGENT_STALL_AFTER_SECONDS}; 0 = do not watch)`,
  },
  stall_kill: { type: 'boolean', default: false, description: 'Kill the job once it is stalled (needs a stall watch)' },
} as const satisfies InputSpec;

export type AttentionRequest = Pick<JobDefinition, 'stdinPipe' | 'inputPrompt' | 'stallAfterMs' | 'stallKill'>;

/** ATTENTION_INPUT's fields, checked (`invalid_request` naming the field), as the job definition takes them. */
export function attentionRequest(input: InputOf<typeof ATTENTION_INPUT>): AttentionRequest {
  const promptProblem = input.input_prompt !== undefined ? regexProblem(input.input_prompt) : undefined;
  if (promptProblem) throw new JobError('invalid_request', `invalid input_prompt: ${promptProblem}`);
  if (input.input_prompt !== undefined && !input.stdin_pipe)
    throw new JobError('invalid_request', 'input_prompt needs stdin_pipe: true (only a job with an input channel waits for input)');
  const stallMs = Math.ceil((input.stall_after ?? AGENT_STALL_AFTER_SECONDS) * 1000);
  if (input.stall_kill && stallMs === 0)
    throw new JobError('invalid_request', 'stall_kill needs a stall watch: stall_after must be above 0');
  return {
    ...(input.stdin_pipe ? { stdinPipe: true } : {}),
    ...(input.input_prompt !== undefined ? { inputPrompt: input.input_prompt } : {}),
    ...(stallMs > 0 ? { stallAfterMs: stallMs } : {}),
    ...(input.stall_kill ? { stallKill: true } : {}),
  };
}
