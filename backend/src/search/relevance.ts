/**
 * Relevance order: a message scores by where the words it matched are, a word in the subject
 * counting most, then the sender, recipients and attachment names, then the body. The index
 * keeps which field of a message holds a word (not how often), so the score is a small whole
 * number, and results come by score, then newest first within a score: the order Outlook's
 * "relevance" gives a mailbox search. Linear in the hits times the query's words.
 */
import { Bits } from './index-codec';
import type { Field, Query } from './query-types';
import { evaluate, type SegmentInput } from './plan';

const WEIGHTS: readonly [Field, number][] = [
  ['subject', 8],
  ['from', 4],
  ['to', 2],
  ['filename', 2],
  ['body', 1],
];

type Leaf = Extract<Query, { kind: 'term' | 'phrase' }>;

/** The words and phrases the query asks for (not those it excludes). */
function positiveLeaves(q: Query): Leaf[] {
  if (q.kind === 'and' || q.kind === 'or') return q.items.flatMap(positiveLeaves);
  return q.kind === 'term' || q.kind === 'phrase' ? [q] : [];
}

/** The segment's hits grouped by score, highest first (one group of score 0 when the query has no words). */
export function scoreLevels(q: Query, seg: SegmentInput, hits: Bits): { score: number; bits: Bits }[] {
  const scores = new Uint16Array(seg.cols.n);
  for (const leaf of positiveLeaves(q)) {
    for (const [field, weight] of WEIGHTS) {
      if (leaf.field !== 'any' && leaf.field !== field) continue;
      const found = evaluate({ ...leaf, field }, seg).and(hits);
      for (let o = found.next(0); o >= 0; o = found.next(o + 1)) scores[o] = (scores[o] as number) + weight;
    }
  }
  const levels = new Map<number, Bits>();
  for (let o = hits.next(0); o >= 0; o = hits.next(o + 1)) {
    const s = scores[o] as number;
    let bits = levels.get(s);
    if (!bits) levels.set(s, (bits = new Bits(seg.cols.n)));
    bits.set(o);
  }
  return [...levels].sort((a, b) => b[0] - a[0]).map(([score, bits]) => ({ score, bits }));
}
