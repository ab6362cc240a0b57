/**
 * The shape of the extension's job watchers (readiness, attention): the JobService says which
 * jobs changed, the watcher decides which to look at, and looks at them in rounds at most
 * `everyMs` apart, one job after the other. No timer runs while there is nothing to look at.
 */
import type { JobSnapshot } from './jobService';
import { Disposable, Emitter, toDisposable, type Event } from '../lifecycle';

/** The JobService as the watchers use it. */
export interface LiveSource {
  readonly root: string;
  all(): readonly JobSnapshot[];
  get(id: string): JobSnapshot | undefined;
  readonly onDidChangeJobs: Event<readonly string[] | undefined>;
}

export abstract class LookRounds extends Disposable {
  private timer: NodeJS.Timeout | undefined;
  private looking = false;
  private lastRound = -Infinity;

  protected readonly _onDidChange = this._register(new Emitter<readonly string[]>());
  /** Ids of jobs whose watched facts changed (or that stopped running). */
  readonly onDidChange: Event<readonly string[]> = this._onDidChange.event;

  constructor(
    protected readonly jobs: LiveSource,
    private readonly log: (message: string) => void,
    /** What is looked at, for the log ("readiness", "attention"). */
    private readonly what: string,
    private readonly everyMs: number,
  ) {
    super();
    this._register(jobs.onDidChangeJobs((ids) => this.changed(ids)));
    this._register(toDisposable(() => clearTimeout(this.timer)));
  }

  /** Jobs changed (undefined: any may have): note what to look at, then `schedule()`. */
  protected abstract changed(ids: readonly string[] | undefined): void;
  /** True when a round has something to look at. */
  protected abstract hasWork(): boolean;
  /** The jobs the next round looks at (taken off whatever queue the watcher keeps). */
  protected abstract nextRound(): Iterable<string>;
  /** Looks at one job now; true when what is known of it changed. */
  protected abstract look(id: string): Promise<boolean>;

  protected schedule(): void {
    if (this.isDisposed || this.timer || this.looking || !this.hasWork()) return;
    const delay = Math.max(0, this.lastRound + this.everyMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.round();
    }, delay);
  }

  private async round(): Promise<void> {
    this.looking = true;
    this.lastRound = Date.now();
    const changed: string[] = [];
    for (const id of [...this.nextRound()]) {
      if (this.isDisposed) return;
      try {
        if (await this.look(id)) changed.push(id);
      } catch (err) {
        this.log(`${this.what} of job ${id}: ${String(err)}`);
      }
    }
    this.looking = false;
    if (changed.length > 0 && !this.isDisposed) this._onDidChange.fire(changed);
    this.schedule();
  }
}
