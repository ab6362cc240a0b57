/**
 * What the Jobs tree shows, as plain data (no `vscode`): order, label, description, icon,
 * tooltip and menu context of each job. jobsTree.ts turns it into TreeItems.
 */
import { constants } from 'node:os';
import { isTerminal } from '../../core/schema';
import { commandLine } from '../../shared/commandLine';
import { formatDuration } from '../../shared/duration';
import { formatShortTime } from '../../shared/time';
import { jobContextValue } from '../ids';
import { JobService, type JobSnapshot } from '../jobs/jobService';
import type { PortListener } from '../../core/process/ports';
import type { Attention } from '../../core/ops/attention';
import { browserUrl, jobPort, type JobLive } from '../jobs/readyWatcher';
import { portsText } from './killPreview';

/** The tree's label rule, also what the Copilot confirmations show. */

/** The state a job is drawn as: its status, with failures split into lost and non-zero exits. */
export type JobLook = 'running' | 'created' | 'succeeded' | 'exitedNonZero' | 'killed' | 'failed' | 'lost';

/** How a running job that needs someone is drawn instead of the spinner. */
export const ATTENTION_ICONS: Record<Attention['kind'], { id: string; color: string }> = {
  needs_input: { id: 'comment-unresolved', color: 'charts.yellow' },
  stalled: { id: 'watch', color: 'list.warningForeground' },
};

export interface JobPresentation {
  label: string;
  description: string;
  look: JobLook;
  /** Codicon id and theme colour id. */
  icon: { id: string; color: string };
  tooltip: string;
  contextValue: string;
}

export const ICONS: Record<JobLook, { id: string; color: string }> = {
  running: { id: 'sync~spin', color: 'charts.blue' },
  created: { id: 'circle-large-outline', color: 'disabledForeground' },
  succeeded: { id: 'pass', color: 'testing.iconPassed' },
  exitedNonZero: { id: 'error', color: 'testing.iconFailed' },
  killed: { id: 'circle-slash', color: 'charts.orange' },
  failed: { id: 'warning', color: 'list.warningForeground' },
  lost: { id: 'debug-disconnect', color: 'list.warningForeground' },
};

export function lookOf(job: JobSnapshot): JobLook {
  if (JobService.isLost(job)) return 'lost';
  const st = job.state;
  switch (st.job.status) {
    case 'running':
      return 'running';
    case 'created':
      return 'created';
    case 'killed':
      return 'killed';
    case 'failed':
      return 'failed';
    case 'exited':
      return st.result.exit_code === 0 ? 'succeeded' : 'exitedNonZero';
  }
}

const SIGNAL_NAMES = new Map(Object.entries(constants.signals).map(([name, n]) => [String(n), name.replace(/^SIG/, '')]));

/** `9` → `KILL`, `SIGTERM` → `TERM` (agent-exec records either form). */
export const signalName = (s: string): string => (/^\d+$/.test(s) ? (SIGNAL_NAMES.get(s) ?? `signal ${s}`) : s.replace(/^SIG/, ''));

function durationOf(job: JobSnapshot): number | undefined {
  const st = job.state;
  if (st.result.duration_ms !== null) return st.result.duration_ms;
  const start = Date.parse(st.job.started_at ?? job.meta.created_at);
  const end = st.finished_at ? Date.parse(st.finished_at) : NaN;
  return Number.isFinite(start) && Number.isFinite(end) ? end - start : undefined;
}

/** Short outcome: "running", "exited 0", "exited 130", "killed (TERM)", "failed", "lost". */
export function outcome(job: JobSnapshot): string {
  const st = job.state;
  const look = lookOf(job);
  if (look === 'lost') return 'lost';
  if (st.job.status === 'exited') return `exited ${st.result.exit_code ?? '?'}`;
  if (st.job.status === 'killed') return st.result.signal ? `killed (${signalName(st.result.signal)})` : 'killed';
  return st.job.status;
}

/** A running job's readiness in a word or two: "starting…", "ready :3000", "not ready (timed out)". */
export function readyText(job: JobSnapshot, live: JobLive | undefined): string | undefined {
  const ready = job.state.job.status === 'running' ? live?.ready?.ready : undefined;
  if (ready === 'pending') return 'starting…';
  if (ready === 'timed_out') return 'not ready (timed out)';
  if (ready !== 'ready') return undefined;
  const port = jobPort(job.meta, live);
  return port !== undefined ? `ready :${port}` : 'ready';
}

/** "waiting for input", "stalled 5m": a running job that needs someone (the duration since it went quiet). */
export function attentionText(attention: Attention, now: Date): string {
  if (attention.kind === 'needs_input') return 'waiting for input';
  const quiet = now.getTime() - Date.parse(attention.since);
  return Number.isFinite(quiet) ? `stalled ${formatDuration(Math.max(0, quiet))}` : 'stalled';
}

/** `:3000, :5353`: the ports a job listens on, each once. */
const shortPorts = (ports: readonly PortListener[]): string => [...new Set(ports.map((p) => `:${p.port}`))].join(', ');

/**
 * The description: the outcome (or what the job waits for, or its readiness) with "since <time>"
 * and the ports it listens on while running, the duration once finished.
 */
export function describe(job: JobSnapshot, now: Date, live?: JobLive, attention?: Attention): string {
  const st = job.state;
  if (!isTerminal(st.job.status)) {
    const since = st.job.started_at ?? job.meta.created_at;
    const ready = (attention && attentionText(attention, now)) ?? readyText(job, live);
    const ports = !ready && live && live.ports.length > 0 ? ` · ${shortPorts(live.ports)}` : '';
    return `${ready ?? outcome(job)}${ports} · since ${formatShortTime(since, now)}`;
  }
  const d = durationOf(job);
  return d === undefined ? outcome(job) : `${outcome(job)} · ${formatDuration(d)}`;
}

const md = (s: string) => s.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');

/** A running job's readiness for the tooltip. */
function readyRow(job: JobSnapshot, live: JobLive | undefined, now: Date): string | undefined {
  const ready = job.state.job.status === 'running' ? live?.ready : undefined;
  if (ready?.ready === 'ready') return ready.ready_at ? `ready since ${formatShortTime(ready.ready_at, now)}` : 'ready';
  return ready ? readyText(job, live) : undefined;
}

/**
 * `ports`: the job's listening sockets when they were looked up (the tree does so when the
 * tooltip is shown), else those of `live`, what the readiness watcher saw last.
 */
export function tooltipMarkdown(
  job: JobSnapshot,
  now: Date,
  ports?: readonly PortListener[],
  live?: JobLive,
  attention?: Attention,
): string {
  const { meta, state: st } = job;
  const held = ports ?? (st.job.status === 'running' ? live?.ports : undefined) ?? [];
  const rows: [string, string | undefined][] = [
    ['State', outcome(job)],
    [
      attention?.kind === 'needs_input' ? 'Waiting for input' : 'Stalled',
      attention ? `\`${attention.last_line.replace(/`/g, "'")}\`` : undefined,
    ],
    ['Ready', readyRow(job, live, now)],
    ['Job id', `\`${job.id}\``],
    ['PID', st.pid !== undefined ? String(st.pid) : undefined],
    ['Ports', held.length > 0 ? portsText(held) : undefined],
    ['Cwd', meta.cwd !== undefined ? md(meta.cwd) : undefined],
    ['Tags', meta.tags.length > 0 ? meta.tags.map((t) => `\`${t}\``).join(' ') : undefined],
    ['Created', formatShortTime(meta.created_at, now)],
    ['Started', st.job.started_at ? formatShortTime(st.job.started_at, now) : undefined],
    ['Finished', st.finished_at ? formatShortTime(st.finished_at, now) : undefined],
    ['Duration', isTerminal(st.job.status) ? (durationOf(job) !== undefined ? formatDuration(durationOf(job)!) : undefined) : undefined],
    ['Error', st.error !== undefined ? md(st.error) : undefined],
  ];
  const fence = '```';
  return [
    `${fence}sh\n${commandLine(meta.command)}\n${fence}`,
    '',
    ...rows.filter(([, v]) => v !== undefined).map(([k, v]) => `**${k}:** ${v}  `),
  ].join('\n');
}

export function present(job: JobSnapshot, now: Date, live?: JobLive, attention?: Attention): JobPresentation {
  const look = lookOf(job);
  const inputChannel = job.meta.stdin_pipe === true && look === 'running';
  return {
    label: commandLine(job.meta.command),
    description: describe(job, now, live, attention),
    look,
    icon: attention && look === 'running' ? ATTENTION_ICONS[attention.kind] : ICONS[look],
    tooltip: tooltipMarkdown(job, now, undefined, live, attention),
    contextValue: jobContextValue(job.state.job.status, look === 'lost', browserUrl(job.meta, live) !== undefined, inputChannel),
  };
}

const time = (iso: string | undefined) => (iso ? Date.parse(iso) || 0 : 0);

/** Unfinished jobs the tree shows at most (created jobs that never start pile up too); the rest are in the job panel. */
export const MAX_ACTIVE_JOBS = 500;

/**
 * The tree's rows: at most `maxActive` unfinished jobs first (newest first), then at most
 * `maxFinished` finished ones, most recently finished first.
 */

export function visibleJobs(jobs: readonly JobSnapshot[], maxFinished: number, maxActive = MAX_ACTIVE_JOBS): JobSnapshot[] {
  // Sort keys are parsed once per job, not once per comparison (1 000 jobs: ~10 000 comparisons).
  const active: [number, JobSnapshot][] = [];
  const finished: [number, JobSnapshot][] = [];
  for (const j of jobs) {
    if (isTerminal(j.state.job.status)) finished.push([time(j.state.finished_at ?? j.meta.created_at), j]);
    else active.push([time(j.meta.created_at), j]);
  }
  const newestFirst = (a: [number, JobSnapshot], b: [number, JobSnapshot]) => b[0] - a[0] || (a[1].id < b[1].id ? -1 : 1);
  active.sort(newestFirst);
  finished.sort(newestFirst);
  return [...active.slice(0, maxActive), ...finished.slice(0, Math.max(0, maxFinished))].map(([, j]) => j);
}

export const runningCount = (jobs: readonly JobSnapshot[]): number =>
  jobs.reduce((n, j) => n + (j.state.job.status === 'running' ? 1 : 0), 0);

export type GroupBy = 'none' | 'state' | 'folder';

export interface JobGroup {
  /** Stable key (the tree item id of the group). */
  key: string;
  label: string;
  jobs: JobSnapshot[];
}

const STATE_GROUPS: { key: string; label: string; has: (j: JobSnapshot) => boolean }[] = [
  { key: 'running', label: 'Running', has: (j) => !isTerminal(j.state.job.status) },
  { key: 'failed', label: 'Failed', has: (j) => ['exitedNonZero', 'failed', 'lost'].includes(lookOf(j)) },
  { key: 'killed', label: 'Killed', has: (j) => j.state.job.status === 'killed' },
  { key: 'succeeded', label: 'Succeeded', has: (j) => lookOf(j) === 'succeeded' },
];

/**
 * The visible rows in groups (empty groups left out), keeping their order inside each group:
 * by state, or by the workspace folder holding the job's cwd (the deepest match; "Other" last).
 */
export function groupJobs(
  rows: readonly JobSnapshot[],
  by: Exclude<GroupBy, 'none'>,
  folders: readonly { name: string; path: string }[],
): JobGroup[] {
  if (by === 'state') {
    return STATE_GROUPS.map((g) => ({ key: `state:${g.key}`, label: g.label, jobs: rows.filter(g.has) })).filter((g) => g.jobs.length > 0);
  }
  const sorted = [...folders].sort((a, b) => b.path.length - a.path.length);
  const within = (dir: string, root: string) => dir === root || dir.startsWith(root.endsWith('/') ? root : `${root}/`);
  const groups = new Map<string, JobGroup>(folders.map((f) => [f.path, { key: `folder:${f.path}`, label: f.name, jobs: [] }]));
  const other: JobGroup = { key: 'folder:', label: 'Other', jobs: [] };
  for (const j of rows) {
    const f = j.meta.cwd !== undefined ? sorted.find((x) => within(j.meta.cwd!, x.path)) : undefined;
    (f ? groups.get(f.path)! : other).jobs.push(j);
  }
  return [...groups.values(), other].filter((g) => g.jobs.length > 0);
}
