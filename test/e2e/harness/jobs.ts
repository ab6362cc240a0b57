/** Job-store helpers for the e2e tests: the CLI against the session's root, and reading records. */
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { runCli } from '../../helpers/cli';
import type { Session } from './session';
import { until } from './processes';

/** A job that exits 130 on SIGINT (like a shell script interrupted with Ctrl-C). */
export const TRAPS_INT = `trap 'exit 130' INT; echo ready; while :; do sleep 0.2; done`;
/** A job (and its children: an ignored signal stays ignored across exec) that ignores SIGTERM. */
export const IGNORES_TERM = `trap '' TERM; echo ready; while :; do sleep 0.2; done`;

/** Starts a job with the real CLI (dist/cli.js) on the session's job root, with `run` flags (`--ready-port 3000`); returns its id. */
export async function cliRun(s: Session, commandLine: string, flags: string[] = []): Promise<string> {
  const r = await runCli(['run', '--no-wait', ...flags, '--', commandLine], {
    cwd: s.workspace,
    env: { ...s.env, AGENT_EXEC_ROOT: s.jobRoot },
  });
  if (r.code !== 0 || !r.json?.ok) throw new Error(`agent-exec run failed: ${r.stdout} ${r.stderr}`);
  return r.json.job_id as string;
}

export function jobIds(s: Session): string[] {
  try {
    return readdirSync(s.jobRoot).filter((n) => /^[0-9a-f]{32}$/.test(n));
  } catch {
    return [];
  }
}

export function readJobState(
  s: Session,
  id: string,
): { job: { status: string }; result: { exit_code: number | null; signal: string | null }; pid?: number } {
  return JSON.parse(readFileSync(path.join(s.jobRoot, id, 'state.json'), 'utf8'));
}

/** Waits for a job id that is not in `before` to appear in the store. */
export async function newJob(s: Session, before: readonly string[], timeoutMs = 20_000): Promise<string> {
  let found: string | undefined;
  await until(() => (found = jobIds(s).find((id) => !before.includes(id))) !== undefined, timeoutMs, 'a new job in the store');
  return found!;
}
