/**
 * Running jobs that need someone (issue 14), for the tree, the panel and the needs-input
 * notification, without `vscode`. Only jobs whose definition asks for it (an input channel, or
 * `--stall-after`) are looked at, all in one round at most every ATTENTION_PROBE_MS: a waiting
 * prompt or a stall makes no file event, so they are polled while they run. No timer runs while
 * no such job runs.
 */
import { observeAttention, ATTENTION_PROBE_MS, watchesAttention, type Attention } from '../../core/ops/attention';
import { jobPaths } from '../../core/store/jobDir';
import { Disposable, Emitter, toDisposable, type Event } from '../lifecycle';
import type { JobSnapshot } from './jobService';
import type { LiveSource } from './readyWatcher';

export interface NeedsInputEvent {
  readonly job: JobSnapshot;
  readonly attention: Attention;
}

/** Jobs probed in one round at most (hundreds of watched jobs are spread over rounds). */
const MAX_LOOKS_PER_ROUND = 32;

export class AttentionWatcher extends Disposable {
  private readonly attention = new Map<string, Attention>();
  /** Running jobs that ask for attention probes, in the order they are probed. */
  private readonly watched = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private looking = false;
  private lastRound = -Infinity;

  private readonly _onDidChange = this._register(new Emitter<readonly string[]>());
  /** Ids of jobs whose attention state changed (set, changed or cleared). */
  readonly onDidChange: Event<readonly string[]> = this._onDidChange.event;
  private readonly _onDidNeedInput = this._register(new Emitter<NeedsInputEvent>());
  /** A job started waiting for input (again, after it was answered). */
  readonly onDidNeedInput: Event<NeedsInputEvent> = this._onDidNeedInput.event;

  constructor(
    private readonly jobs: LiveSource,
    private readonly log: (message: string) => void,
    private readonly everyMs = ATTENTION_PROBE_MS,
  ) {
    super();
    this._register(jobs.onDidChangeJobs((ids) => this.changed(ids)));
    this._register(toDisposable(() => clearTimeout(this.timer)));
    this.changed(undefined);
  }

  get(id: string): Attention | undefined {
    return this.attention.get(id);
  }

  /** True while some running job is probed (a timer is due). */
  get watching(): boolean {
    return this.watched.size > 0;
  }

  private changed(ids: readonly string[] | undefined): void {
    const all = ids ?? [...new Set([...this.watched, ...this.jobs.all().map((j) => j.id)])];
    const cleared: string[] = [];
    for (const id of all) {
      const job = this.jobs.get(id);
      if (job?.state.job.status === 'running' && watchesAttention(job.meta)) this.watched.add(id);
      else if (this.forget(id)) cleared.push(id);
    }
    if (cleared.length > 0) this._onDidChange.fire(cleared);
    this.schedule();
  }

  /** True when the job had an attention state. */
  private forget(id: string): boolean {
    this.watched.delete(id);
    return this.attention.delete(id);
  }

  private schedule(): void {
    if (this.isDisposed || this.timer || this.looking || this.watched.size === 0) return;
    const delay = Math.max(0, this.lastRound + this.everyMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.round();
    }, delay);
  }

  private async round(): Promise<void> {
    this.looking = true;
    this.lastRound = Date.now();
    // Round robin: the jobs probed now go to the back of the line.
    const ids = [...this.watched].slice(0, MAX_LOOKS_PER_ROUND);
    const changed: string[] = [];
    for (const id of ids) {
      if (this.isDisposed) return;
      if (this.watched.delete(id)) this.watched.add(id);
      try {
        if (await this.look(id)) changed.push(id);
      } catch (err) {
        this.log(`attention of job ${id}: ${String(err)}`);
      }
    }
    this.looking = false;
    if (changed.length > 0 && !this.isDisposed) this._onDidChange.fire(changed);
    this.schedule();
  }

  /** Probes one job now; true when its attention state changed. */
  private async look(id: string): Promise<boolean> {
    const job = this.jobs.get(id);
    if (job?.state.job.status !== 'running' || !watchesAttention(job.meta)) return this.forget(id);
    const before = this.attention.get(id);
    const now = await observeAttention(this.jobs.root, jobPaths(this.jobs.root, id), job.meta, job.state);
    // The job may have ended or gone while the probe looked.
    if (this.jobs.get(id)?.state.job.status !== 'running') return this.forget(id);
    if (JSON.stringify(now) === JSON.stringify(before)) return false;
    if (now) this.attention.set(id, now);
    else this.attention.delete(id);
    // A changed needs_input is a new prompt (its line or its time differs).
    if (now?.kind === 'needs_input') this._onDidNeedInput.fire({ job, attention: now });
    return true;
  }
}
