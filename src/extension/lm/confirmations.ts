/**
 * What the person reads before Copilot runs or kills a job (prepareInvocation). Pure text, so
 * the wording is unit-tested: the command and where it runs, when it counts as ready and whether
 * a running job with its singleton key is returned instead; for a kill, the processes that
 * will be signalled (with their ages), the ports they listen on, who owns the job and how long it
 * has run — an agent stopping someone else's job says so.
 */
import type { KillTargetsDescription } from '../../core/ops/kill';
import type { JobMeta, ReadySpec } from '../../core/schema';
import { commandLine } from '../../shared/commandLine';
import { ageText, portsText } from '../views/killPreview';
import { COPILOT_OWNER } from './toolCatalog';

export interface Confirmation {
  title: string;
  message: string;
}

/** Processes listed in a kill confirmation; the rest are counted. */
export const MAX_LISTED_TARGETS = 12;

const shortId = (id: string) => id.slice(0, 8);

export interface RunRequestView {
  command: readonly string[];
  /** Resolved working directory. */
  cwd: string;
  envNames: readonly string[];
  timeoutSeconds?: number;
  ready?: ReadySpec;
  singleton?: string;
}

/** A ready spec in words: every condition (all must hold), then what its timeout does. */
export function readyText(spec: ReadySpec): string {
  const conditions = [
    ...(spec.port !== undefined ? [`a process of the job listens on port ${spec.port}`] : []),
    ...(spec.http !== undefined ? [`${spec.http} answers`] : []),
    ...(spec.log !== undefined ? [`an output line matches /${spec.log}/`] : []),
  ];
  const timeout =
    spec.timeout_ms !== undefined
      ? `; not ready after ${spec.timeout_ms / 1000} s: ${spec.timeout_kill ? 'timed out, and the job is killed' : 'timed out'}`
      : '';
  return `${conditions.join(' and ')}${timeout}`;
}

export function runConfirmation(r: RunRequestView): Confirmation {
  const lines = [`Copilot wants to run this command as a background job:`, '', commandLine(r.command), '', `Working directory: ${r.cwd}`];
  if (r.envNames.length > 0) lines.push(`Extra environment: ${r.envNames.join(', ')} (values are not stored in clear)`);
  if (r.timeoutSeconds) lines.push(`Time limit: ${r.timeoutSeconds} s`);
  if (r.ready) lines.push(`Ready when: ${readyText(r.ready)}`);
  if (r.singleton !== undefined)
    lines.push(
      `Singleton key: ${JSON.stringify(r.singleton)} — if a job started with this key is running (whoever started it), Copilot gets that job back and nothing new is started`,
    );
  lines.push(
    '',
    `The job is recorded with owner ${COPILOT_OWNER}. It keeps running after the tool call returns; the Jobs view shows it and can stop it.`,
  );
  return { title: 'Run a background job?', message: lines.join('\n') };
}

export interface KillRequestView {
  signal: string;
  graceSeconds: number;
  noWait: boolean;
}

/** Who owns a job, in words; undefined owner = started before owners were recorded, or by agent-exec itself. */
export function ownerText(owner: string | undefined): string {
  if (owner === COPILOT_OWNER) return `${COPILOT_OWNER} (started by Copilot)`;
  if (owner === undefined) return 'not recorded (started by the agent-exec CLI or an older tool) — not started by Copilot';
  return `${owner} — not started by Copilot`;
}

export function killConfirmation(desc: KillTargetsDescription, meta: Pick<JobMeta, 'command' | 'owner'>, k: KillRequestView): Confirmation {
  const foreign = meta.owner !== COPILOT_OWNER;
  const then = k.noWait || k.signal === 'KILL' ? '' : `, then KILL to whatever is left after ${k.graceSeconds} s`;
  const lines = [
    `Copilot wants to send ${k.signal} to job ${shortId(desc.job_id)}${then}:`,
    '',
    commandLine(meta.command),
    '',
    `Owner: ${ownerText(meta.owner)}`,
  ];
  if (desc.running_for_s !== undefined) lines.push(`Running for: ${ageText(desc.running_for_s)}`);
  if (desc.ports.length > 0) lines.push(`Listening on: ${portsText(desc.ports)} (these ports will be freed)`);
  if (foreign) lines.push('This job was not started by Copilot: allow only if you want it stopped.');
  lines.push('');
  if (desc.targets.length === 0) {
    lines.push('No live process of the job was found right now; the job will only be recorded as killed.');
  } else {
    lines.push(`Processes that will be signalled (${desc.targets.length}):`);
    for (const t of desc.targets.slice(0, MAX_LISTED_TARGETS))
      lines.push(`  ${t.pid}  ${t.command || '?'}  [${t.reason}${t.age_s !== undefined ? `, up ${ageText(t.age_s)}` : ''}]`);
    if (desc.targets.length > MAX_LISTED_TARGETS) lines.push(`  … and ${desc.targets.length - MAX_LISTED_TARGETS} more`);
  }
  lines.push('', 'The editor, its extension host and Copilot itself are never signalled, even when they run inside the job.');
  return {
    title: foreign ? `Kill a job Copilot did not start (${shortId(desc.job_id)})?` : `Kill job ${shortId(desc.job_id)}?`,
    message: lines.join('\n'),
  };
}
