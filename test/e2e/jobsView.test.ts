/**
 * Issue 4 scenarios in a real VS Code (code-server) with the packaged extension: the Jobs view,
 * Run Command, inline Kill with a chosen signal, escalation, status bar, reload.
 */
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { Session } from './harness/session';
import { cliRun, IGNORES_TERM, jobIds, newJob, readJobState, TRAPS_INT } from './harness/jobs';
import { JobsView, StatusBar, Workbench } from './pages/workbench';

describe('Jobs view in VS Code', { timeout: 300_000 }, () => {
  let s: Session;
  let wb: Workbench;
  let view: JobsView;
  let status: StatusBar;
  let intJob = '';
  let termJob = '';

  before(async () => {
    s = await Session.start({ name: 'jobs-view' });
    wb = new Workbench(s.page);
    view = new JobsView(s.page);
    status = new StatusBar(s.page);
  });

  after(async () => {
    await s?.stop();
  });

  /** Runs a step; on failure saves a screenshot named after it first. */
  const step = (name: string, fn: () => Promise<void>) =>
    it(name, async () => {
      try {
        await fn();
      } catch (err) {
        await s.screenshot(`FAILED-${name.replace(/\W+/g, '-')}`).catch(() => undefined);
        throw err;
      }
    });

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

  step('Run Command from the palette starts a job that appears in the tree', async () => {
    const before = jobIds(s);
    await wb.runCommand('Agent Exec: Run Command…');
    await wb.typeInQuickInput(IGNORES_TERM);
    await s.screenshot('run-command-input');
    await s.page.keyboard.press('Enter');
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
    await s.screenshot('term-escalated-killed');
  });
});
