/**
 * The job view's input box, for a running job with an input channel: sends a line (Enter or
 * "Send") or ends the input, by job id through the host. Hides what is typed when the job's last
 * line asks for a password (the host decides that, with core's rule).
 */
import { MAX_INPUT_CHARS, SendJobInput, type JobRow } from '../src/protocol/jobPanel';
import { h } from './render';
import type { PanelContext } from './state';

type TextInput = HTMLElement & { value: string; type: string };

export class InputBar {
  private readonly prompt = h('span', { class: 'prompt', id: 'input-prompt' });
  private readonly text = h('vscode-textfield', {
    placeholder: 'A line for the job to read',
    'aria-label': 'Input for the job',
    id: 'input-text',
    maxlength: String(MAX_INPUT_CHARS),
  }) as TextInput;
  private readonly send = h('vscode-button', { id: 'input-send' }, 'Send');
  private readonly end = h('vscode-button', { secondary: '', id: 'input-eof', title: 'Close the job’s input (end of file)' }, 'End Input');
  readonly element = h('div', { class: 'toolbar input-bar', id: 'input-bar' }, this.prompt, this.text, this.send, this.end);
  private jobId: string | undefined;

  constructor(private readonly ctx: PanelContext) {
    this.send.addEventListener('click', () => this.sendLine());
    this.text.addEventListener('keydown', (e) => {
      if ((e as KeyboardEvent).key === 'Enter') this.sendLine();
    });
    this.end.addEventListener('click', () => this.jobId && ctx.post(SendJobInput.create({ jobId: this.jobId, eof: true })));
  }

  /** Shown for a running job with an input channel; keeps what is being typed while the same job is shown. */
  render(row: JobRow | undefined): void {
    const shown = row?.state === 'running' && row.inputChannel === true;
    this.element.hidden = !shown;
    if (!shown) {
      this.jobId = undefined;
      return;
    }
    if (this.jobId !== row.id) this.text.value = '';
    this.jobId = row.id;
    this.prompt.textContent = row.attention === 'needs_input' ? (row.lastLine ?? '') : '';
    this.text.type = row.secretPrompt ? 'password' : 'text';
  }

  private sendLine(): void {
    if (!this.jobId) return;
    const text = this.text.value.slice(0, MAX_INPUT_CHARS);
    this.ctx.post(SendJobInput.create({ jobId: this.jobId, text }));
    this.text.value = '';
  }
}
