/**
 * One real VS Code for a test file: code-server 4.100.3 on 127.0.0.1 (free port) with fresh
 * user-data / extensions / XDG / TMPDIR dirs under a temp root, the packaged extension installed
 * from the VSIX, and Chromium driven by playwright-core. `stop()` ends everything it started by
 * process group and pid and checks that nothing is left. Recipe: shared/notes/vscode-e2e.md.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, cpSync, existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { chromium, type Browser, type Page } from 'playwright-core';
import { RUN_MARKER, endMarked, isLive, markedProcesses, signal, until } from './processes';

/** Tests run from the repository root (npm scripts), like test/helpers/cli.ts. */
export const REPO = path.resolve('.');
export const TOOLS = process.env.AGENT_EXEC_E2E_TOOLS ?? path.join(REPO, '.e2e', 'tools');
export const VSIX = path.join(REPO, 'agent-exec-vscode.vsix');
export const RESULTS = path.join(REPO, 'test-results');
const ENTRY = path.join(TOOLS, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
const CHROMIUM = process.env.AGENT_EXEC_E2E_CHROMIUM ?? '/usr/bin/chromium';

export interface SessionOptions {
  /** Test-results sub-folder and screenshot prefix. */
  name: string;
  /** Extra user settings. */
  settings?: Record<string, unknown>;
  /** Workspace folders; one by default. */
  folders?: number;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

function groupExists(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

export class Session {
  readonly token = randomBytes(8).toString('hex');
  readonly tmp: string;
  readonly jobRoot: string;
  readonly workspace: string;
  readonly userData: string;
  readonly env: NodeJS.ProcessEnv;
  readonly results: string;
  port = 0;
  page!: Page;
  private browser: Browser | undefined;
  private server: ChildProcess | undefined;
  private serverExit: Promise<void> | undefined;
  private shot = 0;
  readonly consoleLines: string[] = [];

  private constructor(readonly opts: SessionOptions) {
    for (const f of [ENTRY, VSIX, CHROMIUM]) if (!existsSync(f)) throw new Error(`${f} is missing: run \`npm run test:e2e\` (it runs test/e2e/setup.mjs and packages the VSIX)`);
    this.tmp = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'agent-exec-e2e-')));
    this.jobRoot = path.join(this.tmp, 'jobs');
    this.workspace = path.join(this.tmp, 'workspace');
    this.userData = path.join(this.tmp, 'user-data');
    this.results = path.join(RESULTS, opts.name);
    rmSync(this.results, { recursive: true, force: true });
    mkdirSync(this.results, { recursive: true });
    const xdg = (d: string) => path.join(this.tmp, d);
    for (const d of ['config', 'data', 'cache', 'tmp', 'extensions', 'user-data/User', 'workspace']) mkdirSync(xdg(d), { recursive: true });
    writeFileSync(path.join(this.workspace, 'README.md'), '# demo workspace\n');
    this.env = {
      ...process.env,
      XDG_CONFIG_HOME: xdg('config'),
      XDG_DATA_HOME: xdg('data'),
      XDG_CACHE_HOME: xdg('cache'),
      TMPDIR: xdg('tmp'),
      AGENT_EXEC_ROOT: '',
      [RUN_MARKER]: this.token,
    };
    this.writeSettings(opts.settings ?? {});
  }

  static async start(opts: SessionOptions): Promise<Session> {
    const s = new Session(opts);
    try {
      await s.startServer();
      await s.openBrowser();
    } catch (err) {
      await s.stop().catch(() => undefined);
      throw err;
    }
    return s;
  }

  /** User settings: the extension points at this session's job root; noise off. */
  writeSettings(extra: Record<string, unknown>): void {
    const settings = {
      'security.workspace.trust.enabled': false,
      'workbench.startupEditor': 'none',
      'workbench.tips.enabled': false,
      'workbench.enableExperiments': false,
      'extensions.ignoreRecommendations': true,
      'extensions.autoUpdate': false,
      'extensions.autoCheckUpdates': false,
      'update.mode': 'none',
      'telemetry.telemetryLevel': 'off',
      'terminal.integrated.gpuAcceleration': 'off',
      'window.commandCenter': true,
      'agentExec.root': this.jobRoot,
      'agentExec.kill.graceSeconds': 2,
      ...extra,
    };
    writeFileSync(path.join(this.userData, 'User', 'settings.json'), JSON.stringify(settings, null, 2));
  }

  private async startServer(): Promise<void> {
    const ext = path.join(this.tmp, 'extensions');
    execFileSync(process.execPath, [ENTRY, '--user-data-dir', this.userData, '--extensions-dir', ext, '--install-extension', VSIX], {
      env: this.env,
      stdio: 'pipe',
      timeout: 60_000,
    });
    this.port = await freePort();
    const log = createWriteStream(path.join(this.results, 'code-server.log'));
    // detached: code-server forks the extension host, pty host and file watcher into its process group.
    const child = spawn(
      process.execPath,
      [
        ENTRY,
        '--auth', 'none',
        '--bind-addr', `127.0.0.1:${this.port}`,
        '--disable-telemetry',
        '--disable-update-check',
        '--disable-workspace-trust',
        '--disable-getting-started-override',
        '--ignore-last-opened',
        '--user-data-dir', this.userData,
        '--extensions-dir', ext,
        this.workspace,
      ],
      { env: this.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.server = child;
    this.serverExit = new Promise((resolve) => child.once('exit', () => resolve()));
    child.stdout!.pipe(log);
    child.stderr!.pipe(log);
    await until(
      async () => {
        if (child.exitCode !== null) throw new Error(`code-server exited with ${child.exitCode}; see ${log.path}`);
        return fetch(`http://127.0.0.1:${this.port}/healthz`).then((r) => r.ok, () => false);
      },
      30_000,
      'code-server /healthz',
      100,
    );
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/?folder=${encodeURIComponent(this.workspace)}`;
  }

  private async openBrowser(): Promise<void> {
    this.browser = await chromium.launch({
      executablePath: CHROMIUM,
      env: this.env as Record<string, string>,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-dev-shm-usage',
      ],
    });
    const context = await this.browser.newContext({ viewport: { width: 1280, height: 800 } });
    // Clipboard reads in tests (Copy Job ID) need the permission on the code-server origin.
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: `http://127.0.0.1:${this.port}` });
    this.page = await context.newPage();
    this.page.on('console', (m) => this.consoleLines.push(`[${m.type()}] ${m.text()}`));
    await this.page.goto(this.url);
    await this.page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
  }

  /** Saves `test-results/<name>/<nn>-<step>.png`. */
  async screenshot(step: string): Promise<string> {
    const file = path.join(this.results, `${String(++this.shot).padStart(2, '0')}-${step}.png`);
    await this.page.screenshot({ path: file });
    return file;
  }

  /** Closes the browser, ends code-server's process group and every marked process; throws if any had to be forced. */
  async stop(): Promise<void> {
    const problems: string[] = [];
    await this.browser?.close().catch((err: unknown) => problems.push(`closing Chromium: ${String(err)}`));
    const pid = this.server?.pid;
    if (pid !== undefined && this.server?.exitCode === null) {
      signal(-pid, 'SIGTERM');
      const exited = await Promise.race([this.serverExit!.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 10_000))]);
      if (!exited) signal(-pid, 'SIGKILL');
      await this.serverExit;
      // The group's stragglers (exthost, pty host, watcher) go with the leader's group.
      signal(-pid, 'SIGKILL');
      await until(() => !groupExists(pid), 10_000, `code-server's process group ${pid} to be gone`).catch((err: unknown) => problems.push(String(err)));
    }
    writeFileSync(path.join(this.results, 'browser-console.log'), this.consoleLines.join('\n'));
    const logs = path.join(this.userData, 'logs');
    if (existsSync(logs)) cpSync(logs, path.join(this.results, 'vscode-logs'), { recursive: true });
    const leftovers = await endMarked(this.token);
    if (leftovers.length > 0) problems.push(`processes left after stop (ended now): ${leftovers.join(', ')}`);
    if (markedProcesses(this.token).some(isLive)) problems.push('marked processes still alive');
    if (!process.env.AGENT_EXEC_E2E_KEEP) rmSync(this.tmp, { recursive: true, force: true });
    if (problems.length > 0) throw new Error(problems.join('; '));
  }
}
