/**
 * Job logs as read-only documents (`agent-exec-log:/<job id>/<title>.log`) that follow the
 * file's growth: while a document is open, its job directory is watched and the document is
 * re-read (bounded: the last MAX_BYTES) once per burst of writes.
 */
import { watch, type FSWatcher } from 'node:fs';
import * as vscode from 'vscode';
import { readSlice } from '../../core/logs';
import { fileSize, jobPaths } from '../../core/store/jobDir';
import { LOG_SCHEME } from '../ids';
import { Disposable } from '../lifecycle';

/** Larger logs show their tail (the whole file stays available with "Reveal Log File"). */
export const MAX_BYTES = 2 * 1024 * 1024;
const FOLLOW_COALESCE_MS = 50;

export function logUri(jobId: string, title: string): vscode.Uri {
  const safe =
    title
      .replace(/[/\\?#%*:|"<>\s]+/g, ' ')
      .trim()
      .slice(0, 60) || 'job';
  return vscode.Uri.from({ scheme: LOG_SCHEME, path: `/${jobId}/${safe}.log` });
}

const jobIdOf = (uri: vscode.Uri) => uri.path.split('/')[1] ?? '';

export class LogDocuments extends Disposable implements vscode.TextDocumentContentProvider {
  private readonly _onDidChange = this._register(new vscode.EventEmitter<vscode.Uri>());
  readonly onDidChange = this._onDidChange.event;
  private readonly followers = new Map<string, { watcher: FSWatcher; timer?: NodeJS.Timeout }>();

  constructor(private readonly root: () => string) {
    super();
    this._register(vscode.workspace.registerTextDocumentContentProvider(LOG_SCHEME, this));
    this._register(vscode.workspace.onDidCloseTextDocument((d) => this.unfollow(d.uri)));
    this._register({ dispose: () => [...this.followers.keys()].forEach((k) => this.unfollow(vscode.Uri.parse(k))) });
  }

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const paths = jobPaths(this.root(), jobIdOf(uri));
    this.follow(uri, paths.dir);
    // Jobs whose supervisor never wrote full.log (e.g. it failed to start) still show stdout.
    const file = (await fileSize(paths.full)) > 0 ? paths.full : paths.stdout;
    const size = await fileSize(file);
    const slice = await readSlice(file, Math.max(0, size - MAX_BYTES), size);
    const cut = slice.range[0] > 0 ? `… showing the last ${MAX_BYTES} of ${slice.totalBytes} bytes of ${file}\n` : '';
    return cut + slice.text;
  }

  private follow(uri: vscode.Uri, dir: string): void {
    const key = uri.toString();
    if (this.followers.has(key)) return;
    try {
      const watcher = watch(dir, () => {
        const f = this.followers.get(key);
        if (!f || f.timer) return;
        f.timer = setTimeout(() => {
          f.timer = undefined;
          this._onDidChange.fire(uri);
        }, FOLLOW_COALESCE_MS);
      });
      watcher.on('error', () => this.unfollow(uri));
      this.followers.set(key, { watcher });
    } catch {
      // The job directory is gone: the document shows what was read.
    }
  }

  private unfollow(uri: vscode.Uri): void {
    const f = this.followers.get(uri.toString());
    if (!f) return;
    clearTimeout(f.timer);
    f.watcher.close();
    this.followers.delete(uri.toString());
  }
}
