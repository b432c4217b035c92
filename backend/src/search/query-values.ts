/** Values of the non-text operators: dates, sizes, folder paths. Each returns null when invalid. */

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:t(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(z|[+-]\d{2}:\d{2})?)?$/i;

function offsetMinutes(zone: string | undefined): number | null {
  if (!zone || zone.toLowerCase() === 'z') return 0;
  const hours = Number(zone.slice(1, 3));
  const minutes = Number(zone.slice(4, 6));
  if (hours > 14 || minutes > 59) return null;
  return (zone.startsWith('-') ? -1 : 1) * (hours * 60 + minutes);
}

/** YYYY-MM-DD or an ISO date-time; without a zone it is UTC, so results do not depend on the server. */
export function parseIsoDate(text: string): Date | null {
  const m = ISO.exec(text);
  if (!m) return null;
  const [year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0] = m.slice(1, 7).map((p) => Number(p ?? 0));
  const ms = Number((m[7] ?? '0').padEnd(3, '0'));
  const offset = offsetMinutes(m[8]);
  if (offset === null || hour > 23 || minute > 59 || second > 59) return null;
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  // setUTCFullYear rolls 2024-02-30 over into March; a date that moved was not a real date.
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return null;
  date.setUTCHours(hour, minute, second, ms);
  return new Date(date.getTime() - offset * 60_000);
}

const UNITS: Record<string, number> = { '': 1, b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };

/** "5MB", "100kb", "1.5mb", "2000" (bytes). KB = 1024 bytes, as Outlook shows sizes. */
export function parseSize(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?)([kmg]?b)?$/i.exec(text);
  if (!m?.[1]) return null;
  const bytes = Math.round(Number(m[1]) * (UNITS[(m[2] ?? '').toLowerCase()] ?? 1));
  return Number.isSafeInteger(bytes) ? bytes : null;
}

/** "Inbox/Projects", "/Inbox//Projects/" → "Inbox/Projects"; null when nothing is left. */
export function folderPath(text: string): string | null {
  const path = text
    .split('/')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .join('/');
  return path.length > 0 ? path : null;
}
