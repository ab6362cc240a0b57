/**
 * The job panel webview: a jobs table (table.ts, with its kill menu in killMenu.ts) and the
 * selected job's detail with its live log (logPane.ts), over one state object (state.ts).
 * Talks to the extension only through the typed messages of src/protocol/jobPanel.ts: it posts
 * `ready`, renders the snapshot the host answers with, then applies pushed windows of the job
 * list and log chunks (once per animation frame). The host sorts and filters the whole store and
 * sends one page of rows; "Show more" asks for the next. Never polls. UI choices survive
 * hide/reload via getState/setState. This file wires the parts and routes the host's messages.
 */
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import './styles.css';
import {
  Attempts,
  HOST_TO_WEBVIEW,
  JobsWindow,
  KillPreview,
  LogChunk,
  Notice,
  Ready,
  RevealJob,
  SaveUiState,
  Snapshot,
  describeDropped,
  parseMessage,
  type HostMessage,
  type UiState,
  type WebviewMessage,
} from '../src/protocol/jobPanel';
import { KillMenu } from './killMenu';
import { LogPane } from './logPane';
import { h } from './render';
import { createPanelState, type PanelContext } from './state';
import { JobsTable } from './table';

interface VsCodeApi {
  postMessage(msg: WebviewMessage): void;
  getState(): unknown;
  setState(state: UiState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

/** The panel's parts, created once by `start`. */
function start(vscode: VsCodeApi): void {
  const state = createPanelState(vscode.getState());
  const { ui } = state;
  const post = (msg: WebviewMessage) => vscode.postMessage(msg);
  let saveTimer: ReturnType<typeof setTimeout> | undefined;
  const ctx: PanelContext = {
    state,
    post,
    /**
     * Persists the UI state in the webview and with the host as a backup. Keystrokes are debounced;
     * a discrete choice (selection, stream, sort…) reaches the host at once, so a reload right
     * after it does not bring back the older host copy.
     */
    save(opts = {}) {
      vscode.setState(ui);
      clearTimeout(saveTimer);
      const backup = () => post(SaveUiState.create({ state: { ...ui } }));
      if (opts.typing) saveTimer = setTimeout(backup, 250);
      else backup();
    },
  };

  const killMenu = new KillMenu(ctx);
  const logPane = new LogPane(ctx);
  const table = new JobsTable(ctx, killMenu, {
    select,
    open: (id) => {
      select(id);
      logPane.focusLog();
    },
  });
  const notice = h('div', { class: 'notice', id: 'notice', role: 'status' });
  let noticeTimer: ReturnType<typeof setTimeout> | undefined;

  const app = document.getElementById('app') ?? document.body;
  app.append(table.toolbar, notice, table.empty, h('div', { class: 'split' }, table.pane, logPane.element));

  function select(id: string | null, opts: { focus?: boolean } = {}): void {
    const changed = id !== ui.selected;
    ui.selected = id;
    table.render();
    logPane.renderDetail();
    if (opts.focus && id) table.focusRow(id);
    // subscribe() saves the new selection (an unchanged one has nothing to save).
    if (changed) logPane.subscribe();
  }

  /** Puts the UI state into the inputs. */
  function showUiState(): void {
    table.showUiState();
    logPane.showUiState();
  }

  function onHostMessage(msg: HostMessage): void {
    if (Snapshot.is(msg)) {
      if (msg.params.ui) {
        // The host's copy of the UI state is fresher than getState after a reload in VS Code web.
        Object.assign(ui, msg.params.ui);
        showUiState();
        vscode.setState(ui);
      }
      // The host used its copy of the UI state, or the defaults: ask for ours when it differs.
      if (!table.applyWindow(msg.params.window).current) table.requestView();
      // The host answers the selection below with the job's row, or says it is gone.
      ui.selected = msg.params.selected ?? ui.selected;
      const selection = msg.params.window.selection;
      if (selection?.id === ui.selected && selection.row === null) ui.selected = null;
      table.renderHead();
      table.render();
      logPane.renderDetail();
      logPane.subscribe();
    } else if (JobsWindow.is(msg)) {
      const { current, changed } = table.applyWindow(msg.params);
      if (!current) return;
      const selection = msg.params.selection;
      if (ui.selected && selection?.id === ui.selected && selection.row === null) select(null);
      else {
        // Only the counts moved (jobs elsewhere in the store): the rows stay as they are.
        if (changed) table.render();
        else table.renderCount();
        logPane.renderDetail();
      }
    } else if (RevealJob.is(msg)) {
      if (ui.stateFilter || ui.tagFilter || ui.textFilter) table.clearFilters();
      select(msg.params.jobId, { focus: true });
    } else if (KillPreview.is(msg)) {
      killMenu.showPreview(msg.params.jobId, msg.params.preview, msg.params.error);
    } else if (Attempts.is(msg)) {
      logPane.attempts.show(msg.params.jobId, msg.params.attempts, msg.params.difference);
    } else if (LogChunk.is(msg)) {
      logPane.pushChunk(msg.params);
    } else if (Notice.is(msg)) {
      notice.textContent = msg.params.text;
      notice.className = `notice ${msg.params.level}`;
      clearTimeout(noticeTimer);
      noticeTimer = setTimeout(() => (notice.textContent = ''), msg.params.level === 'error' ? 15000 : 5000);
    }
  }

  window.addEventListener('message', (e: MessageEvent) => {
    const msg = parseMessage(HOST_TO_WEBVIEW, e.data);
    if (msg) onHostMessage(msg);
    else console.warn(`job panel: dropped ${describeDropped(e.data)}`);
  });

  showUiState();
  logPane.element.hidden = true;
  table.renderHead();
  post(Ready.create({}));
}

start(acquireVsCodeApi());
