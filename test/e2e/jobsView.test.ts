/**
 * Issue 4 scenarios in a real VS Code (code-server) with the packaged extension: the Jobs view,
 * Run Command, inline Kill with a chosen signal, escalation, status bar, reload.
 */
import { after, before, describe } from 'node:test';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as assert from 'node:assert/strict';
import { freePort } from '../helpers/freePort';
import { screenshotStep, Session } from './harness/session';
import { cliRun, IGNORES_TERM, jobIds, newJob, readJobState, TRAPS_INT } from './harness/jobs';
import { JobsView, StatusBar, Workbench } from './pages/workbench';

describe('Jobs view in VS Code', { timeout: 300_000 }, () => {
  let s: Session;
  let wb: Workbench;
  let view: JobsView;
  let status: StatusBar;
  let intJob = '';
  let termJob = '';
  const figures: Record<string, number> = {};

  before(async () => {
    s = await Session.start({ name: 'jobs-view' });
    wb = new Workbench(s.page);
    view = new JobsView(s.page);
    status = new StatusBar(s.page);
  });

  after(async () => {
    if (s) writeFileSync(path.join(s.results, 'figures.json'), JSON.stringify(figures, null, 2));
    await s?.stop();
  });

  const step = screenshotStep(() => s);

  step('shows the welcome view when the store is empty', async () => {
    await view.open();
    await view.welcome.getByText('No jobs in the job store yet.').waitFor({ timeout: 30_000 });
    await view.welcome.getByRole('button', { name: 'Run a Command…' }).waitFor();
    await s.screenshot('welcome-empty-store');
  });

  step('shows a job started from the CLI', async () => {
    intJob = await cliRun(s, TRAPS_INT);
    await view.row(intJob).waitFor({ timeout: 10_000 });
    await view.waitForDescription(intJob, 'running');
    await s.screenshot('cli-job-running');
  });

  step('counts running jobs in the status bar', async () => {
    await status.waitForText('1 running');
    await s.screenshot('status-bar-1-running');
  });

  step('Run Command from the palette starts a job that appears in the tree', async (t) => {
    const before = jobIds(s);
    await wb.runCommand('Agent Exec: Run Command…');
    await wb.typeInQuickInput(IGNORES_TERM);
    await s.screenshot('run-command-input');
    const t0 = Date.now();
    await s.page.keyboard.press('Enter');
    // Any new row: the job id is not known until the store has it.
    await view.rows().nth(1).waitFor({ timeout: 10_000 });
    figures.enterToRowMs = Date.now() - t0;
    t.diagnostic(`Enter in the Run Command box → row visible in the tree: ${figures.enterToRowMs} ms`);
    termJob = await newJob(s, before);
    await view.row(termJob).waitFor({ timeout: 10_000 });
    await view.waitForDescription(termJob, 'running');
    await status.waitForText('2 running');
    await s.screenshot('palette-job-running');
  });

  step('inline Kill with INT ends a job that traps INT: "exited 130"', async () => {
    await view.inlineAction(intJob, 'Kill Job…');
    await wb.quickItem('INT').waitFor();
    await s.screenshot('kill-signal-pick');
    await wb.pickQuickItem('INT');
    await view.waitForDescription(intJob, 'exited 130');
    assert.equal(readJobState(s, intJob).result.exit_code, 130);
    await status.waitForText('1 running');
    await s.screenshot('int-exited-130');
  });

  step('a window reload keeps jobs listed and killable', async () => {
    await wb.reload();
    await view.open();
    await view.waitForDescription(intJob, 'exited 130');
    await view.waitForDescription(termJob, 'running');
    await status.waitForText('1 running');
    await s.screenshot('after-reload');
  });

  step('Kill with TERM on a job that ignores TERM escalates to KILL: "killed"', async () => {
    await view.inlineAction(termJob, 'Kill Job…');
    await wb.pickQuickItem('TERM');
    await view.waitForDescription(termJob, 'killed (KILL)', 15_000);
    const st = readJobState(s, termJob);
    assert.equal(st.job.status, 'killed');
    assert.ok(['KILL', 'SIGKILL', '9'].includes(st.result.signal ?? ''), `signal ${st.result.signal}`);
    await status.waitForText('0 running');
    // It was started from this window: its end is notified, with Show Output / Rerun.
    const toast = wb.notification('killed (KILL)');
    await toast.waitFor({ timeout: 10_000 });
    await toast.getByRole('button', { name: 'Show Output' }).waitFor();
    await s.screenshot('term-escalated-killed');
  });

  step('multi-select, then Kill with KILL from the context menu kills every selected job', async () => {
    const a = await cliRun(s, 'sleep 300');
    const b = await cliRun(s, 'sleep 301');
    await view.row(a).waitFor({ timeout: 10_000 });
    await view.row(b).waitFor({ timeout: 10_000 });
    await status.waitForText('2 running');
    await view.row(a).click();
    await view.row(b).click({ modifiers: ['Control'] });
    await view.row(b).click({ button: 'right' });
    const item = s.page.locator('.monaco-menu .action-item', { hasText: 'Kill with KILL (force)' });
    await item.waitFor({ timeout: 10_000 });
    await s.screenshot('context-menu-multi-select');
    await item.click();
    await view.waitForDescription(a, 'killed (KILL)');
    await view.waitForDescription(b, 'killed (KILL)');
    await status.waitForText('0 running');
  });

  step('the Kill Quick Pick shows a detail line per job: processes, port, owner, run time', async () => {
    // A free loopback port, then a job that listens on it.
    const port = await freePort();
    const server = await cliRun(s, `'${process.execPath}' -e "require('http').createServer().listen(${port}, '127.0.0.1')"`);
    await view.row(server).waitFor({ timeout: 10_000 });
    await status.waitForText('1 running');
    // The port is bound a moment after the job starts: reopen the pick until its preview has it (bounded).
    const row = wb.quickInput.locator('.monaco-list-row', { hasText: `port ${port}/tcp` });
    const deadline = Date.now() + 20_000;
    for (;;) {
      await wb.runCommand('Agent Exec: Kill Job…');
      if (
        await row.waitFor({ timeout: 3_000 }).then(
          () => true,
          () => false,
        )
      )
        break;
      await s.page.keyboard.press('Escape');
      if (Date.now() > deadline) throw new Error(`the Kill Quick Pick never showed port ${port}`);
    }
    assert.match(
      await row.innerText(),
      new RegExp(`\\d+ process(es)? · port ${port}/tcp · owner not recorded · running [^·]+ · ${server}`),
    );
    await s.screenshot('kill-pick-preview');
    await row.click();
    await s.page.keyboard.press('Enter');
    await wb.pickQuickItem('KILL');
    await view.waitForDescription(server, 'killed (KILL)');
    await status.waitForText('0 running');
  });

  step('Group Jobs By… State shows Running / Failed / Killed / Succeeded groups', async () => {
    await wb.runCommand('Agent Exec: Group Jobs By…');
    await wb.pickQuickItem('State');
    await view.pane.locator('.monaco-list-row[aria-label^="Killed"]').waitFor({ timeout: 10_000 });
    await view.pane.locator('.monaco-list-row[aria-label^="Failed"]').waitFor();
    await view.waitForDescription(termJob, 'killed (KILL)');
    await s.screenshot('grouped-by-state');
    await wb.runCommand('Agent Exec: Group Jobs By…');
    await wb.pickQuickItem('None');
    await view.pane.locator('.monaco-list-row[aria-label^="Killed"]').waitFor({ state: 'detached', timeout: 10_000 });
  });

  step('Show Job Output opens the log read-only and follows its growth', async () => {
    const job = await cliRun(s, 'for i in 1 2 3 4 5 6; do echo "line $i"; sleep 0.4; done');
    await view.row(job).waitFor({ timeout: 10_000 });
    await view.inlineAction(job, 'Show Job Output');
    const editor = s.page.locator('.editor-instance .monaco-editor').first();
    await editor.locator('.view-lines', { hasText: 'line 1' }).waitFor({ timeout: 10_000 });
    await editor.locator('.view-lines', { hasText: 'line 6' }).waitFor({ timeout: 15_000 });
    await view.waitForDescription(job, 'exited 0');
    // Typing into a read-only editor shows VS Code's "Cannot edit in read-only editor" message.
    await editor.locator('.view-lines').click();
    await s.page.keyboard.type('x');
    await s.page.locator('.monaco-editor-overlaymessage', { hasText: 'read-only' }).waitFor({ timeout: 10_000 });
    await s.screenshot('show-output-follows');
  });

  step('looks native in the dark theme too', async () => {
    await wb.runCommand('Preferences: Color Theme');
    await wb.typeInQuickInput('Dark Modern');
    await wb.pickQuickItem('Dark Modern');
    await s.page.locator('.monaco-workbench.vs-dark').waitFor({ timeout: 20_000 });
    await view.row(termJob).hover();
    await s.screenshot('dark-theme');
  });

  step('Delete Finished Jobs empties the store and the welcome view returns', async () => {
    await wb.runCommand('Agent Exec: Delete Finished Jobs');
    const dialog = s.page.locator('.monaco-dialog-box');
    await dialog.waitFor({ timeout: 10_000 });
    await s.screenshot('delete-finished-confirm');
    await dialog.getByRole('button', { name: 'Delete' }).click();
    await view.welcome.getByText('No jobs in the job store yet.').waitFor({ timeout: 15_000 });
    assert.deepEqual(jobIds(s), []);
    await s.screenshot('welcome-after-delete');
  });
});
