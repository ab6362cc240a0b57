/**
 * Issue 5 scenarios in a real VS Code (code-server) with the packaged extension: the job panel
 * webview shows jobs, streams a running job's log live, switches streams, searches, kills with
 * INT (the panel and the tree both show the exit), opens a 100 MB log and pages up through it;
 * screenshots in the dark and the light theme.
 */
import { after, before, describe } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdirSync, openSync, writeSync, closeSync, writeFileSync, copyFileSync, renameSync } from 'node:fs';
import * as path from 'node:path';
import { RESULTS, screenshotStep, Session } from './harness/session';
import { cliRun, readJobState } from './harness/jobs';
import { writeFakeJob } from '../helpers/fakeJobs';
import { JobsView, Workbench } from './pages/workbench';
import { JobPanel } from './pages/jobPanel';

const T = 20_000;

/** Prints a green stdout line and a stderr line five times a second; exits 130 on INT. */
const CHATTY = `trap 'exit 130' INT; i=0; while :; do i=$((i+1)); printf '\\033[32mtick %d\\033[0m\\n' $i; echo "warn $i" >&2; sleep 0.2; done`;

/** A finished job written straight into the store, whose stdout.log is `bytes` of numbered lines. */
function bigLogJob(s: Session, bytes: number): string {
  const id = 'f'.repeat(32);
  const dir = path.join(s.jobRoot, id);
  mkdirSync(dir, { recursive: true });
  const at = '2026-11-30T03:00:00Z';
  writeFileSync(
    path.join(dir, 'meta.json'),
    JSON.stringify({
      job: { id },
      schema_version: '0.1',
      command: ['seq', '100000000'],
      created_at: at,
      root: s.jobRoot,
      env_keys: [],
      cwd: s.workspace,
      tags: ['big'],
      inherit_env: true,
      timeout_ms: 0,
      kill_after_ms: 0,
      progress_every_ms: 0,
    }),
  );
  writeFileSync(
    path.join(dir, 'state.json'),
    JSON.stringify({
      job: { id, status: 'exited', started_at: at },
      result: { exit_code: 0, signal: null, duration_ms: 61_000 },
      finished_at: '2026-11-30T03:01:01Z',
      updated_at: at,
    }),
  );
  const fd = openSync(path.join(dir, 'stdout.log'), 'w');
  const lines: string[] = [];
  let written = 0;
  for (let i = 1; written < bytes; i++) {
    lines.push(`line ${String(i).padStart(9, '0')} of the big log\n`);
    if (lines.length === 10_000) {
      const chunk = lines.join('');
      writeSync(fd, chunk);
      written += Buffer.byteLength(chunk);
      lines.length = 0;
    }
  }
  closeSync(fd);
  for (const f of ['stderr.log', 'full.log']) writeFileSync(path.join(dir, f), '');
  return id;
}

describe('Job panel in VS Code', { timeout: 300_000 }, () => {
  let s: Session;
  let wb: Workbench;
  let tree: JobsView;
  let panel: JobPanel;
  let chatty = '';

  before(async () => {
    s = await Session.start({ name: 'panel' });
    wb = new Workbench(s.page);
    tree = new JobsView(s.page);
    panel = new JobPanel(s.page);
  });

  after(async () => {
    await s?.stop();
  });

  const step = screenshotStep(() => s);

  step('opens from the command palette and lists a job started by the CLI', async () => {
    chatty = await cliRun(s, CHATTY);
    // The palette lists the extension's commands once its contributions are registered.
    await tree.open();
    await tree.row(chatty).waitFor({ timeout: T });
    await panel.open(wb);
    // The bottom panel is short by default: give the log room.
    await wb.runCommand('View: Toggle Maximized Panel');
    await panel.row(chatty).waitFor({ timeout: T });
    assert.match(await panel.row(chatty).innerText(), /running/);
    await s.screenshot('panel-open');
  });

  step('selecting a running job streams its log live, with ANSI colours as styled text', async () => {
    await panel.select(chatty);
    const ticks = (text: string) => [...text.matchAll(/tick (\d+)/g)].map((m) => Number(m[1]));
    const first = Math.max(...ticks(await panel.waitForLog((t) => ticks(t).length > 0, 'a tick line')));
    const before = await panel.window();
    await panel.waitForLog((t) => Math.max(...ticks(t)) >= first + 5, `tick ${first + 5}`);
    const later = await panel.window();
    assert.ok(later[1] > before[1], `window end moved: ${before[1]} → ${later[1]}`);
    // Colour came from the theme (a class), and the escape bytes never reach the text.
    const coloured = panel.log.locator('span.ansi-fg2', { hasText: 'tick' }).first();
    await coloured.waitFor({ timeout: T });
    const shown = await panel.log.innerText();
    assert.ok(!shown.includes('\x1b') && !shown.includes('[32m'), 'no raw escape sequence is shown');
    // The detail header shows the exact command and pid.
    const header = await panel.frame.locator('.detail-header').innerText();
    assert.ok(header.includes(CHATTY), `header shows the exact command: ${header}`);
    assert.match(header, new RegExp(`pid\\s+${readJobState(s, chatty).pid}`));
    await s.screenshot('panel-live-log');
  });

  step('switches to stderr', async () => {
    await panel.frame.locator('#stream-stderr').click();
    const text = await panel.waitForLog((t) => /^warn \d+$/m.test(t) && !/tick|STDERR/.test(t), 'only stderr lines');
    assert.doesNotMatch(text, /tick/);
    await s.screenshot('panel-stderr');
  });

  step('the selection and the stream survive a window reload (getState/setState)', async () => {
    await wb.reload();
    // Whether VS Code brings the bottom panel back open depends on when it last flushed its
    // layout before the reload (it sometimes did not): open it the way a user would.
    await panel.open(wb);
    await panel.row(chatty).and(panel.frame.locator('[aria-selected="true"]')).waitFor({ timeout: T });
    await panel.frame.locator('#stream-stderr[aria-pressed="true"]').waitFor({ timeout: T });
    await panel.waitForLog((t) => /^warn \d+$/m.test(t), 'stderr lines after the reload');
    await s.screenshot('panel-after-reload');
  });

  step('search counts matches in the loaded log', async () => {
    await panel.frame.locator('#search input').fill('warn 1');
    await panel.frame.locator('#match-count', { hasText: /\d+ match/ }).waitFor({ timeout: T });
    const n = Number(/(\d+) match/.exec(await panel.frame.locator('#match-count').innerText())![1]);
    assert.ok(n >= 1, `${n} matches`);
    // Enter jumps to the next matching line (rendered on demand: only rows in view are in the DOM).
    await panel.frame.locator('#search input').press('Enter');
    await panel.log.locator('.line.current mark').first().waitFor({ timeout: T });
    await s.screenshot('panel-search');
    await panel.frame.locator('#search input').fill('');
  });

  step('Kill with INT from the panel: the panel and the tree show exited 130', async () => {
    await panel.row(chatty).locator('[data-action="kill"]').click();
    await panel.frame.locator('#kill-menu').waitFor({ timeout: T });
    await s.screenshot('panel-kill-menu');
    await panel.frame.locator('#kill-menu [data-signal="INT"]').click();
    await panel
      .row(chatty)
      .locator('td', { hasText: /^exit 130$/ })
      .waitFor({ timeout: T });
    await panel.frame.locator('#notice', { hasText: /Sent INT/ }).waitFor({ timeout: T });
    assert.equal(readJobState(s, chatty).result.exit_code, 130);
    // The Jobs tree in the side bar shows the same outcome.
    await s.page
      .locator(`.part.sidebar .monaco-list-row[aria-label*="${chatty}"] .label-description`, { hasText: 'exited 130' })
      .waitFor({ timeout: T });
    await s.screenshot('panel-killed-int');
  });

  step('opens a 100 MB log at its tail and pages up by byte ranges', async () => {
    const big = bigLogJob(s, 100 * 1024 * 1024);
    await panel.open(wb);
    await panel.row(big).waitFor({ timeout: T });
    const t0 = Date.now();
    await panel.select(big);
    await panel.frame.locator('#stream-stdout').click();
    await panel.log.locator('.line').first().waitFor({ timeout: T });
    const openMs = Date.now() - t0;
    const [start, end, total] = await panel.window();
    assert.equal(end, total);
    assert.ok(total >= 100 * 1024 * 1024);
    assert.ok(end - start <= 256 * 1024, `only the tail is loaded: ${end - start} bytes`);
    // Scroll to the top of the window: an earlier range is loaded and prepended.
    const log = panel.frame.locator('#log');
    await log.evaluate((el) => (el.scrollTop = 0));
    let earlier = start;
    for (let i = 0; i < 50 && earlier >= start; i++) {
      await new Promise((r) => setTimeout(r, 100));
      earlier = (await panel.window())[0];
    }
    assert.ok(earlier < start, `window start moved up: ${start} → ${earlier}`);
    // The view stays on the earlier lines (it does not bounce back to the tail).
    await new Promise((r) => setTimeout(r, 1000));
    assert.ok((await panel.window())[0] < start, 'the window stays on the earlier part');
    assert.equal(
      await panel.frame.locator('#follow').evaluate((el) => (el as unknown as { checked: boolean }).checked),
      false,
      'scrolling up stops following',
    );
    await s.screenshot('panel-big-log-paged-up');
    s.consoleLines.push(`[panel e2e] 100 MB log: select → first line ${openMs} ms`);
  });

  step('the jobs table is keyboard navigable', async () => {
    const big = 'f'.repeat(32);
    await panel.row(big).focus();
    await s.page.keyboard.press('Enter');
    await panel.row(big).and(panel.frame.locator('[aria-selected="true"]')).waitFor({ timeout: T });
    await panel.row(big).focus();
    await s.page.keyboard.press('ArrowUp');
    await panel.row(chatty).and(panel.frame.locator('[aria-selected="true"]')).waitFor({ timeout: T });
    await panel.frame.locator('.detail-header', { hasText: 'exit 130' }).waitFor({ timeout: T });
  });

  step('selecting a job in the tree shows it in the panel, and the reverse', async () => {
    const big = 'f'.repeat(32);
    const panelSelected = (id: string) => panel.row(id).and(panel.frame.locator('[aria-selected="true"]'));
    const treeSelected = (id: string) => tree.row(id).and(s.page.locator('.selected'));
    await tree.row(big).click();
    await panelSelected(big).waitFor({ timeout: T });
    await panel.frame.locator('.detail-header', { hasText: big }).waitFor({ timeout: T });
    await panel.select(chatty);
    await treeSelected(chatty).waitFor({ timeout: T });
    assert.equal(await treeSelected(big).count(), 0, 'the tree kept the old selection');
    await s.screenshot('panel-tree-selection-sync');
  });

  step('the CSP blocks injected inline script, inline handlers and eval in the real webview', async () => {
    // Runs in the panel's content frame: what an injected payload (say, a log line that escaped
    // escaping) would try. Playwright's own evaluate is not subject to the page's CSP.
    const outcome = await panel.frame.locator('body').evaluate(async (body) => {
      // The test bundle has no DOM lib: just the shapes this probe touches.
      type El = { setAttribute(k: string, v: string): void; click(): void; remove(): void; textContent: string };
      const g = globalThis as unknown as Record<string, unknown> & {
        document: { createElement(tag: string): El; addEventListener(type: string, fn: (e: { violatedDirective: string }) => void): void };
      };
      const parent = body as unknown as { appendChild(el: El): void };
      const violations: string[] = [];
      const seen = new Promise<void>((resolve) => {
        g.document.addEventListener('securitypolicyviolation', (e) => {
          violations.push(e.violatedDirective);
          if (violations.length >= 2) resolve();
        });
      });
      const inline = g.document.createElement('script');
      inline.textContent = 'window.__inlineRan = true';
      parent.appendChild(inline);
      const handler = g.document.createElement('div');
      handler.setAttribute('onclick', 'window.__handlerRan = true');
      parent.appendChild(handler);
      handler.click();
      // Off the evaluate call's own stack: the inspector allows eval while it evaluates.
      const evalBlocked = await new Promise<boolean>((resolve) =>
        setTimeout(() => {
          try {
            (0, eval)('1');
            resolve(false);
          } catch {
            resolve(true);
          }
        }),
      );
      await Promise.race([seen, new Promise((r) => setTimeout(r, 5_000))]);
      inline.remove();
      handler.remove();
      return { inlineRan: g.__inlineRan === true, handlerRan: g.__handlerRan === true, evalBlocked, violations };
    });
    assert.equal(outcome.inlineRan, false, 'inline script ran');
    assert.equal(outcome.handlerRan, false, 'inline handler ran');
    assert.equal(outcome.evalBlocked, true, 'eval allowed');
    assert.ok(
      outcome.violations.length >= 2 && outcome.violations.every((d) => d.startsWith('script-src')),
      JSON.stringify(outcome.violations),
    );
    // The panel still works: its own nonce'd bundle is untouched.
    await panel.row(chatty).waitFor({ timeout: T });
  });

  step('with 10,000 jobs in the store the table shows one page with the counts, and pages on demand', async () => {
    // Older than the jobs above, so the job started first in this suite stays on the first page.
    // Written aside, then moved in whole, as agent-exec's atomic writes make them appear.
    const staging = path.join(s.tmp, 'staging');
    const many = Array.from({ length: 10_000 }, (_, i) =>
      writeFakeJob(staging, { ageSeconds: 86_400 + i, cwd: s.workspace, tags: i % 10 === 0 ? ['nightly'] : [] }),
    );
    for (const id of many) renameSync(path.join(staging, id), path.join(s.jobRoot, id));
    const count = panel.frame.locator('#job-count');
    await count.filter({ hasText: /^200 of 10,00\d jobs$/ }).waitFor({ timeout: 180_000 });
    assert.equal(await panel.frame.locator('#jobs-table tbody tr').count(), 200);
    await panel.row(chatty).waitFor({ timeout: T });
    await s.screenshot('panel-10k-jobs');
    await panel.frame.locator('#show-more').click();
    await count.filter({ hasText: /^400 of 10,00\d jobs$/ }).waitFor({ timeout: T });
    assert.equal(await panel.frame.locator('#jobs-table tbody tr').count(), 400);
    // The filter runs over the whole store: the oldest job is found though no page held it.
    await panel.frame.locator('#filter-text input').fill(many[9_999]);
    await panel.row(many[9_999]).waitFor({ timeout: T });
    await count.filter({ hasText: /^1 of 1 jobs \(10,00\d in the store\)$/ }).waitFor({ timeout: T });
    await panel.frame.locator('#filter-text input').fill('');
    await count.filter({ hasText: /^200 of 10,00\d jobs$/ }).waitFor({ timeout: T });
    // The tree stays small too: the latest 50 finished jobs, then one row counting the rest.
    const total = Number(/of ([\d,]+) jobs/.exec(await count.innerText())![1].replace(/,/g, ''));
    await tree.row(chatty).click();
    await s.page.keyboard.press('End');
    const more = tree.pane.locator('.monaco-list-row', { hasText: 'more jobs…' });
    await more.waitFor({ timeout: T });
    assert.match(await more.innerText(), new RegExp(`^${(total - 50).toLocaleString('en-US')} more jobs…`));
  });

  step('looks native in the dark, the light and the high-contrast theme', async () => {
    await panel.open(wb);
    await panel.select(chatty);
    await panel.frame.locator('#stream-combined').click();
    await panel.log.locator('.line').first().waitFor({ timeout: T });
    copyFileSync(await s.screenshot('panel-dark'), path.join(RESULTS, 'panel-dark.png'));
    s.writeSettings({ 'workbench.colorTheme': 'Default Light Modern' });
    await s.page.locator('.monaco-workbench.vs').waitFor({ timeout: T });
    await panel.log.locator('.line').first().waitFor({ timeout: T });
    copyFileSync(await s.screenshot('panel-light'), path.join(RESULTS, 'panel-light.png'));
    // Through the theme picker: a second settings.json write did not switch the theme.
    await wb.runCommand('Preferences: Color Theme');
    await wb.typeInQuickInput('Dark High Contrast');
    await wb.pickQuickItem('Dark High Contrast');
    await s.page.locator('.monaco-workbench.hc-black').waitFor({ timeout: T });
    await panel.log.locator('.line').first().waitFor({ timeout: T });
    // The webview gets the theme's contrast border: the table and log frames are drawn with it.
    const border = await panel.frame.locator('body').evaluate((body) => {
      const g = globalThis as unknown as { getComputedStyle(el: unknown): { getPropertyValue(name: string): string } };
      return g.getComputedStyle(body).getPropertyValue('--vscode-contrastBorder').trim();
    });
    assert.ok(border !== '', 'no contrast border colour in the high-contrast theme');
    copyFileSync(await s.screenshot('panel-high-contrast'), path.join(RESULTS, 'panel-high-contrast.png'));
  });

  /** Waits until the bottom panel's webview and the editor tab's both list job `id`. */
  async function bothWebviewsList(id: string): Promise<void> {
    await s.page.locator('iframe.webview.ready').nth(1).waitFor({ state: 'attached', timeout: T });
    const rowIn = (i: number) =>
      s.page.frameLocator(`iframe.webview.ready >> nth=${i}`).frameLocator('#active-frame').locator(`tr[data-id="${id}"]`);
    const t0 = Date.now();
    while ((await rowIn(0).count()) + (await rowIn(1).count()) < 2) {
      if (Date.now() - t0 > T) throw new Error(`both webviews should list job ${id}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  step('"Open in Editor" opens the same panel as an editor tab', async () => {
    await panel.frame.locator('#open-in-editor').click();
    await s.page.locator('.tabs-container .tab', { hasText: 'Agent Exec Jobs' }).waitFor({ timeout: T });
    // A second webview (the editor's) comes up beside the bottom panel's and lists the same jobs.
    await bothWebviewsList(chatty);
    await s.screenshot('panel-open-in-editor');
  });

  step('closing the editor tab lets it go: "Open in Editor" opens a fresh, live one', async () => {
    const tab = s.page.locator('.tabs-container .tab', { hasText: 'Agent Exec Jobs' });
    await tab.hover();
    await tab.locator('.tab-actions .action-label').click();
    await tab.waitFor({ state: 'detached', timeout: T });
    await panel.frame.locator('#open-in-editor').click();
    await tab.waitFor({ timeout: T });
    await bothWebviewsList(chatty);
  });
});
