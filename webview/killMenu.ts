/**
 * The kill menu of a running job's row: what the kill would signal (processes with pid, command
 * and age, ports, owner, run time: the host's describeKillTargets, asked for when the menu
 * opens), then one item per signal, keyboard-navigable, which posts `job/kill`.
 */
import { KillJob, PANEL_SIGNALS, PreviewKill, type KillPreviewData } from '../src/protocol/jobPanel';
import { formatDuration } from '../src/shared/duration';
import { SIGNAL_DESCRIPTIONS } from '../src/shared/signals';
import { h } from './render';
import type { PanelContext } from './state';

const age = (s: number): string => formatDuration(s * 1000);

/** The preview's lines: one per process, then ports · owner · run time. */
function previewContent(p: KillPreviewData): HTMLElement[] {
  const n = p.processes.length + p.more;
  const head = h('div', {}, n === 0 ? 'No live process to signal.' : `Will signal ${n} ${n === 1 ? 'process' : 'processes'}:`);
  const procs = p.processes.map((proc) =>
    h('div', { class: 'proc', title: proc.command }, `${proc.pid}  ${proc.ageS !== undefined ? `${age(proc.ageS)}  ` : ''}${proc.command}`),
  );
  const more = p.more > 0 ? [h('div', {}, `… and ${p.more} more`)] : [];
  const facts = [
    p.ports ? `ports ${p.ports}` : 'no listening port',
    p.owner !== undefined ? `owner ${p.owner}` : 'owner not recorded',
    ...(p.runningForS !== undefined ? [`running ${age(p.runningForS)}`] : []),
  ];
  return [head, ...procs, ...more, h('div', { class: 'facts-line' }, facts.join(' · '))];
}

export class KillMenu {
  private menu: HTMLElement | undefined;
  private preview: { jobId: string; element: HTMLElement } | undefined;

  constructor(private readonly ctx: PanelContext) {
    // A click on a signal sends it; a click anywhere else but a kill button closes the menu.
    document.addEventListener('click', (e) => {
      const item = (e.target as HTMLElement).closest<HTMLElement>('[data-signal]');
      if (item?.dataset.id && item.dataset.signal) {
        const signal = PANEL_SIGNALS.find((s) => s === item.dataset.signal);
        if (signal) this.ctx.post(KillJob.create({ jobId: item.dataset.id, signal }));
        this.close();
      } else if (this.menu && !this.menu.contains(e.target as Node) && !(e.target as HTMLElement).closest('[data-action="kill"]'))
        this.close();
    });
  }

  close(): void {
    this.menu?.remove();
    this.menu = undefined;
    this.preview = undefined;
  }

  /** The host's answer to the preview asked for when the menu opened (ignored once the menu is gone). */
  showPreview(jobId: string, preview: KillPreviewData | undefined, error: string | undefined): void {
    if (this.preview?.jobId !== jobId) return;
    this.preview.element.replaceChildren(...(preview ? previewContent(preview) : [h('div', {}, `No preview: ${error ?? 'unknown job'}`)]));
  }

  open(anchor: HTMLElement, id: string): void {
    this.close();
    const items = PANEL_SIGNALS.map((sig) =>
      h(
        'button',
        { role: 'menuitem', class: 'menu-item', 'data-signal': sig, 'data-id': id },
        h('strong', {}, sig),
        ` — ${SIGNAL_DESCRIPTIONS[sig]}`,
      ),
    );
    const preview = h('div', { class: 'kill-preview', id: 'kill-preview', role: 'status' }, 'Looking at what the kill would signal…');
    const menu = h('div', { class: 'menu', role: 'menu', id: 'kill-menu', 'aria-label': 'Signal' }, preview, ...items);
    this.menu = menu;
    this.preview = { jobId: id, element: preview };
    this.ctx.post(PreviewKill.create({ jobId: id }));
    const r = anchor.getBoundingClientRect();
    menu.style.top = `${r.bottom + window.scrollY}px`;
    // Right-aligned with the button: the preview makes the menu grow to the left.
    menu.style.right = `${Math.max(0, document.documentElement.clientWidth - r.right)}px`;
    document.body.append(menu);
    items[0].focus();
    menu.addEventListener('keydown', (e) => {
      const i = items.indexOf(document.activeElement as HTMLElement);
      if (e.key === 'ArrowDown') items[(i + 1) % items.length].focus();
      else if (e.key === 'ArrowUp') items[(i - 1 + items.length) % items.length].focus();
      else if (e.key === 'Escape') {
        this.close();
        anchor.focus();
      } else return;
      e.preventDefault();
    });
  }
}
