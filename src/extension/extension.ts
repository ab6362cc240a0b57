/**
 * Composition root: builds the job service, the views and the commands, and wires settings.
 * Everything heavier (reading the store) happens after `activate` returns.
 */
import { performance } from 'node:perf_hooks';
import type * as vscode from 'vscode';
import { registerCopyCommands } from './commands/copyJob';
import type { Services } from './commands/command';
import { registerDeleteFinished } from './commands/deleteFinished';
import { registerDelete } from './commands/deleteJob';
import { registerKillCommands } from './commands/killJob';
import { registerOpenStoreFolder } from './commands/openStoreFolder';
import { registerGroupBy } from './commands/groupBy';
import { registerRefresh } from './commands/refresh';
import { registerRerun } from './commands/rerunJob';
import { registerRunCommand } from './commands/runCommand';
import { registerRevealLog } from './commands/revealLog';
import { registerShowOutput } from './commands/showOutput';
import { registerAgentCommands } from './agent/agentCommands';
import { registerTools } from './lm/registerTools';
import { registerMcp } from './mcp/registerMcp';
import { onDidChangeConfig, readConfig } from './config';
import { JobService } from './jobs/jobService';
import { createLogger } from './log';
import { notifyFinished, notifyNeedsInput, notifyReady, shouldNotifyNeedsInput, shouldNotifyReady } from './notifications';
import { AttentionWatcher } from './jobs/attentionWatcher';
import { registerInputCommands } from './commands/sendInput';
import { ReadyWatcher } from './jobs/readyWatcher';
import { registerOpenInBrowser } from './commands/openInBrowser';
import { registerJobPanel } from './panel/jobPanel';
import { JobsStatusBar } from './statusBar';
import { createJobsTree, JobsTreeProvider } from './views/jobsTree';
import { syncTreeAndPanel } from './views/selectionSync';
import { requireTrustedWorkspace } from './trust';
import { LogDocuments } from './views/logDocument';

/** Jobs started from this workspace whose end has not been notified yet (survives a reload). */
const STARTED_KEY = 'agentExec.startedJobs';

export function activate(context: vscode.ExtensionContext): void {
  const t0 = performance.now();
  const log = createLogger();
  let config = readConfig();
  // The workload must not inherit ELECTRON_RUN_AS_NODE (a `code` it runs would start as Node).
  const { ELECTRON_RUN_AS_NODE: _electron, ...env } = process.env;
  const jobs = new JobService({
    root: config.root,
    runtime: {
      execPath: process.execPath,
      script: context.asAbsolutePath('dist/supervisor.js'),
      env: { ...env, ELECTRON_RUN_AS_NODE: '1' },
    },
    env,
    log: (m) => log.warn(m),
    requireTrust: requireTrustedWorkspace,
    startedStore: {
      get: () => context.workspaceState.get<string[]>(STARTED_KEY, []),
      set: (ids) => void context.workspaceState.update(STARTED_KEY, ids),
    },
  });
  const live = new ReadyWatcher(jobs, (m) => log.warn(m));
  const attention = new AttentionWatcher(jobs, (m) => log.warn(m));
  const svc: Services = { jobs: () => jobs, live: () => live, attention: () => attention, config: () => config, log, context };
  const tree = new JobsTreeProvider(jobs, live, attention, { maxFinished: config.maxFinished, groupBy: config.groupBy });
  const treeView = createJobsTree(tree);
  const statusBar = new JobsStatusBar();
  context.subscriptions.push(
    log,
    jobs,
    live,
    attention,
    tree,
    treeView,
    statusBar,
    new LogDocuments(() => jobs.root),
    jobs.onDidChangeJobs(() => statusBar.update(jobs)),
    jobs.onDidFinishStartedJob((job) => void notifyFinished(job, config.notifications)),
    live.onDidBecomeReady((e) => {
      if (shouldNotifyReady(e, jobs, config.notifications)) void notifyReady(svc, e.job);
    }),
    attention.onDidNeedInput((e) => {
      if (shouldNotifyNeedsInput(e, jobs, config.notifications)) void notifyNeedsInput(svc, e);
    }),
    registerRunCommand(svc),
    ...registerKillCommands(svc),
    registerShowOutput(svc),
    registerOpenInBrowser(svc),
    ...registerInputCommands(svc),
    registerRerun(svc),
    registerDelete(svc),
    registerDeleteFinished(svc),
    registerRefresh(svc),
    registerGroupBy(svc),
    registerOpenStoreFolder(svc),
    ...registerCopyCommands(svc),
    registerRevealLog(svc),
    registerTools(svc),
    registerAgentCommands(svc),
    registerMcp(svc),
    onDidChangeConfig(() => {
      config = readConfig();
      tree.setOptions({ maxFinished: config.maxFinished, groupBy: config.groupBy });
      if (config.root !== jobs.root) log.info(`job root changed to ${config.root}`);
      void jobs.setRoot(config.root);
    }),
  );
  const panel = registerJobPanel(
    context,
    jobs,
    live,
    attention,
    () => config.graceMs,
    (m) => log.info(m),
  );
  context.subscriptions.push(syncTreeAndPanel(treeView, tree, panel));
  statusBar.update(jobs);
  log.info(`activated in ${(performance.now() - t0).toFixed(1)} ms; job root ${config.root}`);
  const t1 = performance.now();
  void jobs.start().then(() => log.info(`read ${jobs.all().length} jobs in ${(performance.now() - t1).toFixed(1)} ms`));
}

export function deactivate(): void {
  // Everything is in context.subscriptions; jobs keep running (they are detached by design).
}
