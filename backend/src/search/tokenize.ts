/**
 * Text → search terms, shared by the indexer and the query parser so both sides always agree.
 *
 * Every text is normalised, then scanned into tokens. A token contributes:
 * - units: the atomic words in reading order (what phrases are made of);
 * - extra terms: the whole of a compound ("e-mail", "3.14", "john.smith@contoso.com") and the
 *   useful pieces of addresses and host names ("john.smith", "contoso.com").
 * The indexed terms of a text are its units, its extra terms and one shingle per pair of
 * adjacent units (see `pairKey`).
 *
 * Phrases: word-pair shingles rather than stored positions. Postings stay one small document per
 * (archive, key, message) with no position arrays, which keeps them cheap on MongoDB and FerretDB
 * alike; a phrase becomes an AND of its shingles (index-backed), and phrases of three or more
 * units are then verified against the stored text (`containsPhrase`), because "a b" and "b c"
 * can both occur without "a b c".
 *
 * No stop words: a phrase needs every one of its words, and "to be or not to be" must stay
 * searchable; the caps on a message's stored text (ingest/text-limits.ts) bound the index instead.
 */

import { TimeSlice } from '../time-slice';
import { normalize } from './normalize';
import { MAX_TERM_LENGTH, indexable, isCjk, scan, unitsOf } from './scan';

export { normalize } from './normalize';
export { MAX_SCANNED_CHARS, MAX_TERM_LENGTH } from './scan';

/** Default cap on distinct terms returned by `tokenize`, so huge texts stay bounded. */
export const DEFAULT_MAX_TERMS = 20_000;

/** The shingle for two adjacent units: "w1 w2", or the bigram itself for two CJK characters. */
export function pairKey(a: string, b: string): string {
  return isCjk(a) && isCjk(b) ? a + b : `${a} ${b}`;
}

/** A phrase's units as text that tokenizes back to them (CJK characters without spaces). */
export function joinUnits(terms: readonly string[]): string {
  return terms.map((t, i) => (i > 0 && !(isCjk(terms[i - 1] as string) && isCjk(t)) ? ` ${t}` : t)).join('');
}

export interface TokenizeOptions {
  /** Stop after this many distinct terms (default `DEFAULT_MAX_TERMS`; the indexer passes Infinity). */
  maxTerms?: number;
  /** Include the word-pair shingles phrases are looked up by (default true). */
  shingles?: boolean;
}

/** Index terms of each text in reading order, duplicates included; each text on its own. */
function* termStream(texts: readonly string[], shingles: boolean): Generator<string> {
  for (const part of texts) {
    let previous: string | null = null;
    for (const token of scan(indexable(part))) {
      if (token.whole !== null) yield token.whole;
      yield* token.extra;
      for (const unit of token.units) {
        if (unit.length > MAX_TERM_LENGTH) continue;
        yield unit;
        if (shingles && previous !== null) yield pairKey(previous, unit);
        previous = unit;
      }
    }
  }
}

const isTerm = (t: string) => t.length > 0 && t.length <= MAX_TERM_LENGTH;
const textsOf = (text: string | readonly string[]) => (typeof text === 'string' ? [text] : text);

/**
 * Distinct index terms of one or more texts, in order of first appearance. Several texts are
 * tokenized independently (no shingle spans two recipients or two attachment names).
 */
export function tokenize(text: string | readonly string[], opts: TokenizeOptions = {}): string[] {
  const max = opts.maxTerms ?? DEFAULT_MAX_TERMS;
  const terms = new Set<string>();
  for (const t of termStream(textsOf(text), opts.shingles ?? true)) {
    if (isTerm(t)) terms.add(t);
    if (terms.size >= max) break;
  }
  return [...terms];
}

/**
 * `tokenize` for the indexer: a whole megabyte-long body takes a few hundred milliseconds, so
 * the work is cut into slices with the event loop served in between (API requests, heartbeats).
 */
export async function tokenizeInSlices(text: string | readonly string[], opts: TokenizeOptions = {}): Promise<string[]> {
  const max = opts.maxTerms ?? DEFAULT_MAX_TERMS;
  const terms = new Set<string>();
  const slice = new TimeSlice();
  let n = 0;
  for (const t of termStream(textsOf(text), opts.shingles ?? true)) {
    if (isTerm(t)) terms.add(t);
    if (terms.size >= max) break;
    if (++n % 2048 === 0 && slice.spent) await slice.yield();
  }
  return [...terms];
}

/** How one query word is looked up: as one indexed term, as a phrase of units, or not at all. */
export type QueryWord =
  | { kind: 'term'; value: string }
  | { kind: 'phrase'; terms: string[] }
  | { kind: 'none' };

/**
 * A compound word is one term ("e-mail", "report.pdf", "john.smith@contoso.com"); text that
 * splits into several tokens ("foo/bar", a URL, a long CJK run) must match as a phrase.
 */
export function queryWord(text: string): QueryWord {
  const tokens = [...scan(normalize(text))];
  const only = tokens.length === 1 ? tokens[0] : undefined;
  if (only?.whole && only.whole.length <= MAX_TERM_LENGTH) return { kind: 'term', value: only.whole };
  const terms = termsForPhrase(text);
  return terms.length > 0 ? { kind: 'phrase', terms } : { kind: 'none' };
}

/** The units a phrase must match, in order. */
export function termsForPhrase(text: string): string[] {
  return [...unitsOf(text)];
}

/** The index terms that must all be present for a phrase (its shingles, or its one unit). */
export function phraseLookupTerms(terms: readonly string[]): string[] {
  if (terms.length === 1) return [...terms];
  const keys = terms.slice(1).map((t, i) => pairKey(terms[i] as string, t));
  return [...new Set(keys)];
}

/** Whether candidates found by `phraseLookupTerms` must still be checked with `containsPhrase`. */
export function phraseNeedsVerification(terms: readonly string[]): boolean {
  return terms.length > 2;
}

/** Whether `text` contains the units of a phrase contiguously and in order. */
export function containsPhrase(text: string, terms: readonly string[]): boolean {
  if (terms.length === 0) return true;
  const window: string[] = [];
  for (const unit of unitsOf(text)) {
    window.push(unit);
    if (window.length > terms.length) window.shift();
    if (window.length === terms.length && window.every((u, i) => u === terms[i])) return true;
  }
  return false;
}
