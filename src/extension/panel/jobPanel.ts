/**
 * The job panel in VS Code (issue 5): a WebviewView in the bottom panel and, on demand, the same
 * UI as an editor tab ("Open in Editor"). Each webview gets its own PanelSession; the webview is
 * not kept alive while hidden (no retainContextWhenHidden): it restores its UI state with
 * getState/setState and posts `ready` again, and the session answers with a fresh snapshot.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { writeJsonAtomic } from '../../core/store/atomicWrite';
import { describeKillTargets, type KillResult } from '../../core/ops/kill';
import { jobId } from '../../protocol/jobPanel';
import type { JobService } from '../jobs/jobService';
import { sendInput } from '../../core/ops/input';
import type { AttentionWatcher } from '../jobs/attentionWatcher';
import { browserUrl, type ReadyWatcher } from '../jobs/readyWatcher';
import { requireTrustedWorkspace } from '../trust';
import { Disposable, toDisposable } from '../lifecycle';
import { panelWebviewOptions, renderPanelHtml } from './html';
import { PanelSession, type PanelBackend } from './session';

export const JOB_PANEL_VIEW_ID = 'agentExec.jobPanel';
export const OPEN_JOB_PANEL_COMMAND = 'agentExec.openJobPanel';
const EDITOR_PANEL_TYPE = 'agentExec.jobPanelEditor';

/** One webview showing the panel (the bottom view or the editor tab): its session and the listeners feeding it, gone with the webview. */
class PanelWebview extends Disposable {
  readonly session: PanelSession;

  constructor(
    webview: vscode.Webview,
    extensionUri: vscode.Uri,
    backend: PanelBackend,
    /** The view or editor panel holding the webview: hidden → the session stops following; disposed → this goes. */
    holder: { readonly visible: boolean; readonly onDidDispose: vscode.Event<void> },
    onDidChangeVisibility: vscode.Event<unknown>,
    onGone: () => void,
  ) {
    super();
    webview.options = panelWebviewOptions(extensionUri);
    const session = (this.session = this._register(new PanelSession(backend, (msg) => void webview.postMessage(msg))));
    this._register(webview.onDidReceiveMessage((msg: unknown) => void session.receive(msg)));
    this._register(
      onDidChangeVisibility(() => {
        if (!holder.visible) session.suspend();
      }),
    );
    this._register(
      holder.onDidDispose(() => {
        this.dispose();
        onGone();
      }),
    );
    webview.html = renderPanelHtml(webview, extensionUri);
  }
}

export class JobPanel extends Disposable implements vscode.WebviewViewProvider {
  private view: { view: vscode.WebviewView; webview: PanelWebview } | undefined;
  private editor: { panel: vscode.WebviewPanel; webview: PanelWebview } | undefined;
  /** A job to select once the view exists (revealed before it was ever opened). */
  private pendingReveal: string | undefined;
  private readonly backend: PanelBackend;
  private readonly selectEmitter = this._register(new vscode.EventEmitter<string>());
  /** The user selected a job in a panel webview (the tree can reveal it). */
  readonly onDidSelectJob = this.selectEmitter.event;

  constructor(
    private readonly extensionUri: vscode.Uri,
    jobs: JobService,
    live: ReadyWatcher,
    attention: AttentionWatcher,
    /** The kill grace period now (the setting may change). */
    graceMs: () => number,
    log: (message: string) => void,
    /** Where the host keeps its copy of the panel's UI state (undefined: none). */
    stateFile?: string,
  ) {
    super();
    this.backend = {
      get root() {
        return jobs.root;
      },
      listJobs: async () => jobs.all(),
      onDidChangeJobs: (listener) => {
        const subs = [jobs.onDidChangeJobs(listener), live.onDidChange(listener), attention.onDidChange(listener)];
        return toDisposable(() => subs.forEach((s) => s.dispose()));
      },
      liveOf: (id) => live.get(id),
      attentionOf: (id) => attention.get(id),
      sendInput: async (id, input) => {
        requireTrustedWorkspace();
        const r = await sendInput(jobs.root, id, input);
        return r.eof ? `Ended the input of job ${id}.` : `Sent ${r.bytes_written} bytes to job ${id}.`;
      },
      describeKill: (id) => describeKillTargets(jobs.root, id),
      openUrl: async (id) => {
        const job = jobs.get(id);
        const url = job && browserUrl(job.meta, live.get(id));
        if (url === undefined) return false;
        return vscode.env.openExternal(vscode.Uri.parse(url));
      },
      kill: async (id, signal) => {
        const r = await jobs.kill(id, signal, graceMs());
        log(`panel: kill ${id} ${signal}: ${JSON.stringify(r)}`);
        return describeKill(r);
      },
      rerun: async (id) => `Started attempt ${(await jobs.rerun(id)).attempt ?? '?'} of job ${id}.`,
      remove: async (id) => {
        await jobs.remove(id);
        return `Deleted job ${id}.`;
      },
      log,
      openFile: async (file) => {
        await vscode.window.showTextDocument(vscode.Uri.file(file), { preview: true, preserveFocus: false });
      },
      copyText: (text) => vscode.env.clipboard.writeText(text),
      openInEditor: () => this.openInEditor(),
      selected: (id) => {
        if (id) this.selectEmitter.fire(id);
      },
      loadUiState: async () => {
        if (!stateFile) return undefined;
        return JSON.parse(await fs.readFile(stateFile, 'utf8')) as unknown;
      },
      saveUiState: (state) => {
        if (!stateFile) return;
        void fs
          .mkdir(path.dirname(stateFile), { recursive: true })
          .then(() => writeJsonAtomic(stateFile, state))
          .catch((err: unknown) => log(`job panel: cannot save its state: ${String(err)}`));
      },
    };
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    const webview = new PanelWebview(view.webview, this.extensionUri, this.backend, view, view.onDidChangeVisibility, () => {
      if (this.view?.view === view) this.view = undefined;
    });
    this.view = { view, webview };
    if (this.pendingReveal) webview.session.reveal(this.pendingReveal);
    this.pendingReveal = undefined;
  }

  /** Whether a panel (the view or the editor tab) is on screen. */
  get visible(): boolean {
    return !!(this.view?.view.visible || this.editor?.panel.visible);
  }

  /** Shows the panel view and selects `jobId` in it (from the tree, or a command). */
  async reveal(jobId?: string): Promise<void> {
    if (this.editor?.panel.visible) {
      if (jobId) this.editor.webview.session.reveal(jobId);
      this.editor.panel.reveal(undefined, true);
      return;
    }
    if (jobId) {
      if (this.view) this.view.webview.session.reveal(jobId);
      else this.pendingReveal = jobId;
    }
    if (this.view) this.view.view.show(true);
    else await vscode.commands.executeCommand(`${JOB_PANEL_VIEW_ID}.focus`);
  }

  openInEditor(): void {
    if (this.editor) {
      this.editor.panel.reveal();
      return;
    }
    const panel = vscode.window.createWebviewPanel(
      EDITOR_PANEL_TYPE,
      'Agent Exec Jobs',
      vscode.ViewColumn.Active,
      panelWebviewOptions(this.extensionUri),
    );
    const webview = new PanelWebview(panel.webview, this.extensionUri, this.backend, panel, panel.onDidChangeViewState, () => {
      this.editor = undefined;
    });
    this.editor = { panel, webview };
  }

  /** The bottom view's webview belongs to VS Code (only its session and listeners go); the editor tab is ours and closes. */
  override dispose(): void {
    this.view?.webview.dispose();
    this.editor?.panel.dispose();
    super.dispose();
  }
}

/** The job id in a command argument: an id, or a tree node / object carrying `jobId` or `id`. */
function jobIdOf(arg: unknown): string | undefined {
  const candidate = typeof arg === 'object' && arg !== null ? ((arg as { jobId?: unknown }).jobId ?? (arg as { id?: unknown }).id) : arg;
  return jobId(candidate) ? candidate : undefined;
}

/** "Sent INT: job exited 130 within 12 ms", with escalation and survivors spelled out. */
function describeKill(r: KillResult): string {
  const parts = [`Sent ${r.signal} to job ${r.job_id}`];
  if (r.escalated) parts.push('escalated to KILL after the grace period');
  if (r.state) {
    const how = r.exit_code !== undefined ? `exited ${r.exit_code}` : r.terminated_signal ? `killed by ${r.terminated_signal}` : r.state;
    parts.push(`job ${how}${r.observed_within_ms !== undefined ? ` within ${r.observed_within_ms} ms` : ''}`);
  }
  if (r.survivors && r.survivors.length > 0) parts.push(`still alive: ${r.survivors.join(', ')}`);
  return `${parts.join('; ')}.`;
}

/** Registers the panel view and the "Open Job Panel" command; returns the panel for tree → panel reveals. */
export function registerJobPanel(
  context: vscode.ExtensionContext,
  jobs: JobService,
  live: ReadyWatcher,
  attention: AttentionWatcher,
  graceMs: () => number,
  log: (message: string) => void,
): JobPanel {
  const storage = context.storageUri ?? context.globalStorageUri;
  const panel = new JobPanel(context.extensionUri, jobs, live, attention, graceMs, log, path.join(storage.fsPath, 'job-panel-state.json'));
  context.subscriptions.push(
    panel,
    vscode.window.registerWebviewViewProvider(JOB_PANEL_VIEW_ID, panel),
    vscode.commands.registerCommand(OPEN_JOB_PANEL_COMMAND, (arg?: unknown) => panel.reveal(jobIdOf(arg))),
  );
  return panel;
}
