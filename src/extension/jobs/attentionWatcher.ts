/**
 * Running jobs that need someone (issue 14), for the tree, the panel and the needs-input
 * notification, without `vscode`. Only jobs whose definition asks for it (an input channel, or
 * `--stall-after`) are looked at, all in one round at most every ATTENTION_PROBE_MS: a waiting
 * prompt or a stall makes no file event, so they are polled while they run. No timer runs while
 * no such job runs.
 */
import { observeAttention, ATTENTION_PROBE_MS, watchesAttention, type Attention } from '../../core/ops/attention';
import { jobPaths } from '../../core/store/jobDir';
import { Emitter, type Event } from '../lifecycle';
import type { JobSnapshot } from './jobService';
import { LookRounds, type LiveSource } from './lookRounds';

export interface NeedsInputEvent {
  readonly job: JobSnapshot;
  readonly attention: Attention;
}

/** Jobs probed in one round at most (hundreds of watched jobs are spread over rounds). */
const MAX_LOOKS_PER_ROUND = 32;

export class AttentionWatcher extends LookRounds {
  private readonly attention = new Map<string, Attention>();
  /** Running jobs that ask for attention probes, in the order they are probed. */
  private readonly watched = new Set<string>();
  private readonly _onDidNeedInput = this._register(new Emitter<NeedsInputEvent>());
  /** A job started waiting for input (again, after it was answered). */
  readonly onDidNeedInput: Event<NeedsInputEvent> = this._onDidNeedInput.event;

  constructor(jobs: LiveSource, log: (message: string) => void, everyMs = ATTENTION_PROBE_MS) {
    super(jobs, log, 'attention', everyMs);
    this.changed(undefined);
  }

  get(id: string): Attention | undefined {
    return this.attention.get(id);
  }

  /** True while some running job is probed (a timer is due). */
  get watching(): boolean {
    return this.watched.size > 0;
  }

  protected changed(ids: readonly string[] | undefined): void {
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

  protected hasWork(): boolean {
    return this.watched.size > 0;
  }

  /** Round robin: the jobs probed now go to the back of the line. */
  protected nextRound(): Iterable<string> {
    const ids = [...this.watched].slice(0, MAX_LOOKS_PER_ROUND);
    for (const id of ids) {
      this.watched.delete(id);
      this.watched.add(id);
    }
    return ids;
  }

  protected async look(id: string): Promise<boolean> {
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
