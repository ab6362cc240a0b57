/** The job panel webview as the e2e tests drive it. */
import * as assert from 'node:assert/strict';
import type { FrameLocator, Locator, Page } from 'playwright-core';
import type { Workbench } from './workbench';

const T = 20_000;

/** The job panel webview (frames: VS Code's webview host iframe, then the content frame). */
export class JobPanel {
  constructor(readonly page: Page) {}

  get frame(): FrameLocator {
    return this.page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
  }

  row(jobId: string): Locator {
    return this.frame.locator(`tr[data-id="${jobId}"]`);
  }

  get log(): Locator {
    return this.frame.locator('#log-lines');
  }

  get status(): Locator {
    return this.frame.locator('#log-status');
  }

  async open(wb: Workbench): Promise<void> {
    await wb.runCommand('Agent Exec: Open Job Panel');
    await this.frame.locator('#jobs-table').waitFor({ timeout: 60_000 });
  }

  /** Polls the text of the log rows in view until `pred` holds. */
  async waitForLog(pred: (text: string) => boolean, what: string): Promise<string> {
    const t0 = Date.now();
    for (;;) {
      const text = await this.log.innerText().catch(() => '');
      if (pred(text)) return text;
      if (Date.now() - t0 > T) throw new Error(`log never showed ${what}; it shows:\n${text.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async select(jobId: string): Promise<void> {
    await this.row(jobId).locator('td').nth(1).click();
    await this.frame.locator('#detail:not([hidden])').waitFor({ timeout: T });
  }

  /** The log's byte window as the status line shows it: [start, end, total]. */
  async window(): Promise<[number, number, number]> {
    const text = await this.status.innerText();
    const m = /bytes ([\d,]+)–([\d,]+) of ([\d,]+)/.exec(text);
    assert.ok(m, `status line: ${text}`);
    const n = (s: string) => Number(s.replace(/,/g, ''));
    return [n(m[1]), n(m[2]), n(m[3])];
  }
}
