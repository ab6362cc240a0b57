/**
 * A summary cache for `list` (`<root>/.list-cache.json`) so that listing 10 000 jobs costs one
 * lstat per job instead of opening and parsing two files per job.
 *
 * Validity: every write of meta.json / state.json (ours and agent-exec's) is a rename into the
 * job directory, which changes the directory's mtime; an entry is used only while the
 * directory's mtime equals the one recorded with it. Entries are recorded only for settled
 * jobs (directory unchanged for SETTLE_MS, not running), so files still being written in place
 * (a job being created, agent-exec's progress refresh of running jobs) and coarse file-system
 * clocks cannot leave a stale entry. agent-exec ignores files in the root (list, gc, delete).
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { isTerminal } from '../schema';
import { writeFileAtomic } from '../store/atomicWrite';
import type { ListState } from './list';

export const LIST_CACHE_NAME = '.list-cache.json';
const VERSION = 1;
/** A job directory unchanged for this long is settled enough to cache. */
export const SETTLE_MS = 2000;
/** A larger cache file is ignored (it would cost more than it saves, or it is not ours). */
const MAX_CACHE_BYTES = 64 * 1024 * 1024;

/** What list needs of one job. */
export interface Summary {
  job_id: string;
  created_at: string;
  cwd?: string;
  tags: string[];
  state: ListState;
  exit_code?: number;
  started_at?: string;
  finished_at?: string;
  updated_at?: string;
  error?: string;
}

type Entries = Record<string, [mtimeMs: number, summary: Summary]>;

export class ListCache {
  private dirty = false;
  private constructor(
    private readonly file: string,
    private readonly entries: Entries,
  ) {}

  /** The cache of `root`; empty when missing, unreadable, too large or of another version. */
  static load(root: string): ListCache {
    const file = path.join(root, LIST_CACHE_NAME);
    let entries: Entries = {};
    try {
      const text = readFileSync(file, 'utf8');
      if (text.length <= MAX_CACHE_BYTES) {
        const parsed = JSON.parse(text) as { version?: unknown; entries?: unknown };
        if (parsed.version === VERSION && parsed.entries && typeof parsed.entries === 'object') entries = parsed.entries as Entries;
      }
    } catch {
      // No cache yet, or a broken one: it is rebuilt.
    }
    return new ListCache(file, entries);
  }

  get(name: string, mtimeMs: number): Summary | undefined {
    const hit = this.entry(name);
    return hit && hit[0] === mtimeMs ? hit[1] : undefined;
  }

  /**
   * The cached summary of a job that had finished (exited, killed, failed), whatever its
   * directory's mtime: such a job's state, times and cwd never change again, only its tags.
   */
  finished(name: string): Summary | undefined {
    const s = this.entry(name)?.[1];
    return s && name === s.job_id && s.state !== 'unknown' && isTerminal(s.state) ? s : undefined;
  }

  private entry(name: string): [number, Summary] | undefined {
    const hit = Object.hasOwn(this.entries, name) ? this.entries[name] : undefined;
    if (!Array.isArray(hit)) return undefined;
    const s = hit[1];
    // The file is ours, but anything in the root may have been edited: trust only sane shapes.
    const sane = typeof hit[0] === 'number' && !!s && typeof s.job_id === 'string' && typeof s.created_at === 'string' && typeof s.state === 'string' && Array.isArray(s.tags);
    return sane ? hit : undefined;
  }

  /** Records `summary` if the job is settled; forgets the entry otherwise. */
  put(name: string, mtimeMs: number, summary: Summary, now = Date.now()): void {
    if (summary.state !== 'running' && summary.state !== 'unknown' && now - mtimeMs >= SETTLE_MS) {
      this.entries[name] = [mtimeMs, summary];
      this.dirty = true;
    } else if (Object.hasOwn(this.entries, name)) {
      delete this.entries[name];
      this.dirty = true;
    }
  }

  /** Writes the cache when it changed, dropping directories that no longer exist. Best effort. */
  async save(liveNames: readonly string[]): Promise<void> {
    const live = new Set(liveNames);
    for (const name of Object.keys(this.entries)) {
      if (!live.has(name)) {
        delete this.entries[name];
        this.dirty = true;
      }
    }
    if (!this.dirty) return;
    await writeFileAtomic(this.file, JSON.stringify({ version: VERSION, entries: this.entries })).catch(() => undefined);
    this.dirty = false;
  }
}
