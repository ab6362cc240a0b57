/**
 * The extension's model of the job store, without `vscode`: it reads jobs with the core, keeps a
 * snapshot per job, and follows changes with `fs.watch` — the root (jobs appear and vanish) and
 * the directory of every unfinished job (its state.json is replaced on each transition).
 * Finished jobs never change, so they are read once. Events are coalesced: a burst of file
 * events becomes one reload and one `onDidChangeJobs`. There is no polling timer.
 */
import { promises as fs, watch, type FSWatcher } from 'node:fs';
import * as path from 'node:path';
import { jobPaths, readMeta } from '../../core/store/jobDir';
import { definitionOf } from '../../core/jobSpec';
import { readCurrentState } from '../../core/store/stateFile';
import { jobDirNames, mapLimit, SCAN_CONCURRENCY } from '../../core/ops/scan';
import { rerunJob } from '../../core/ops/rerun';
import { DEFAULT_OBSERVE, runJob, type InlineResult, type LaunchContext } from '../../core/ops/run';
import { killJob, type KillResult } from '../../core/ops/kill';
import { deleteJob, type DeleteResult } from '../../core/ops/delete';
import { isTerminal, type JobMeta, type JobState } from '../../core/schema';
import type { ReadyRequest } from '../../agent/agentJob';
import type { SupervisorRuntime } from '../../core/supervisor/launch';
import { Disposable, Emitter, toDisposable, type Event } from '../lifecycle';

/** One job as the views see it. `lost`: the record said running but its processes are gone. */
export interface JobSnapshot {
  readonly id: string;
  readonly meta: JobMeta;
  readonly state: JobState;
}

/** Job directory names (agent-exec ids, 32 lowercase hex). */
const JOB_DIR_NAME = /^[0-9a-f]{32}$/;

/** How the core words a lost job's error (store/stateFile.ts `lostReason`). */
const LOST_ERROR = /supervisor .*exited without recording|no exit was recorded/;

/** How long file events are gathered before one reload. */
export const COALESCE_MS = 25;

export interface RunInput {
  /** One element = a shell command line; several = an argv. */
  command: string[];
  cwd: string;
  tags?: string[];
  shellWrapper?: string[];
  /** `meta.owner`; default: the person in this window. */
  owner?: string;
  /** An agent's readiness and singleton fields (src/agent/agentJob.ts readyRequest); `untilReady` observes until ready. */
  readiness?: ReadyRequest;
}

export interface JobServiceOptions {
  root: string;
  runtime: SupervisorRuntime;
  /** The environment the workload inherits. */
  env: NodeJS.ProcessEnv;
  log: (message: string) => void;
  /** Throws when no process may be started (the workspace is not trusted): checked before every start. */
  requireTrust: () => void;
  /** Where the ids of jobs started here (not yet notified) are kept across window reloads. */
  startedStore?: { get(): readonly string[]; set(ids: readonly string[]): void };
}

export class JobService extends Disposable {
  private _root: string;
  private readonly jobs = new Map<string, JobSnapshot>();
  private readonly dirWatchers = new Map<string, FSWatcher>();
  private rootWatcher: FSWatcher | undefined;
  /** The root watcher is on the root itself (not on an ancestor waiting for it). */
  private rootArmed = false;
  private pending = new Set<string>();
  private pendingFull = false;
  private timer: NodeJS.Timeout | undefined;
  private loading: Promise<void> = Promise.resolve();
  /** Jobs started from this window that have not finished yet: they get a notification. */
  private readonly startedHere: Set<string>;
  /** Jobs started since this service was created (not across a window reload). */
  private readonly startedNow = new Set<string>();

  private readonly _onDidChangeJobs = this._register(new Emitter<readonly string[] | undefined>());
  /** Ids of changed (added, updated or removed) jobs; undefined after a full reload. */
  readonly onDidChangeJobs: Event<readonly string[] | undefined> = this._onDidChangeJobs.event;
  private readonly _onDidFinishStartedJob = this._register(new Emitter<JobSnapshot>());
  /** A job started through this service reached a terminal state. */
  readonly onDidFinishStartedJob: Event<JobSnapshot> = this._onDidFinishStartedJob.event;

  constructor(private readonly opts: JobServiceOptions) {
    super();
    this._root = opts.root;
    this.startedHere = new Set(opts.startedStore?.get() ?? []);
    this._register(
      toDisposable(() => {
        clearTimeout(this.timer);
        this.rootWatcher?.close();
        for (const w of this.dirWatchers.values()) w.close();
        this.dirWatchers.clear();
      }),
    );
  }

  get root(): string {
    return this._root;
  }

  /** Switches to another job root (a settings change): forgets every job and reads the new store. */
  setRoot(root: string): Promise<void> {
    if (root === this._root) return Promise.resolve();
    this._root = root;
    this.rootWatcher?.close();
    this.rootWatcher = undefined;
    this.rootArmed = false;
    for (const id of [...this.jobs.keys()]) this.forget(id);
    return this.start();
  }

  /** Arms the watchers and reads the store; resolves when the first snapshot is complete. */
  start(): Promise<void> {
    this.armRoot();
    return this.refresh();
  }

  all(): JobSnapshot[] {
    return [...this.jobs.values()];
  }

  get(id: string): JobSnapshot | undefined {
    return this.jobs.get(id);
  }

  /** Re-reads every job (also the finished ones, e.g. after a manual Refresh). */
  refresh(): Promise<void> {
    return this.enqueue(() => this.loadAll(true));
  }

  /** Every start of this service (a run, a rerun from any surface) passes the trust gate first. */
  async run(input: RunInput): Promise<InlineResult> {
    this.opts.requireTrust();
    const { untilReady = false, ...ready } = input.readiness ?? {};
    const result = await runJob(
      this.root,
      {
        definition: definitionOf(input.command, {
          tags: input.tags ?? [],
          owner: input.owner ?? 'human:vscode',
          ...(input.shellWrapper ? { shellWrapper: input.shellWrapper } : {}),
          ...ready,
        }),
        observe: untilReady
          ? { wait: true, untilSec: DEFAULT_OBSERVE.untilSec, forever: false, maxBytes: 0, untilReady }
          : { wait: false, untilSec: 0, forever: false, maxBytes: 0 },
      },
      this.launchContext(input.cwd),
    );
    this.markStarted(result.job_id);
    return result;
  }

  /** A job this window started (or reran): it gets notifications, and is read at once. */
  private markStarted(id: string): void {
    this.startedHere.add(id);
    this.startedNow.add(id);
    this.opts.startedStore?.set([...this.startedHere]);
    this.armRoot();
    this.queue(id);
  }

  /** How this window launches jobs; the Copilot tools call the core ops with it (src/extension/lm). */
  launchContext(cwd: string): LaunchContext {
    return { cwd, env: this.opts.env, runtime: this.opts.runtime, warn: (m) => this.opts.log(`auto-gc: ${m}`) };
  }

  /** A job started from this window that has not finished yet (it gets notifications): `now` since this service was created, `earlier` before a reload. */
  startedHereWhen(id: string): 'now' | 'earlier' | undefined {
    return !this.startedHere.has(id) ? undefined : this.startedNow.has(id) ? 'now' : 'earlier';
  }

  /** A new attempt of a finished job under the same id (core rerunJob: the earlier attempts are kept). */
  async rerun(id: string): Promise<InlineResult> {
    this.opts.requireTrust();
    const meta = this.jobs.get(id)?.meta ?? (await readMeta(jobPaths(this.root, id)));
    const result = await rerunJob(this.root, id, {}, this.launchContext(meta.cwd ?? process.cwd()));
    this.markStarted(result.job_id);
    return result;
  }

  async kill(id: string, signal: string, graceMs: number): Promise<KillResult> {
    const result = await killJob(this.root, id, { signal, graceMs, wait: true });
    this.queue(id);
    return result;
  }

  async remove(id: string): Promise<DeleteResult> {
    const result = await deleteJob(this.root, id);
    this.queue(id);
    return result;
  }

  /** Makes a freshly read state visible at once (a command's own result), then lets watchers confirm it. */
  queue(id: string): void {
    this.pending.add(id);
    this.schedule();
  }

  private schedule(): void {
    if (this.timer || this.isDisposed) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const full = this.pendingFull;
      const ids = [...this.pending];
      this.pendingFull = false;
      this.pending.clear();
      void this.enqueue(() => (full ? this.loadAll() : this.loadSome(ids)));
    }, COALESCE_MS);
  }

  /** Loads run one after another so that a slow full load cannot overwrite a newer small one. */
  private enqueue(load: () => Promise<void>): Promise<void> {
    this.loading = this.loading.then(load).catch((err: unknown) => this.opts.log(`reading the job store failed: ${String(err)}`));
    return this.loading;
  }

  /** Reads new and unfinished jobs; finished ones are kept as they are (they cannot change). */
  private async loadAll(everything = false): Promise<void> {
    const names = new Set(await jobDirNames(this.root));
    for (const id of [...this.jobs.keys()]) if (!names.has(id)) this.forget(id);
    const toRead = [...names].filter((id) => {
      const known = this.jobs.get(id);
      return everything || !known || !isTerminal(known.state.job.status);
    });
    await mapLimit(toRead, SCAN_CONCURRENCY, (id) => this.load(id));
    this._onDidChangeJobs.fire(undefined);
  }

  private async loadSome(ids: readonly string[]): Promise<void> {
    await Promise.all(ids.map((id) => this.load(id)));
    this._onDidChangeJobs.fire(ids);
  }

  private async load(id: string): Promise<void> {
    const paths = jobPaths(this.root, id);
    try {
      const meta = this.jobs.get(id)?.meta ?? (await readMeta(paths));
      const state = await readCurrentState(paths);
      this.jobs.set(id, { id, meta, state });
      this.follow(id, state);
    } catch (err) {
      this.jobs.delete(id);
      const exists = await fs.stat(paths.dir).then(
        (st) => st.isDirectory(),
        () => false,
      );
      if (!exists) return this.forget(id);
      // A job directory still being written (no meta.json/state.json yet): its files' events bring
      // it in. The writer may have finished before the watch was armed, so read once more then.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.opts.log(`cannot read job ${id}: ${String(err)}`);
      if (this.watchDir(id)) this.queue(id);
    }
  }

  /** Watches an unfinished job's directory; stops once it is finished. Notifies jobs started here. */
  private follow(id: string, state: JobState): void {
    if (isTerminal(state.job.status)) {
      this.dirWatchers.get(id)?.close();
      this.dirWatchers.delete(id);
      if (this.startedHere.delete(id)) {
        this.opts.startedStore?.set([...this.startedHere]);
        this._onDidFinishStartedJob.fire(this.jobs.get(id)!);
      }
      return;
    }
    this.watchDir(id);
  }

  /** True when a watcher was armed now (false: one was already there, or the watch failed and a read is queued). */
  private watchDir(id: string): boolean {
    if (this.dirWatchers.has(id)) return false;
    try {
      const w = watch(jobPaths(this.root, id).dir, () => this.queue(id));
      w.on('error', () => {
        w.close();
        this.dirWatchers.delete(id);
        this.queue(id);
      });
      this.dirWatchers.set(id, w);
      return true;
    } catch {
      this.queue(id);
      return false;
    }
  }

  private forget(id: string): void {
    this.jobs.delete(id);
    this.dirWatchers.get(id)?.close();
    this.dirWatchers.delete(id);
  }

  /**
   * Watches the root for jobs appearing and vanishing. While the root does not exist yet, the
   * nearest existing ancestor is watched instead and the root is armed when it appears.
   */
  private armRoot(): void {
    if (this.isDisposed || this.rootArmed) return;
    this.rootWatcher?.close();
    this.rootWatcher = undefined;
    const root = path.resolve(this.root);
    for (let dir = root; ; dir = path.dirname(dir)) {
      const onRoot = dir === root;
      try {
        const w = watch(dir, (_event, name) => {
          if (!onRoot) this.armRoot();
          else if (typeof name !== 'string') this.queueFull();
          // Other names are the store's own files (the auto-GC lock, the events.ndjson feed), never jobs.
          else if (JOB_DIR_NAME.test(name)) this.queue(name);
        });
        w.on('error', () => {
          w.close();
          this.rootArmed = false;
          this.armRoot();
        });
        this.rootWatcher = w;
        this.rootArmed = onRoot;
        if (onRoot) this.queueFull();
        return;
      } catch {
        if (path.dirname(dir) === dir) return;
      }
    }
  }

  private queueFull(): void {
    this.pendingFull = true;
    this.schedule();
  }

  /** A job recorded as running whose processes vanished without an exit record (reconciled to failed by the core). */
  static isLost(job: JobSnapshot): boolean {
    return job.state.job.status === 'failed' && LOST_ERROR.test(job.state.error ?? '');
  }
}
