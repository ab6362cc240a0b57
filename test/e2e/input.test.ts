/**
 * Issue 14 in a real VS Code (code-server) with the packaged extension: a job started with
 * `--stdin-pipe` that prompts reads "waiting for input" in the tree and shows the "needs input"
 * badge in the job panel; the job view's input box sends the answer and the job goes on. A job
 * rerun from the tree keeps its id and shows its attempts side by side in the panel, with where
 * the latest output first differs from the last success.
 */
import { after, before, describe } from 'node:test';
import * as assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { screenshotStep, Session } from './harness/session';
import { cliRun, readJobState } from './harness/jobs';
import { until } from './harness/processes';
import { JobsView, Workbench } from './pages/workbench';
import { JobPanel } from './pages/jobPanel';

const T = 20_000;
/** Where the closing note takes its screenshots from. */
const SCREENS = process.env.AGENT_EXEC_SCREENS ?? '/work/screens';

const PROMPTS = `printf "package name: "; read name; echo "got $name"; printf "Continue? [y/N] "; read ok; echo "ok $ok"`;
/** Succeeds on its first run, fails on the next: its output differs from the second line on. */
const FLAKY = `const fs = require('fs');
const n = fs.existsSync('runs') ? Number(fs.readFileSync('runs', 'utf8')) + 1 : 1;
fs.writeFileSync('runs', String(n));
console.log('building');
console.log(n === 1 ? 'tests passed' : 'test 3 failed');
process.exit(n === 1 ? 0 : 1);
`;

describe('Needs input, the input box and attempts in VS Code', { timeout: 300_000 }, () => {
  let s: Session;
  let wb: Workbench;
  let tree: JobsView;
  let panel: JobPanel;
  /** The --stdin-pipe job of the first step. */
  let prompting = '';

  before(async () => {
    s = await Session.start({ name: 'input' });
    wb = new Workbench(s.page);
    tree = new JobsView(s.page);
    panel = new JobPanel(s.page);
    mkdirSync(SCREENS, { recursive: true });
    writeFileSync(path.join(s.workspace, 'flaky.js'), FLAKY);
  });

  after(async () => {
    await s?.stop();
  });

  const step = screenshotStep(() => s);
  const keep = async (name: string) => copyFileSync(await s.screenshot(name), path.join(SCREENS, `${name}.png`));
  const stdoutOf = (id: string) => readFileSync(path.join(s.jobRoot, id, 'stdout.log'), 'utf8');

  step(
    'a --stdin-pipe job at a prompt: "waiting for input" in the tree, "needs input" in the panel; the input box answers it',
    async () => {
      const job = await cliRun(s, PROMPTS, ['--stdin-pipe']);
      await tree.open();
      await tree.waitForDescription(job, 'waiting for input');
      await panel.open(wb);
      await panel.row(job).locator('vscode-badge.attention', { hasText: 'needs input' }).waitFor({ timeout: T });
      await panel.select(job);
      const box = panel.frame.locator('#input-bar:not([hidden])');
      await box.waitFor({ timeout: T });
      await box.locator('#input-prompt', { hasText: 'package name:' }).waitFor({ timeout: T });
      await panel.frame.locator('#input-text input').fill('my-app');
      await keep('needs-input');
      await panel.frame.locator('#input-send').click();
      await until(() => stdoutOf(job).includes('got my-app\n'), T, 'the job to read the answer');
      // The next question gets its own badge; Enter in the box answers it too.
      await tree.waitForDescription(job, 'waiting for input');
      await box.locator('#input-prompt', { hasText: 'Continue? [y/N]' }).waitFor({ timeout: T });
      await panel.frame.locator('#input-text input').fill('y');
      await panel.frame.locator('#input-text input').press('Enter');
      await until(() => readJobState(s, job).job.status === 'exited', T, 'the job to finish');
      assert.equal(stdoutOf(job), 'package name: got my-app\nContinue? [y/N] ok y\n');
      await tree.waitForDescription(job, 'exited 0');
      await panel.frame.locator('#input-bar[hidden]').waitFor({ state: 'attached', timeout: T });
      prompting = job;
    },
  );

  step('rerun from this window, the job that waits for input is announced; its Send Input… answers it', async () => {
    await tree.inlineAction(prompting, 'Rerun Job');
    const toast = wb.notification('is waiting for input: package name:');
    await toast.waitFor({ timeout: T });
    await toast.getByRole('button', { name: 'Show Output' }).waitFor();
    await toast.getByRole('button', { name: 'Send Input…' }).click();
    await wb.typeInQuickInput('again');
    await s.page.keyboard.press('Enter');
    await until(() => stdoutOf(prompting).includes('got again\n'), T, 'the job to read the answer from the input box');
    // The second question, answered from the tree's inline Send Input….
    await tree.waitForDescription(prompting, 'waiting for input');
    await tree.inlineAction(prompting, 'Send Input…');
    await wb.typeInQuickInput('n');
    await s.page.keyboard.press('Enter');
    await until(() => readJobState(s, prompting).job.status === 'exited', T, 'the rerun to finish');
    assert.equal(stdoutOf(prompting), 'package name: got again\nContinue? [y/N] ok n\n');
    await wb.runCommand('Notifications: Clear All Notifications');
  });

  step('Rerun from the tree keeps the id; the panel shows both attempts and where the output first differs', async () => {
    const job = await cliRun(s, 'node flaky.js');
    await tree.waitForDescription(job, 'exited 0');
    await tree.inlineAction(job, 'Rerun Job');
    await until(() => existsSync(path.join(s.jobRoot, job, 'attempts', '1', 'state.json')), T, 'the first attempt kept');
    await tree.waitForDescription(job, 'exited 1');
    // The end of the rerun started from this window is announced: read, then put away (it covers the panel).
    await wb.notification('exited 1').waitFor({ timeout: T });
    await wb.runCommand('Notifications: Clear All Notifications');
    await panel.select(job);
    const attempts = panel.frame.locator('#attempts:not([hidden])');
    await attempts.waitFor({ timeout: T });
    await attempts.locator('tr[data-row-attempt="1"]', { hasText: 'exit 0' }).waitFor({ timeout: T });
    await attempts.locator('tr[data-row-attempt="2"]', { hasText: 'exit 1' }).waitFor({ timeout: T });
    const diff = await attempts.locator('#attempts-difference').innerText();
    assert.match(diff, /Attempt 2 first differs from attempt 1 \(the last success\) at line 2/);
    assert.match(diff, /#2: test 3 failed/);
    assert.match(diff, /#1: tests passed/);
    await keep('attempts');
    // The first attempt's log (of the stream the job view shows) opens in an editor.
    await attempts.locator('button[data-attempt="1"]').click();
    await s.page
      .locator('.tabs-container .tab', { hasText: /(stdout|stderr|full)\.log/ })
      .first()
      .waitFor({ timeout: T });
    await s.page.locator('.breadcrumbs-control', { hasText: 'attempts' }).first().waitFor({ timeout: T });
  });
});
