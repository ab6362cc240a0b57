/**
 * Jobs launched for an agent (HTTP `POST /exec`, MCP `run`): the job definition agent-exec's
 * `/exec` builds (contract §6: inherited env plus the given entries, no env files, no
 * notifications, kill-after 0), with our fixes: the env values given are masked in
 * `meta.json` (§10.12), and the job records who started it (`meta.owner`).
 */
import { JobError } from '../core/errors';
import type { JobDefinition } from '../core/jobSpec';

export interface AgentJobInput {
  command: string[];
  cwd?: string;
  env?: Record<string, string>;
  /** Seconds, may be fractional (agent-exec: ×1000 truncated to ms, then rounded up to whole seconds). */
  timeout?: number;
  owner: string;
}

/** What an owner may look like: short, printable, no control characters. */
export const OWNER = /^[\x21-\x7e][\x20-\x7e]{0,99}$/;

function checkEnv(env: Record<string, string>): void {
  for (const [k, v] of Object.entries(env)) {
    if (k === '' || k.includes('=') || k.includes('\0') || v.includes('\0')) {
      throw new JobError('invalid_request', `invalid environment entry ${JSON.stringify(k)}: names must be non-empty without '=' or NUL, values without NUL`);
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
  };
}
