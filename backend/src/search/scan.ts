/**
 * Normalised text → tokens. Each token has its units (atomic words, in reading order) and the
 * extra terms it is also indexed under (the whole compound, heads and tails, address parts).
 */
import { normalize } from './normalize';

/** Longer terms (base64 runs, tracking tokens) are dropped: they are never searched for. */
export const MAX_TERM_LENGTH = 64;
/**
 * A bound for texts that do not come from a stored message (which ingest caps far below it,
 * ingest/text-limits.ts): every character a message keeps is scanned.
 */
export const MAX_SCANNED_CHARS = 4 * 1024 * 1024;
const MAX_CHUNK = 4096;

// Scripts written without spaces. CJK is indexed as single characters plus adjacent pairs
// (bigrams): dictionary segmentation (Intl.Segmenter) cuts the same word differently depending
// on its context, so a short query would not reliably find it in a long text.
const CJK = String.raw`\p{sc=Han}\p{sc=Hiragana}\p{sc=Katakana}\p{sc=Hangul}\u30fc`;
// Thai, Lao, Khmer and Burmese letters are not meaningful alone; their words come from
// Intl.Segmenter's dictionary instead.
const SEGMENTED = String.raw`\p{sc=Thai}\p{sc=Lao}\p{sc=Khmer}\p{sc=Myanmar}`;
const W = String.raw`[[\p{L}\p{N}\p{M}]--[${CJK}${SEGMENTED}]]`;
// Inside a compound: . _ ' - anywhere; , : / only between digits (1,000  10:30  31/01/2024).
const JOIN = String.raw`(?:[._'\-]|(?<=\p{N})[,:\/](?=\p{N}))`;
const TOKEN = new RegExp(
  [
    String.raw`(?<url>(?:https?|ftp):\/\/[^\s<>"'\(\)\[\]\{\}]+)`,
    String.raw`(?<email>${W}[${W}._%+\-']*@${W}+(?:-${W}+)*(?:\.${W}+(?:-${W}+)*)+)`,
    `(?<cjk>[${CJK}]+)`,
    `(?<segmented>[${SEGMENTED}]+)`,
    `(?<word>${W}+(?:${JOIN}${W}+)*)`,
  ].join('|'),
  'gv',
);
const NON_WORD = /[^\p{L}\p{N}\p{M}]+/u;
const NON_WORD_G = new RegExp(NON_WORD.source, 'gu');
const CJK_CHAR = new RegExp(`^[${CJK}]$`, 'v');
const TRAILING_PUNCTUATION = /[.,;:!?]+$/;
const segmenter = new Intl.Segmenter('th', { granularity: 'word' });

export interface Token {
  /** The token as one indexed term, when it is one: a plain word, a compound, an address. */
  whole: string | null;
  extra: string[];
  units: string[];
}

function partsOf(s: string): string[] {
  return s.split(NON_WORD).filter((p) => p.length > 0);
}

/** "mail.contoso.com" → mail.contoso.com, contoso.com: a search for a domain finds its hosts. */
function dottedSuffixes(s: string): string[] {
  if (s.length > MAX_TERM_LENGTH || !s.includes('.')) return [];
  const labels = s.split('.');
  if (!/^\p{L}{2,}$/u.test(labels.at(-1) ?? '')) return [s];
  return labels.slice(0, -1).map((_, i) => labels.slice(i).join('.'));
}

/**
 * A compound's heads and tails at each joiner ("q3-report.pdf" → q3, q3-report, report.pdf,
 * pdf), so a compound query finds the longer compounds it starts or ends: report.pdf in
 * q3-report.pdf, v1.2 in v1.2.3, contoso.com in mail.contoso.com. Not every inner span, which
 * would be quadratic in the number of parts.
 */
function affixes(compound: string): string[] {
  if (compound.length > MAX_TERM_LENGTH) return [];
  const out: string[] = [];
  for (const m of matches(NON_WORD_G, compound)) {
    out.push(compound.slice(0, m.index), compound.slice(m.index + m[0].length));
  }
  return out;
}

function wordToken(text: string): Token {
  const whole = text.length <= MAX_TERM_LENGTH ? text : null;
  return { whole, extra: affixes(text), units: partsOf(text) };
}

function emailToken(address: string): Token {
  const at = address.lastIndexOf('@');
  const local = address.slice(0, at);
  const domain = address.slice(at + 1);
  return {
    whole: address,
    extra: [local, ...dottedSuffixes(domain)],
    units: [...partsOf(local), ...partsOf(domain)],
  };
}

/** A percent-encoded text decoded, or as it is when it is not valid percent-encoding. */
export function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** URLs: host names and path words; the scheme, query string and fragment are noise. */
function urlToken(url: string): Token {
  const rest = url.replace(TRAILING_PUNCTUATION, '').replace(/^[a-z]+:\/\//, '');
  const location = rest.split(/[?#]/, 1)[0] ?? '';
  const slash = location.includes('/') ? location.indexOf('/') : location.length;
  const host = location.slice(0, slash).replace(/^.*@/, '').replace(/:\d+$/, '');
  const path = location.slice(slash);
  const pathTokens = [...scan(normalize(safeDecode(path)))];
  return {
    whole: null,
    extra: [...dottedSuffixes(host), ...pathTokens.flatMap((t) => [...t.extra, t.whole ?? ''])],
    units: [...partsOf(host), ...pathTokens.flatMap((t) => t.units)],
  };
}

function cjkToken(run: string): Token {
  const chars = Array.from(run);
  // One or two characters are exactly one indexed term (a unigram or a bigram).
  return { whole: chars.length <= 2 ? chars.join('') : null, extra: [], units: chars };
}

function segmentedToken(run: string): Token {
  const units = Array.from(segmenter.segment(run))
    .filter((s) => s.isWordLike)
    .map((s) => s.segment);
  return { whole: units.length === 1 ? (units[0] as string) : null, extra: [], units };
}

/**
 * Pieces of at most MAX_CHUNK characters, cut at whitespace when there is some: the token
 * pattern backtracks per character, and over megabytes without a space (base64, long CJK text)
 * it would overflow the regular expression stack.
 */
function* chunks(text: string): Generator<string> {
  for (let start = 0; start < text.length; ) {
    const end = cutAt(text, start + MAX_CHUNK, MAX_CHUNK / 2);
    yield text.slice(start, end);
    start = end;
  }
}

/**
 * `end`, moved back by up to `within` characters to whitespace, or failing that to other
 * punctuation, so that no word is cut in two.
 */
function cutAt(text: string, end: number, within: number): number {
  if (end >= text.length) return text.length;
  for (const boundary of [/\s/, /[^\p{L}\p{N}\p{M}._'@-]/u]) {
    for (let i = end; i > end - within; i--) if (boundary.test(text[i] as string)) return i;
  }
  return end;
}

/**
 * The matches of a global pattern, as `matchAll` finds them but without its copy of the pattern:
 * `matchAll` constructs a new RegExp per call (the spec's SpeciesConstructor), once per chunk of
 * text and once per compound word; tokenizing the corpus took 14 % less time without. `lastIndex`
 * is set before each `exec`, so that nested and interleaved scans of one pattern (a URL's path is
 * scanned inside the scan of its text) do not disturb each other. Neither pattern matches the
 * empty string.
 */
function* matches(pattern: RegExp, text: string): Generator<RegExpExecArray> {
  for (let at = 0; ; ) {
    pattern.lastIndex = at;
    const m = pattern.exec(text);
    if (!m) return;
    at = pattern.lastIndex;
    yield m;
  }
}

/** Tokens of an already normalised text, lazily, so callers can stop early. */
export function* scan(normalized: string): Generator<Token> {
  for (const chunk of chunks(normalized)) {
    for (const m of matches(TOKEN, chunk)) {
      const g = m.groups ?? {};
      if (g.url) yield urlToken(g.url);
      else if (g.email) yield emailToken(g.email);
      else if (g.cjk) yield cjkToken(g.cjk);
      else if (g.segmented) yield segmentedToken(g.segmented);
      else if (g.word) yield wordToken(g.word);
    }
  }
}

/** The part of a text that is indexed, normalised. */
export function indexable(text: string): string {
  return normalize(text.slice(0, cutAt(text, MAX_SCANNED_CHARS, MAX_TERM_LENGTH + 1)));
}

/** Units in reading order, with terms too long to index left out (as the index leaves them out). */
export function* unitsOf(text: string): Generator<string> {
  for (const token of scan(indexable(text))) {
    for (const unit of token.units) if (unit.length <= MAX_TERM_LENGTH) yield unit;
  }
}

export function isCjk(unit: string): boolean {
  return CJK_CHAR.test(unit);
}
