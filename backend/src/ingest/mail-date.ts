/**
 * Dates of mail headers as mail clients read them: RFC 5322 with its obsolete forms (two- and
 * three-digit years, named zones), the asctime and ISO shapes some software writes, and the
 * named zones people's clients put there ("PST", "CET", "Eastern Standard Time", "GMT+1").
 * What cannot be read gives null, never a guess: no year is no date (JavaScript's parser would
 * say 2001), and a date before 1970 or more than a year ahead of now is not taken as real.
 * Linear: a few anchored regular expressions over a header of bounded length.
 */

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const HOUR = 60;
/** Offsets in minutes east of UTC. RFC 5322's names, then what clients are seen to write. */
const ZONES: Record<string, number> = {
  ut: 0, utc: 0, gmt: 0, z: 0, wet: 0, bst: HOUR, west: HOUR, ist: 5.5 * HOUR,
  est: -5 * HOUR, edt: -4 * HOUR, cst: -6 * HOUR, cdt: -5 * HOUR, mst: -7 * HOUR, mdt: -6 * HOUR, pst: -8 * HOUR, pdt: -7 * HOUR,
  ast: -4 * HOUR, adt: -3 * HOUR, akst: -9 * HOUR, akdt: -8 * HOUR, hst: -10 * HOUR, nst: -3.5 * HOUR, ndt: -2.5 * HOUR,
  cet: HOUR, met: HOUR, mez: HOUR, cest: 2 * HOUR, mest: 2 * HOUR, mesz: 2 * HOUR, eet: 2 * HOUR, eest: 3 * HOUR, msk: 3 * HOUR,
  hkt: 8 * HOUR, sgt: 8 * HOUR, awst: 8 * HOUR, jst: 9 * HOUR, kst: 9 * HOUR, acst: 9.5 * HOUR, aest: 10 * HOUR, aedt: 11 * HOUR,
  nzst: 12 * HOUR, nzdt: 13 * HOUR,
};
/** Windows time zone names (Outlook Express and friends wrote them), by their first words. */
const WINDOWS_ZONES: Record<string, number> = {
  eastern: -5 * HOUR, central: -6 * HOUR, mountain: -7 * HOUR, pacific: -8 * HOUR, atlantic: -4 * HOUR, alaskan: -9 * HOUR,
  hawaiian: -10 * HOUR, greenwich: 0, gmt: 0, 'w. europe': HOUR, romance: HOUR, 'central europe': HOUR, 'central european': HOUR,
  'e. europe': 2 * HOUR, gtb: 2 * HOUR, fle: 2 * HOUR, russian: 3 * HOUR, india: 5.5 * HOUR, china: 8 * HOUR, tokyo: 9 * HOUR,
  korea: 9 * HOUR, 'aus eastern': 10 * HOUR, 'new zealand': 12 * HOUR,
};

const TIME = String.raw`(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?`;
const SHAPES: { re: RegExp; order: 'dmy' | 'mdty' | 'ymd' }[] = [
  // 17 Sep 2002 09:15:32 -0700 (RFC 5322 and its obsolete forms)
  { re: new RegExp(String.raw`^(\d{1,2})[\s-]+([a-z]{3})[a-z]*\.?[\s-]+(\d{2,4})(?:\s+${TIME})?\s*(.*)$`, 'i'), order: 'dmy' },
  // Sep 21 08:18:08 2002 (asctime)
  { re: new RegExp(String.raw`^([a-z]{3})[a-z]*\s+(\d{1,2})\s+${TIME}\s+(\d{4})\s*(.*)$`, 'i'), order: 'mdty' },
  // 2002/09/14 Sat 02:29:32 CDT, 2002-09-14T02:29:32Z
  { re: new RegExp(String.raw`^(\d{4})[/-](\d{1,2})[/-](\d{1,2})(?:T|\s+(?:[a-z]+,?\s+)?)?(?:${TIME})?\s*(.*)$`, 'i'), order: 'ymd' },
];

export function parseMailDate(value: string, now = Date.now()): Date | null {
  const text = value
    .slice(0, 200)
    .replace(/\s+/g, ' ')
    .trim()
    // A leading day name in any language ("Tue,", "Pn,"), which says nothing the date does not.
    .replace(/^[^\d\s,]{1,12},\s*|^(mon|tue|wed|thu|fri|sat|sun)[a-z]*\s+/i, '');
  for (const { re, order } of SHAPES) {
    const m = re.exec(text);
    if (!m) continue;
    const parts = order === 'dmy' ? dmy(m) : order === 'mdty' ? mdty(m) : ymd(m);
    const date = parts && build(parts);
    if (date) return plausible(date, now) ? date : null;
  }
  return null;
}

interface Parts {
  year: number;
  month: number;
  day: number;
  h: number;
  min: number;
  s: number;
  zone: string;
}

const num = (s: string | undefined) => (s === undefined ? 0 : parseInt(s, 10));
const monthOf = (name: string | undefined) => MONTHS.indexOf((name ?? '').slice(0, 3).toLowerCase());

function dmy(m: RegExpExecArray): Parts | null {
  const month = monthOf(m[2]);
  return month < 0 ? null : { year: fullYear(m[3]!), month, day: num(m[1]), h: num(m[4]), min: num(m[5]), s: num(m[6]), zone: m[7] ?? '' };
}

function mdty(m: RegExpExecArray): Parts | null {
  const month = monthOf(m[1]);
  return month < 0 ? null : { year: fullYear(m[6]!), month, day: num(m[2]), h: num(m[3]), min: num(m[4]), s: num(m[5]), zone: m[7] ?? '' };
}

function ymd(m: RegExpExecArray): Parts {
  return { year: num(m[1]), month: num(m[2]) - 1, day: num(m[3]), h: num(m[4]), min: num(m[5]), s: num(m[6]), zone: m[7] ?? '' };
}

/** RFC 5322 4.3: two digits are 1950–2049, three digits (and "0102") count from 1900. */
function fullYear(digits: string): number {
  const y = parseInt(digits, 10);
  if (digits.length === 2) return y < 50 ? 2000 + y : 1900 + y;
  return y < 1000 ? 1900 + y : y;
}

function build(p: Parts): Date | null {
  const offset = zoneOffset(p.zone);
  if (offset === null) return null;
  if (p.month < 0 || p.month > 11 || p.day < 1 || p.day > daysIn(p.year, p.month) || p.h > 23 || p.min > 59 || p.s > 60) return null;
  return new Date(Date.UTC(p.year, p.month, p.day, p.h, p.min, Math.min(p.s, 59)) - offset * 60_000);
}

const daysIn = (year: number, month: number) => new Date(Date.UTC(year, month + 1, 0)).getUTCDate();

/**
 * Minutes east of UTC, or null for text that is not a zone (then the whole value is suspect).
 * No zone at all is -0000, "local time unknown", read as UTC (RFC 5322 3.3).
 */
function zoneOffset(raw: string): number | null {
  const zone = raw.replace(/\([^)]*\)/g, ' ').trim();
  const comment = /\(([^)]*)\)/.exec(raw)?.[1]?.trim() ?? '';
  if (!zone) return comment ? (namedZone(comment) ?? 0) : 0;
  // "+-0500" is how some software writes -0500.
  const numeric = /^(?:gmt|utc|ut)?\s*(\+-|[+-])?(\d{1,2}):?(\d{2})?\b/i.exec(zone);
  if (numeric && (numeric[1] || /^(gmt|utc|ut)/i.test(zone) || /^\d{3,4}\b/.test(zone))) {
    const [, sign, hh, mm] = numeric;
    const digits = `${hh}${mm ?? ''}`;
    // "-600" is -06:00; "+1" after GMT is +01:00.
    const minutes = mm === undefined ? num(hh) * HOUR : digits.length === 3 ? num(digits.slice(0, 1)) * HOUR + num(digits.slice(1)) : num(hh) * HOUR + num(mm);
    return minutes > 14 * HOUR ? null : (sign?.endsWith('-') ? -1 : 1) * minutes;
  }
  return namedZone(zone);
}

function namedZone(name: string): number | null {
  const word = name.toLowerCase().replace(/[^a-z. ]/g, '').trim();
  const short = ZONES[word.split(' ')[0] ?? ''];
  if (short !== undefined && !word.includes(' ')) return short;
  const windows = /^(.*?) (standard|daylight|summer) time\b/.exec(word);
  if (windows) {
    const base = WINDOWS_ZONES[windows[1]!];
    if (base !== undefined) return base + (windows[2] === 'standard' ? 0 : HOUR);
  }
  return short ?? null;
}

function plausible(date: Date, now: number): boolean {
  const t = date.getTime();
  return date.getUTCFullYear() >= 1970 && t <= now + 366 * 86_400_000;
}

/**
 * The date a message arrived, from the first Received header (the one the receiving side
 * added last, closest to the archive) whose date reads: for a Date header that cannot be.
 */
export function receivedDate(receivedLines: readonly string[], now = Date.now()): Date | null {
  for (const line of receivedLines) {
    const at = line.lastIndexOf(';');
    if (at < 0) continue;
    const date = parseMailDate(line.slice(at + 1), now);
    if (date) return date;
  }
  return null;
}
