// Formatters are built once: creating one per call costs ~1 ms, a tree or a table of rows would stall.
const TIME = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
const DAY_TIME = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });

/** When a job started, in the tree and the panel's table: "14:03:07" today, "Nov 29, 14:03" before (in the user's locale). */
export function formatShortTime(iso: string, now: Date | number): string {
  const t = new Date(iso);
  if (Number.isNaN(t.getTime())) return iso;
  const today = new Date(now);
  const sameDay = t.getFullYear() === today.getFullYear() && t.getMonth() === today.getMonth() && t.getDate() === today.getDate();
  return (sameDay ? TIME : DAY_TIME).format(t);
}
