/**
 * Page objects for VS Code 1.100 (code-server 4.100.3) and the Agent Exec UI. Every wait is on
 * DOM state with a bounded timeout. Selectors: shared/notes/vscode-e2e.md.
 */
import type { Locator, Page } from 'playwright-core';

const T = 20_000;

export class Workbench {
  constructor(readonly page: Page) {}

  async ready(): Promise<void> {
    await this.page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    await this.page.locator('.part.activitybar .action-item').first().waitFor({ timeout: 60_000 });
  }

  /** Runs a Command Palette command by its full title ("Agent Exec: Run Command…"). */
  async runCommand(title: string): Promise<void> {
    await this.page.locator('.monaco-workbench').focus();
    await this.page.keyboard.press('F1');
    const input = this.quickInput.locator('.quick-input-box input');
    await input.waitFor({ timeout: T });
    // Click the exact command: fuzzy matching may rank a longer title first.
    const row = this.quickInput.locator(`.monaco-list-row[aria-label^="${title}"]`).first();
    // Right after a reload the palette can be computed before the extensions' commands are
    // registered, and it does not refresh until the query changes: type it again until it shows.
    const deadline = Date.now() + T;
    for (;;) {
      await input.fill(`>${title}`);
      const shown = await row.waitFor({ timeout: 3_000 }).then(
        () => true,
        () => false,
      );
      if (shown) break;
      if (Date.now() > deadline) throw new Error(`the command palette never offered "${title}"`);
      await input.fill('>');
    }
    await row.click();
  }

  get quickInput(): Locator {
    return this.page.locator('.quick-input-widget');
  }

  /**
   * A Quick Pick item by the start of its label, among the rows shown: the widget keeps the rows
   * of an earlier pick in a hidden list, which may come first.
   */
  quickItem(labelStart: string): Locator {
    return this.quickInput.locator(`.monaco-list-row[aria-label^="${labelStart}"] >> visible=true`).first();
  }

  async pickQuickItem(labelStart: string): Promise<void> {
    const row = this.quickItem(labelStart);
    await row.waitFor({ timeout: T });
    await row.click();
  }

  async typeInQuickInput(text: string): Promise<void> {
    const input = this.quickInput.locator('.quick-input-box input');
    await input.waitFor({ timeout: T });
    await input.fill(text);
  }

  async quickInputHidden(): Promise<void> {
    await this.quickInput.waitFor({ state: 'hidden', timeout: T });
  }

  /** Reloads the window (same as "Developer: Reload Window") and waits for the workbench. */
  async reload(): Promise<void> {
    await this.page.reload();
    await this.ready();
  }

  notification(textPart: string): Locator {
    return this.page.locator('.notification-toast', { hasText: textPart });
  }
}

export class JobsView {
  constructor(readonly page: Page) {}

  get container(): Locator {
    return this.page.locator('.part.activitybar .action-label[aria-label^="Agent Exec"]');
  }

  /** The Jobs tree's pane in the side bar (the job panel in the bottom panel is also named "Jobs"). */
  get pane(): Locator {
    return this.page.locator('.part.sidebar .pane', { has: this.page.locator('.pane-header[aria-label^="Jobs"]') });
  }

  /** Shows the Agent Exec container (a click on an already active container would close the side bar). */
  async open(): Promise<void> {
    await this.container.waitFor({ timeout: 60_000 });
    const active = this.page.locator('.part.activitybar .action-item.checked .action-label[aria-label^="Agent Exec"]');
    // While the workbench restores its layout a click can be undone: click again until it sticks.
    for (let attempt = 1; (await active.count()) === 0; attempt++) {
      await this.container.click();
      const shown = await active.waitFor({ timeout: 5_000 }).then(
        () => true,
        () => false,
      );
      if (!shown && attempt === 6) throw new Error('the Agent Exec view container does not open');
    }
    // With a single view the pane header is hidden: wait for the pane body instead.
    await this.pane.locator('.pane-body').waitFor({ timeout: T });
  }

  get welcome(): Locator {
    return this.pane.locator('.welcome-view-content');
  }

  /** The tree row of a job (its accessible label carries the job id). */
  row(jobId: string): Locator {
    return this.pane.locator(`.monaco-list-row[aria-label*="${jobId}"]`);
  }

  rows(): Locator {
    return this.pane.locator('.monaco-list-row');
  }

  description(jobId: string): Locator {
    return this.row(jobId).locator('.label-description');
  }

  /** Waits until the row's description contains `text`. */
  async waitForDescription(jobId: string, text: string, timeout = T): Promise<void> {
    await this.row(jobId).locator('.label-description', { hasText: text }).waitFor({ timeout });
  }

  /** Clicks an inline action of a row (hover first: the action bar is hidden until hover/focus). */
  async inlineAction(jobId: string, title: string): Promise<void> {
    const row = this.row(jobId);
    await row.hover();
    const action = row.locator(`.action-label[aria-label="${title}"]`);
    await action.waitFor({ timeout: T });
    await action.click();
  }

  /** Runs a context-menu entry of a row. */
  async contextAction(jobId: string, title: string): Promise<void> {
    await this.row(jobId).click({ button: 'right' });
    const item = this.page
      .locator(`.context-view .action-item .action-label[aria-label="${title}"], .context-view .action-menu-item:has-text("${title}")`)
      .first();
    await item.waitFor({ timeout: T });
    await item.click();
  }
}

export class StatusBar {
  constructor(readonly page: Page) {}

  get jobs(): Locator {
    return this.page
      .locator('.statusbar-item', { has: this.page.locator('[aria-label^="Agent Exec:"]') })
      .or(this.page.locator('.statusbar-item[aria-label^="Agent Exec:"]'));
  }

  async waitForText(text: string, timeout = T): Promise<void> {
    await this.page.locator('.part.statusbar [aria-label^="Agent Exec:"]', { hasText: text }).first().waitFor({ timeout });
  }
}
