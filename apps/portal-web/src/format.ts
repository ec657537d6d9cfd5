// Dates and durations as people read them (the browser's locale and time zone).
const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const dateOnly = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });

export const fmtDateTime = (iso: string | null | undefined): string => (iso ? dateTime.format(new Date(iso)) : '—');
export const fmtDate = (iso: string | null | undefined): string => (iso ? dateOnly.format(new Date(iso)) : '—');

export function fmtDuration(ms: number): string {
  if (ms < 0) ms = 0;
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 1) return 'under a minute';
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const mins = minutes % 60;
  return [days ? `${days} d` : '', hours ? `${hours} h` : '', mins && !days ? `${mins} min` : '']
    .filter(Boolean)
    .join(' ');
}

export function fmtAgo(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return 'never';
  const ms = now - new Date(iso).getTime();
  if (ms < 60_000) return 'just now';
  return `${fmtDuration(ms)} ago`;
}

export const daysUntil = (iso: string, now = Date.now()): number =>
  Math.ceil((new Date(iso).getTime() - now) / 86_400_000);

export const fmtHours = (h: number): string =>
  h >= 100 ? h.toFixed(0) : h >= 1 || h === 0 ? h.toFixed(1) : h.toFixed(2);
