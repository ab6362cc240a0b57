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
 * `force`, the answer then naming that owner. People (the UI) may kill anything.
 */
import { JobError } from '../core/errors';
import type { JobDefinition } from '../core/jobSpec';
import { PORT_RANGE } from '../core/ops/ports';
import { checkReadySpec, hasReadyCondition } from '../core/ops/ready';
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

/**
 * The kill rule for agents: `requester` kills its own jobs (owner equal to it or one of its
 * sub-names); another owner's job (or one with no recorded owner) needs `force`, else a
 * `not_owner` error naming the owner. Returns what the kill answer adds: the owner of a
 * forced foreign job, nothing for an own job.
 */
export async function checkKillOwner(
  root: string,
  jobInput: string,
  requester: string,
  force: boolean,
): Promise<{ owner?: string | null }> {
  const paths = await resolveJob(root, jobInput);
  const owner = (await readMeta(paths)).owner;
  if (owner !== undefined && inNamespace(owner, requester)) return {};
  if (!force) {
    const whose = owner === undefined ? 'has no recorded owner (started by a person or the CLI)' : `was started by ${owner}`;
    throw new JobError(
      'not_owner',
      `job ${paths.id} ${whose}, not by ${requester}; to kill it anyway, repeat the request with force: true`,
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
  return {
    command: input.command,
    ...(input.cwd !== undefined ? { cwd: input.cwd } : {}),
    env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
    envFiles: [],
    inheritEnv: true,
    mask: Object.keys(env),
    tags: [],
    timeoutSec: Math.ceil(Math.trunc((input.timeout ?? 0) * 1000) / 1000),
    killAfterSec: 0,
    progressEverySec: 0,
    owner: input.owner,
    ...(input.ready !== undefined ? { ready: input.ready } : {}),
    ...(input.singleton !== undefined ? { singleton: input.singleton } : {}),
  };
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
