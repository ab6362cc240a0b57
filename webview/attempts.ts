/**
 * The attempts of the selected job, side by side (result, duration, when), each with a link to
 * its log, and where the latest attempt's output first differs from the last successful one.
 * The host sends them when a job that has been rerun is selected and when it changes.
 */
import { OpenAttemptLog, type AttemptDifference, type AttemptRow } from '../src/protocol/jobPanel';
import { formatDuration } from '../src/shared/duration';
import { formatTime, h } from './render';
import { outcomeText, type PanelContext } from './state';

/** "exit 0", "killed (SIGTERM)", "running": an attempt's result in a few words. */
function resultText(a: AttemptRow): string {
  if (a.state === 'running' || a.state === 'created') return a.state;
  const outcome = outcomeText(a);
  return a.state === 'exited' ? outcome : `${a.state}${outcome ? ` (${outcome})` : ''}`;
}

function differenceText(d: AttemptDifference): string {
  if (d.line === undefined) return `Attempt ${d.attempt} printed the same output as attempt ${d.successfulAttempt} (the last success).`;
  return `Attempt ${d.attempt} first differs from attempt ${d.successfulAttempt} (the last success) at line ${d.line}:`;
}

export class AttemptsView {
  readonly element = h('div', { class: 'attempts', id: 'attempts' });
  private shownFor: string | undefined;

  constructor(private readonly ctx: PanelContext) {
    this.element.hidden = true;
    this.element.addEventListener('click', (e) => {
      const link = (e.target as HTMLElement).closest<HTMLElement>('[data-attempt]');
      const attempt = Number(link?.dataset.attempt);
      if (this.shownFor && Number.isInteger(attempt))
        ctx.post(OpenAttemptLog.create({ jobId: this.shownFor, attempt, stream: ctx.state.ui.stream }));
    });
  }

  /** Another job is selected: its attempts come with the host's answer, if it has any. */
  clearUnless(jobId: string | null): void {
    if (jobId === this.shownFor) return;
    this.shownFor = undefined;
    this.element.hidden = true;
    this.element.replaceChildren();
  }

  show(jobId: string, attempts: readonly AttemptRow[], difference: AttemptDifference | undefined): void {
    if (jobId !== this.ctx.state.ui.selected) return;
    this.shownFor = jobId;
    const rows = attempts.map((a) =>
      h(
        'tr',
        { 'data-row-attempt': String(a.attempt) },
        h('td', {}, `#${a.attempt}`),
        h('td', {}, resultText(a)),
        h('td', {}, a.durationMs !== null ? formatDuration(a.durationMs) : ''),
        h('td', { title: a.startedAt ?? '' }, formatTime(a.startedAt)),
        h(
          'td',
          {},
          h('button', { class: 'ready-link', 'data-attempt': String(a.attempt), title: `Open the log of attempt ${a.attempt}` }, 'log'),
        ),
      ),
    );
    const head = h('tr', {}, ...['Attempt', 'Result', 'Duration', 'Started', ''].map((t) => h('th', { scope: 'col' }, t)));
    const diff = difference
      ? [
          h(
            'div',
            { class: 'difference', id: 'attempts-difference' },
            differenceText(difference),
            ...(difference.line !== undefined
              ? [
                  h('div', { class: 'mono' }, `#${difference.attempt}: ${difference.text ?? '(no such line)'}`),
                  h('div', { class: 'mono' }, `#${difference.successfulAttempt}: ${difference.successfulText ?? '(no such line)'}`),
                ]
              : []),
          ),
        ]
      : [];
    this.element.replaceChildren(h('table', { 'aria-label': 'Attempts' }, h('thead', {}, head), h('tbody', {}, ...rows)), ...diff);
    this.element.hidden = false;
  }
}
