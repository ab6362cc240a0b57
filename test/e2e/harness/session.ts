/**
 * One real VS Code for a test file: code-server 4.100.3 on 127.0.0.1 (free port) with fresh
 * user-data / extensions / XDG / TMPDIR dirs under a temp root, the packaged extension installed
 * from the VSIX, and Chromium driven by playwright-core. `stop()` ends everything it started by
 * process group and pid and checks that nothing is left. Recipe: shared/notes/vscode-e2e.md.
 */
import { createWriteStream, cpSync, existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { it, type TestContext } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CodeServer, ENTRY, installVsix, REPO, VSIX } from './codeServer';
import { RUN_MARKER, endMarked, isLive, markedProcesses } from './processes';

/** Tests run from the repository root (npm scripts), like test/helpers/cli.ts. */
export const RESULTS = path.join(REPO, 'test-results');
const CHROMIUM = process.env.AGENT_EXEC_E2E_CHROMIUM ?? '/usr/bin/chromium';

export interface SessionOptions {
  /** Test-results sub-folder and screenshot prefix. */
  name: string;
  /** Extra user settings. */
  settings?: Record<string, unknown>;
  /** Names of the folders of a multi-root workspace (`<workspace>/<name>`); one folder by default. */
  folders?: string[];
  /** false: Workspace Trust is on and the workspace opens untrusted (Restricted Mode). */
  trusted?: boolean;
}

export class Session {
  readonly token = randomBytes(8).toString('hex');
  readonly tmp: string;
  readonly jobRoot: string;
  readonly workspace: string;
  /** What the window opens: the workspace folder, or the .code-workspace file of a multi-root one. */
  readonly opened: string;
  readonly userData: string;
  readonly env: NodeJS.ProcessEnv;
  readonly results: string;
  page!: Page;
  private browser: Browser | undefined;
  private server: CodeServer | undefined;
  private shot = 0;
  readonly consoleLines: string[] = [];

  private constructor(readonly opts: SessionOptions) {
    for (const f of [ENTRY, VSIX, CHROMIUM])
      if (!existsSync(f)) throw new Error(`${f} is missing: run \`npm run test:e2e\` (it runs test/e2e/setup.mjs and packages the VSIX)`);
    this.tmp = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'agent-exec-e2e-')));
    this.jobRoot = path.join(this.tmp, 'jobs');
    this.workspace = path.join(this.tmp, 'workspace');
    this.userData = path.join(this.tmp, 'user-data');
    this.results = path.join(RESULTS, opts.name);
    rmSync(this.results, { recursive: true, force: true });
    mkdirSync(this.results, { recursive: true });
    const xdg = (d: string) => path.join(this.tmp, d);
    for (const d of ['config', 'data', 'cache', 'tmp', 'extensions', 'user-data/User', 'user-data/Machine', 'workspace'])
      mkdirSync(xdg(d), { recursive: true });
    writeFileSync(path.join(this.workspace, 'README.md'), '# demo workspace\n');
    if (opts.folders) {
      for (const f of opts.folders) mkdirSync(path.join(this.workspace, f));
      this.opened = path.join(this.workspace, 'demo.code-workspace');
      writeFileSync(this.opened, JSON.stringify({ folders: opts.folders.map((f) => ({ path: f })) }));
    } else {
      this.opened = this.workspace;
    }
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
      'security.workspace.trust.enabled': this.opts.trusted === false,
      // Untrusted sessions open straight into Restricted Mode (no modal trust prompt).
      'security.workspace.trust.startupPrompt': 'never',
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
    // agentExec.root is machine-overridable: in a remote window (code-server is one) VS Code takes it
    // from the machine's settings and, after a reload, ignores the user's copy.
    const machine = Object.fromEntries(Object.entries(settings).filter(([k]) => k.startsWith('agentExec.')));
    writeFileSync(path.join(this.userData, 'Machine', 'settings.json'), JSON.stringify(machine, null, 2));
  }

  private async startServer(): Promise<void> {
    const dirs = { userData: this.userData, extensions: path.join(this.tmp, 'extensions'), workspace: this.opened };
    installVsix(dirs, this.env);
    const log = createWriteStream(path.join(this.results, 'code-server.log'));
    this.server = await CodeServer.start(dirs, this.env, { workspaceTrust: this.opts.trusted === false }, (child) => {
      child.stdout!.pipe(log);
      child.stderr!.pipe(log);
    });
  }

  get port(): number {
    return this.server?.port ?? 0;
  }

  get url(): string {
    return this.server!.url(this.opened);
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
    await this.server?.stop().catch((err: unknown) => problems.push(String(err)));
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

/**
 * A test step of a suite that shares one session: on failure it first saves a screenshot named
 * after the step (`FAILED-<name>.png`). `session` is read when the step runs (it is made in `before`).
 */
export function screenshotStep(session: () => Session) {
  return (name: string, fn: (t: TestContext) => Promise<void>) =>
    it(name, async (t) => {
      try {
        await fn(t);
      } catch (err) {
        await session()
          .screenshot(`FAILED-${name.replace(/\W+/g, '-')}`)
          .catch(() => undefined);
        throw err;
      }
    });
}
