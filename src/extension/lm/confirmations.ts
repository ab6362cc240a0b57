/**
 * What the person reads before Copilot runs, reruns, feeds or kills a job (prepareInvocation).
 * Pure text, so the wording is unit-tested: the command and where it runs, when it counts as
 * ready and whether a running job with its singleton key is returned instead; for a rerun, the
 * job's command and owner; for input, the job's command, its last line and the text itself (the
 * person confirming is the one who must see it); for a kill, the processes that will be
 * signalled (with their ages), the ports they listen on, who owns the job and how long it has
 * run — an agent acting on someone else's job says so.
 */
import { looksLikeSecretPrompt } from '../../core/ops/attention';
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
  /** `stdin_pipe`: the job's input stays open for send_input. */
  stdinPipe?: boolean;
  /** Stall watch in seconds (undefined = none). */
  stallAfterSeconds?: number;
  stallKill?: boolean;
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
  if (r.stdinPipe) lines.push('Input: kept open; Copilot may answer its prompts (each answer asks you first)');
  if (r.stallAfterSeconds !== undefined)
    lines.push(`Stall watch: ${r.stallAfterSeconds} s without output or CPU${r.stallKill ? ', then the job is killed' : ''}`);
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

/** The job as a rerun or input confirmation shows it. */
export type JobView = Pick<JobMeta, 'command' | 'owner' | 'cwd'> & { job_id: string };

/** The owner line, and a warning when the job is not Copilot's. */
function ownerLines(job: JobView, what: string): string[] {
  const lines = [`Owner: ${ownerText(job.owner)}`];
  if (job.owner !== COPILOT_OWNER) lines.push(`This job was not started by Copilot: allow only if you want ${what}.`);
  return lines;
}

export function rerunConfirmation(job: JobView): Confirmation {
  const lines = [
    `Copilot wants to run job ${shortId(job.job_id)} again (a new attempt; the earlier ones keep their logs):`,
    '',
    commandLine(job.command),
    '',
    ...(job.cwd !== undefined ? [`Working directory: ${job.cwd}`] : []),
    ...ownerLines(job, 'it run again'),
  ];
  return { title: `Rerun job ${shortId(job.job_id)}?`, message: lines.join('\n') };
}

export interface InputRequestView {
  text?: string;
  eof: boolean;
  /** What the job last printed (its question), when it waits for input. */
  lastLine?: string;
}

export function sendInputConfirmation(job: JobView, r: InputRequestView): Confirmation {
  const lines = [`Copilot wants to answer job ${shortId(job.job_id)}:`, '', commandLine(job.command), ''];
  if (r.lastLine !== undefined) lines.push(`It asks: ${r.lastLine}`);
  if (r.text !== undefined)
    lines.push(
      r.lastLine !== undefined && looksLikeSecretPrompt(r.lastLine)
        ? `Copilot types ${r.text.length} characters, not shown: the job asks for a secret (then Enter)`
        : `Copilot types: ${JSON.stringify(r.text)} (then Enter)`,
    );
  if (r.eof) lines.push('Then its input is closed (it reads end-of-file).');
  lines.push(...ownerLines(job, 'Copilot to answer it'));
  return { title: `Send input to job ${shortId(job.job_id)}?`, message: lines.join('\n') };
}
