/** The kill menu of a running job's row: one item per signal, keyboard-navigable, posts `job/kill`. */
import { KillJob, PANEL_SIGNALS } from '../src/protocol/jobPanel';
import { SIGNAL_DESCRIPTIONS } from '../src/shared/signals';
import { h } from './render';
import type { PanelContext } from './state';

export class KillMenu {
  private menu: HTMLElement | undefined;

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
    const menu = h('div', { class: 'menu', role: 'menu', id: 'kill-menu', 'aria-label': 'Signal' }, ...items);
    this.menu = menu;
    const r = anchor.getBoundingClientRect();
    menu.style.top = `${r.bottom + window.scrollY}px`;
    menu.style.left = `${Math.max(0, r.right - 220)}px`;
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
