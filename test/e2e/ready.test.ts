/**
 * Issue 13 in a real VS Code (code-server) with the packaged extension: a job started with
 * `--ready-port` on a real listener reads "starting…" and then "ready :PORT" in the tree and in
 * the job panel, opens in the browser, the panel's kill menu previews what the kill will signal
 * (pid, port, owner) before killing, and a job started from the window announces it is ready.
 */
import { after, before, describe } from 'node:test';
import * as assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { freePort } from '../helpers/freePort';
import { screenshotStep, Session } from './harness/session';
import { cliRun, readJobState } from './harness/jobs';
import { JobsView, Workbench } from './pages/workbench';
import { JobPanel } from './pages/jobPanel';

const T = 20_000;
/** Where the closing note takes its screenshots from. */
const SCREENS = process.env.AGENT_EXEC_SCREENS ?? '/work/screens';

/** A dev-server-like script: prints "waiting", serves HTTP on the port it is given once the file `go` exists in its cwd. */
const DEV_SERVER = `const fs = require('fs');
const port = process.argv[2];
console.log('waiting');
const t = setInterval(() => {
  if (!fs.existsSync('go')) return;
  clearInterval(t);
  require('http').createServer((q, r) => r.end('ok')).listen(Number(port), '127.0.0.1', () => console.log('listening on ' + port));
}, 50);
`;

describe('Ready state, ports and kill preview in VS Code', { timeout: 300_000 }, () => {
  let s: Session;
  let wb: Workbench;
  let tree: JobsView;
  let panel: JobPanel;
  let port = 0;
  let go = '';
  let server = '';

  before(async () => {
    s = await Session.start({ name: 'ready' });
    wb = new Workbench(s.page);
    tree = new JobsView(s.page);
    panel = new JobPanel(s.page);
    mkdirSync(SCREENS, { recursive: true });
    port = await freePort();
    go = path.join(s.workspace, 'go');
    writeFileSync(path.join(s.workspace, 'dev-server.js'), DEV_SERVER);
  });

  after(async () => {
    await s?.stop();
  });

  const step = screenshotStep(() => s);
  const keep = async (name: string) => copyFileSync(await s.screenshot(name), path.join(SCREENS, `${name}.png`));

  step('a job started with --ready-port reads "starting…" in the tree and the panel until it listens', async () => {
    server = await cliRun(s, `node dev-server.js ${port}`, ['--ready-port', String(port)]);
    await tree.open();
    // A wider side bar: the row's description shows whole next to the command.
    const bar = (await s.page.locator('.part.sidebar').boundingBox())!;
    await s.page.mouse.move(bar.x + bar.width + 1, bar.y + bar.height / 2);
    await s.page.mouse.down();
    await s.page.mouse.move(bar.x + bar.width + 200, bar.y + bar.height / 2, { steps: 5 });
    await s.page.mouse.up();
    await tree.waitForDescription(server, 'starting…');
    await panel.open(wb);
    await panel.row(server).locator('td', { hasText: 'starting…' }).waitFor({ timeout: T });
    await s.screenshot('ready-starting');
  });

  step('once its process listens: "ready :PORT" in the tree, with Open in Browser', async () => {
    writeFileSync(go, '');
    await tree.waitForDescription(server, `ready :${port}`);
    await keep('ready-tree');
    const row = tree.row(server);
    // The tooltip has the Ready and Ports rows. A hover that VS Code did not take is tried again (bounded).
    const hover = s.page.locator('.monaco-hover', { hasText: 'Ready:' });
    for (const deadline = Date.now() + T; ;) {
      await s.page.mouse.move(0, 0);
      await row.locator('.label-name').hover();
      if (
        await hover.waitFor({ timeout: 3_000 }).then(
          () => true,
          () => false,
        )
      )
        break;
      if (Date.now() > deadline) throw new Error('the tooltip never showed');
    }
    assert.match(await hover.innerText(), new RegExp(`Ports: ${port}/tcp`));
    await s.screenshot('ready-tree-tooltip');
    await row.hover();
    await row.locator('.action-label[aria-label="Open in Browser"]').waitFor({ timeout: T });
    // The browser gets the job's page (code-server may route localhost through its port proxy).
    const opened = s.page.context().waitForEvent('page', { timeout: T });
    await row.locator('.action-label[aria-label="Open in Browser"]').click();
    const page = await opened;
    assert.match(page.url(), new RegExp(`(localhost:|/proxy/)${port}\\b`));
    await page.close();
  });

  step('the panel shows "ready :PORT" as a link to the job', async () => {
    await panel.open(wb);
    const link = panel.row(server).locator('button.ready-link', { hasText: `ready :${port}` });
    await link.waitFor({ timeout: T });
    assert.equal(await link.getAttribute('title'), `Open http://localhost:${port} in the browser`);
    await keep('ready-panel');
  });

  step("the panel's kill menu previews the kill (pid, command, port, run time) before it kills", async () => {
    const pid = readJobState(s, server).pid!;
    await panel.row(server).locator('[data-action="kill"]').click();
    const preview = panel.frame.locator('#kill-preview');
    await preview.filter({ hasText: `${port}/tcp` }).waitFor({ timeout: T });
    const text = await preview.innerText();
    assert.match(text, /Will signal \d+ process(es)?:/);
    assert.match(text, new RegExp(`\\b${pid}\\b`), `the workload pid ${pid} is listed: ${text}`);
    assert.match(text, /owner not recorded · running /);
    await keep('kill-preview-panel');
    // Nothing was signalled by the preview.
    assert.equal(readJobState(s, server).job.status, 'running');
    await panel.frame.locator('#kill-menu [data-signal="KILL"]').click();
    await panel.row(server).locator('.state-killed').waitFor({ timeout: T });
    await tree.waitForDescription(server, 'killed (KILL)');
  });

  step('a rerun from the window (a new attempt, same id, same --ready-port) announces "is ready on :PORT"', async () => {
    await tree.inlineAction(server, 'Rerun Job');
    const again = server;
    const toast = wb.notification(`is ready on :${port}`);
    await toast.waitFor({ timeout: T });
    await toast.getByRole('button', { name: 'Open in Browser' }).waitFor();
    await toast.getByRole('button', { name: 'Show Output' }).waitFor();
    await tree.waitForDescription(again, `ready :${port}`);
    await keep('ready-notification');
    await tree.inlineAction(again, 'Kill Job…');
    await wb.pickQuickItem('KILL');
    await tree.waitForDescription(again, 'killed (KILL)');
  });
});
