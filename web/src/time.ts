/** Times in the reader's own time zone and language. */
const format = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export function localTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : format.format(date);
}

export function timeElement(iso: string): HTMLTimeElement {
  const node = document.createElement('time');
  node.dateTime = iso;
  node.textContent = localTime(iso);
  return node;
}

/** "1 h 5 min" until `iso` (or "0 min" once past). */
export function timeLeft(iso: string, now = Date.now()): string {
  const minutes = Math.max(0, Math.round((Date.parse(iso) - now) / 60_000));
  const hours = Math.floor(minutes / 60);
  return hours > 0 ? `${hours} h ${minutes % 60} min` : `${minutes} min`;
}
