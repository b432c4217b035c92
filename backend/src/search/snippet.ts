/**
 * Result snippets: a window of the stored text around the first word the query looks for, with
 * the ranges of every such word in it. Words are compared normalised (case and accents folded),
 * as the index compares them; ranges are offsets into the snippet string, end exclusive.
 */
import { normalize } from './normalize';
import type { Query } from './query-types';
import { termsForPhrase } from './tokenize';

export const SNIPPET_CHARS = 200;
const LEAD = 60;
const ELLIPSIS = '…';
const WORD = /[\p{L}\p{N}\p{M}]+/gu;
const CJK = /[\p{sc=Han}\p{sc=Hiragana}\p{sc=Katakana}\p{sc=Hangul}]/u;

export interface HighlightTerms {
  words: Set<string>;
  prefixes: string[];
}

export interface Snippet {
  snippet: string;
  highlights: { start: number; end: number }[];
}

/** The words a body snippet (or a subject) should mark: those searched for in any field or that one, not excluded. */
export function highlightTerms(q: Query, field: 'body' | 'subject' = 'body'): HighlightTerms {
  const words = new Set<string>();
  const prefixes: string[] = [];
  const walk = (n: Query): void => {
    if (n.kind === 'and' || n.kind === 'or') n.items.forEach(walk);
    else if (n.kind === 'term' && (n.field === 'any' || n.field === field)) {
      if (n.prefix) prefixes.push(n.value);
      else for (const unit of termsForPhrase(n.value)) words.add(unit);
    } else if (n.kind === 'phrase' && (n.field === 'any' || n.field === field)) {
      for (const unit of n.terms) words.add(unit);
    }
  };
  walk(q);
  return { words, prefixes };
}

/** Every range of `text` that is a word the query looks for. */
export function highlightRanges(text: string, terms: HighlightTerms): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  if (terms.words.size === 0 && terms.prefixes.length === 0) return out;
  const hit = (w: string) => {
    const n = normalize(w);
    return terms.words.has(n) || terms.prefixes.some((p) => n.startsWith(p));
  };
  for (const m of text.matchAll(WORD)) {
    const word = m[0];
    const start = m.index;
    if (CJK.test(word)) {
      // CJK is indexed character by character (and pairs): mark the characters searched for.
      Array.from(word).reduce((at, ch) => {
        if (hit(ch)) out.push({ start: start + at, end: start + at + ch.length });
        return at + ch.length;
      }, 0);
    } else if (hit(word)) {
      out.push({ start, end: start + word.length });
    }
  }
  return out;
}

/** Moves `i` back to the start of the word it is in. */
function wordStart(text: string, i: number): number {
  let j = i;
  while (j > 0 && !/\s/.test(text[j - 1] as string)) j--;
  return j;
}

export function makeSnippet(text: string, terms: HighlightTerms): Snippet {
  const all = highlightRanges(text, terms);
  const first = all[0];
  const from = first && first.end > SNIPPET_CHARS - 20 ? wordStart(text, Math.max(0, first.start - LEAD)) : 0;
  let to = Math.min(text.length, from + SNIPPET_CHARS);
  if (to < text.length) {
    const space = text.lastIndexOf(' ', to);
    if (space > from + SNIPPET_CHARS / 2) to = space;
  }
  const head = from > 0 ? ELLIPSIS : '';
  const snippet = head + text.slice(from, to) + (to < text.length ? ELLIPSIS : '');
  const highlights = all
    .filter((h) => h.start >= from && h.end <= to)
    .map((h) => ({ start: h.start - from + head.length, end: h.end - from + head.length }));
  return { snippet, highlights };
}
