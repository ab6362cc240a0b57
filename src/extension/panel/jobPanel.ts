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
import { panelWebviewOptions, renderPanelHtml } from './html';
import { PanelSession, type JobRecords, type PanelBackend } from './session';
import type { KillResult } from '../../core/ops/kill';
import { jobId } from '../../protocol/jobPanel';

export const JOB_PANEL_VIEW_ID = 'agentExec.jobPanel';
export const OPEN_JOB_PANEL_COMMAND = 'agentExec.openJobPanel';
const EDITOR_PANEL_TYPE = 'agentExec.jobPanelEditor';

/** The parts of the backend that need VS Code (files, clipboard, panels, storage), added by JobPanel. */
type VscodeSide = 'openFile' | 'copyText' | 'openInEditor' | 'selected' | 'loadUiState' | 'saveUiState';
/** What the panel needs from the job service. */
export type PanelJobs = Omit<PanelBackend, VscodeSide>;

export class JobPanel implements vscode.WebviewViewProvider, vscode.Disposable {
  private view: { view: vscode.WebviewView; session: PanelSession } | undefined;
  private editor: { panel: vscode.WebviewPanel; session: PanelSession } | undefined;
  /** A job to select once the view exists (revealed before it was ever opened). */
  private pendingReveal: string | undefined;
  private readonly backend: PanelBackend;
  private readonly selectEmitter = new vscode.EventEmitter<string>();
  /** The user selected a job in a panel webview (the tree can reveal it). */
  readonly onDidSelectJob = this.selectEmitter.event;

  constructor(
    private readonly extensionUri: vscode.Uri,
    jobs: PanelJobs,
    /** Where the host keeps its copy of the panel's UI state (undefined: none). */
    stateFile?: string,
  ) {
    // The job side delegates to `jobs` (its `root` getter stays live); the VS Code side is added here.
    const vscodeSide: Pick<PanelBackend, VscodeSide> = {
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
          .catch((err: unknown) => jobs.log(`job panel: cannot save its state: ${String(err)}`));
      },
    };
    this.backend = Object.assign(Object.create(jobs) as PanelJobs, vscodeSide);
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    const session = this.attach(view.webview);
    this.view = { view, session };
    view.onDidChangeVisibility(() => {
      if (!view.visible) session.suspend();
    });
    view.onDidDispose(() => {
      session.dispose();
      if (this.view?.view === view) this.view = undefined;
    });
    if (this.pendingReveal) session.reveal(this.pendingReveal);
    this.pendingReveal = undefined;
  }

  /** Whether a panel (the view or the editor tab) is on screen. */
  get visible(): boolean {
    return !!(this.view?.view.visible || this.editor?.panel.visible);
  }

  /** Shows the panel view and selects `jobId` in it (from the tree, or a command). */
  async reveal(jobId?: string): Promise<void> {
    if (this.editor?.panel.visible) {
      if (jobId) this.editor.session.reveal(jobId);
      this.editor.panel.reveal(undefined, true);
      return;
    }
    if (jobId) {
      if (this.view) this.view.session.reveal(jobId);
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
    const panel = vscode.window.createWebviewPanel(EDITOR_PANEL_TYPE, 'Agent Exec Jobs', vscode.ViewColumn.Active, panelWebviewOptions(this.extensionUri));
    const session = this.attach(panel.webview);
    this.editor = { panel, session };
    panel.onDidChangeViewState(() => {
      if (!panel.visible) session.suspend();
    });
    panel.onDidDispose(() => {
      session.dispose();
      this.editor = undefined;
    });
  }

  dispose(): void {
    this.selectEmitter.dispose();
    this.view?.session.dispose();
    this.editor?.panel.dispose();
  }

  private attach(webview: vscode.Webview): PanelSession {
    webview.options = panelWebviewOptions(this.extensionUri);
    const session = new PanelSession(this.backend, (msg) => void webview.postMessage(msg));
    webview.onDidReceiveMessage((msg: unknown) => void session.receive(msg));
    webview.html = renderPanelHtml(webview, this.extensionUri);
    return session;
  }
}

/** The job id in a command argument: an id, or a tree node / object carrying `jobId` or `id`. */
function jobIdOf(arg: unknown): string | undefined {
  const candidate = typeof arg === 'object' && arg !== null ? ((arg as { jobId?: unknown }).jobId ?? (arg as { id?: unknown }).id) : arg;
  return jobId(candidate) ? candidate : undefined;
}

/** What the panel uses of the extension's JobService (src/extension/jobs/jobService.ts). */
export interface JobServiceLike {
  readonly root: string;
  all(): readonly JobRecords[];
  onDidChangeJobs(listener: (ids: readonly string[] | undefined) => unknown): { dispose(): void };
  kill(id: string, signal: string, graceMs: number): Promise<KillResult>;
  rerun(id: string): Promise<{ job_id: string }>;
  remove(id: string): Promise<unknown>;
}

/** The panel's view of the JobService: its in-memory snapshots and its actions, with outcomes worded for people. */
export function panelJobsFromService(jobs: JobServiceLike, graceMs: () => number, log: (message: string) => void): PanelJobs {
  return {
    get root() {
      return jobs.root;
    },
    listJobs: async () => jobs.all(),
    onDidChangeJobs: (l) => jobs.onDidChangeJobs(l),
    kill: async (id, signal) => {
      const r = await jobs.kill(id, signal, graceMs());
      log(`panel: kill ${id} ${signal}: ${JSON.stringify(r)}`);
      return describeKill(r);
    },
    rerun: async (id) => `Started job ${(await jobs.rerun(id)).job_id}.`,
    remove: async (id) => {
      await jobs.remove(id);
      return `Deleted job ${id}.`;
    },
    log,
  };
}

/** "Sent INT: job exited 130 within 12 ms", with escalation and survivors spelled out. */
export function describeKill(r: KillResult): string {
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
export function registerJobPanel(context: vscode.ExtensionContext, jobs: PanelJobs): JobPanel {
  const storage = context.storageUri ?? context.globalStorageUri;
  const panel = new JobPanel(context.extensionUri, jobs, path.join(storage.fsPath, 'job-panel-state.json'));
  context.subscriptions.push(
    panel,
    vscode.window.registerWebviewViewProvider(JOB_PANEL_VIEW_ID, panel),
    vscode.commands.registerCommand(OPEN_JOB_PANEL_COMMAND, (arg?: unknown) => panel.reveal(jobIdOf(arg))),
  );
  return panel;
}
