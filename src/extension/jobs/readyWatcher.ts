/**
 * Readiness and listening ports of the running jobs, for the tree, the panel, "Open in Browser"
 * and the ready notification (issue 13), without `vscode`. The JobService's file watching says
 * when a job changed (its state, its logs): the job is looked at again, at most once per
 * LOOK_EVERY_MS. A job whose readiness is still pending and waits on a port or a URL (neither
 * makes a file event) is looked at on that tick too; one that is decided, or not running, is
 * never probed. No timer runs while there is nothing to look at.
 */
import { jobPorts } from '../../core/ops/ports';
import { observeReady, readyDecided, readySpecOf, readyUrlProblem, ReadyProbe, type ReadyFields } from '../../core/ops/ready';
import type { PortListener } from '../../core/process/ports';
import type { JobMeta } from '../../core/schema';
import { jobPaths } from '../../core/store/jobDir';
import { Emitter, type Event } from '../lifecycle';
import type { JobSnapshot } from './jobService';
import { LookRounds, type LiveSource } from './lookRounds';

/** What is known of a running job beyond its records. */
export interface JobLive {
  /** Its readiness, when it declares how it becomes ready. */
  readonly ready?: ReadyFields;
  /** The sockets its processes listened on at the last look. */
  readonly ports: readonly PortListener[];
}

export interface ReadyEvent {
  readonly job: JobSnapshot;
  /** This watcher saw the job pending before: it became ready while watched (not before a window reload). */
  readonly sawPending: boolean;
}

/** The shortest time between two looks at the jobs (a chatty log must not make a /proc scan per line). */
const LOOK_EVERY_MS = 500;
/** Jobs looked at in one round at most (a store-wide change with hundreds of running jobs is spread over rounds). */
const MAX_LOOKS_PER_ROUND = 32;

export class ReadyWatcher extends LookRounds {
  private readonly live = new Map<string, JobLive>();
  private readonly probes = new Map<string, ReadyProbe>();
  /** Which attempt of each job `live` and `probes` describe (a rerun reuses the id). */
  private readonly attempts = new Map<string, string>();
  /** Running jobs that changed since their last look. */
  private readonly dirty = new Set<string>();

  private readonly _onDidBecomeReady = this._register(new Emitter<ReadyEvent>());
  /** A running job was seen ready for the first time by this watcher. */
  readonly onDidBecomeReady: Event<ReadyEvent> = this._onDidBecomeReady.event;

  constructor(jobs: LiveSource, log: (message: string) => void, everyMs = LOOK_EVERY_MS) {
    super(jobs, log, 'readiness', everyMs);
    this.changed(undefined);
  }

  get(id: string): JobLive | undefined {
    return this.live.get(id);
  }

  /** True while some job waits on a port or URL to become ready: those are looked at on every tick. */
  get polling(): boolean {
    return this.pollingIds().length > 0;
  }

  private pollingIds(): string[] {
    const ids: string[] = [];
    for (const [id, probe] of this.probes) if (probe.pollMs !== undefined && !readyDecided(this.live.get(id)?.ready)) ids.push(id);
    return ids;
  }

  protected changed(ids: readonly string[] | undefined): void {
    const all = ids ?? [...new Set([...this.live.keys(), ...this.jobs.all().map((j) => j.id)])];
    const gone: string[] = [];
    for (const id of all) {
      if (this.jobs.get(id)?.state.job.status === 'running') this.dirty.add(id);
      else if (this.forget(id)) gone.push(id);
    }
    if (gone.length > 0) this._onDidChange.fire(gone);
    this.schedule();
  }

  /** True when something was known of the job. */
  private forget(id: string): boolean {
    this.dirty.delete(id);
    this.probes.delete(id);
    this.attempts.delete(id);
    return this.live.delete(id);
  }

  protected hasWork(): boolean {
    return this.dirty.size > 0 || this.polling;
  }

  protected nextRound(): Iterable<string> {
    const ids = new Set([...this.dirty].slice(0, MAX_LOOKS_PER_ROUND));
    for (const id of ids) this.dirty.delete(id);
    for (const id of this.pollingIds()) ids.add(id);
    return ids;
  }

  protected async look(id: string): Promise<boolean> {
    const job = this.jobs.get(id);
    if (job?.state.job.status !== 'running') return this.forget(id);
    // A new attempt (rerun) is not the one whose readiness is known: start over.
    const attempt = `${job.state.job.started_at ?? ''}:${job.state.pid ?? ''}`;
    if (this.attempts.has(id) && this.attempts.get(id) !== attempt) this.forget(id);
    this.attempts.set(id, attempt);
    const before = this.live.get(id);
    let ready = before?.ready;
    const spec = readySpecOf(job.meta);
    if (spec && !readyDecided(ready)) {
      const paths = jobPaths(this.jobs.root, id);
      let probe = this.probes.get(id);
      if (!probe) this.probes.set(id, (probe = new ReadyProbe(paths, spec)));
      ready = (await observeReady(this.jobs.root, paths, job.meta, job.state, probe)).ready;
    }
    // The job may have ended or gone while the probe looked.
    if (this.jobs.get(id)?.state.job.status !== 'running') return this.forget(id);
    const next: JobLive = { ...(ready ? { ready } : {}), ports: jobPorts(job.state) };
    if (JSON.stringify(next) === JSON.stringify(before)) return false;
    this.live.set(id, next);
    if (ready?.ready === 'ready' && before?.ready?.ready !== 'ready')
      this._onDidBecomeReady.fire({ job, sawPending: before?.ready?.ready === 'pending' });
    return true;
  }
}

/** The port a job is reached on: the one its readiness waits for, else the first TCP port it listens on. */
export function jobPort(meta: JobMeta, live: JobLive | undefined): number | undefined {
  return readySpecOf(meta)?.port ?? live?.ports.find((p) => p.protocol.startsWith('tcp'))?.port;
}

/** What "Open in Browser" opens for a ready job: its ready URL, else http://localhost:<port>; undefined when it has neither or is not ready. */
export function browserUrl(meta: JobMeta, live: JobLive | undefined): string | undefined {
  if (live?.ready?.ready !== 'ready') return undefined;
  const http = readySpecOf(meta)?.http;
  // meta.json may have been edited by hand: only an http(s) URL goes to the browser.
  if (http !== undefined) return readyUrlProblem(http) === undefined ? http : undefined;
  const port = jobPort(meta, live);
  return port !== undefined ? `http://localhost:${port}` : undefined;
}
