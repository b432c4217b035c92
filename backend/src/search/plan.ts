/**
 * A parsed query over one segment: which terms to read (`lookupsOf`), then a bitset of the
 * matching ordinals (`evaluate`). Words and phrases come from posting lists; has:attachment,
 * folder:, size and dates from the segment's columns (dates are a range of ordinals, since
 * ordinals follow the received time).
 */
import { Bits, type FieldCode, type TermRecord } from './index-codec';
import { keysFor } from './index-terms';
import { normalize } from './normalize';
import type { Field, Query } from './query-types';
import { ordinalBeforeDate, storedTerm, type Columns } from './index-segment';
import { phraseLookupTerms, phraseNeedsVerification } from './tokenize';

export interface Lookups {
  terms: string[];
  prefixes: string[];
}

export function codesFor(field: Field | 'any'): FieldCode[] {
  return keysFor(field, '').map((k) => k[0] as FieldCode);
}

export function lookupsOf(q: Query): Lookups {
  const terms = new Set<string>();
  const prefixes = new Set<string>();
  const walk = (n: Query): void => {
    switch (n.kind) {
      case 'and':
      case 'or':
        n.items.forEach(walk);
        return;
      case 'not':
        walk(n.item);
        return;
      case 'term':
        (n.prefix ? prefixes : terms).add(n.value);
        return;
      case 'phrase':
        for (const t of phraseLookupTerms(n.terms)) terms.add(storedTerm(t));
        return;
      default:
        return;
    }
  };
  walk(q);
  return { terms: [...terms], prefixes: [...prefixes] };
}

/** Whether results may include messages that only contain a long phrase's word pairs apart. */
export function isApproximate(q: Query): boolean {
  switch (q.kind) {
    case 'and':
    case 'or':
      return q.items.some(isApproximate);
    case 'not':
      return isApproximate(q.item);
    case 'phrase':
      return phraseNeedsVerification(q.terms);
    default:
      return false;
  }
}

export interface SegmentInput {
  cols: Columns;
  records: readonly TermRecord[];
}

class Evaluator {
  private readonly byTerm = new Map<string, TermRecord>();
  private readonly n: number;

  constructor(private readonly seg: SegmentInput) {
    this.n = seg.cols.n;
    for (const r of seg.records) this.byTerm.set(r.term, r);
  }

  run(q: Query): Bits {
    switch (q.kind) {
      case 'all':
        return Bits.all(this.n);
      case 'and': {
        let acc: Bits | null = null;
        for (const item of q.items) {
          const b = this.run(item);
          acc = acc ? acc.and(b) : b;
          if (acc.isEmpty()) break;
        }
        return acc ?? Bits.all(this.n);
      }
      case 'or':
        return q.items.reduce((acc, item) => acc.or(this.run(item)), new Bits(this.n));
      case 'not':
        return this.run(q.item).not();
      case 'term':
        return q.prefix ? this.prefix(q.field, q.value) : this.lists(this.byTerm.get(q.value), codesFor(q.field));
      case 'phrase':
        return this.phrase(q.field, q.terms);
      case 'hasAttachment':
        return this.where((i) => ((this.seg.cols.flags[i] as number) & 1) === 1);
      case 'folder':
        return this.folder(q.path);
      case 'date': {
        const cut = ordinalBeforeDate(this.seg.cols, Math.ceil(q.date.getTime() / 1000));
        return q.op === 'after' ? Bits.range(this.n, 0, cut) : Bits.range(this.n, cut, this.n);
      }
      case 'size':
        return this.where((i) => (q.op === '>' ? (this.seg.cols.size[i] as number) > q.bytes : (this.seg.cols.size[i] as number) < q.bytes));
    }
  }

  private lists(rec: TermRecord | undefined, codes: readonly FieldCode[]): Bits {
    const bits = new Bits(this.n);
    if (!rec) return bits;
    for (const code of codes) {
      const list = rec.lists[code];
      if (list) bits.addList(list);
    }
    return bits;
  }

  private prefix(field: Field | 'any', prefix: string): Bits {
    const codes = codesFor(field);
    const bits = new Bits(this.n);
    for (const rec of this.seg.records) {
      if (!rec.term.startsWith(prefix)) continue;
      for (const code of codes) {
        const list = rec.lists[code];
        if (list) bits.addList(list);
      }
    }
    return bits;
  }

  /** Every word pair of the phrase in the same field. */
  private phrase(field: Field | 'any', terms: readonly string[]): Bits {
    const keys = phraseLookupTerms(terms).map((t) => this.byTerm.get(storedTerm(t)));
    let out = new Bits(this.n);
    for (const code of codesFor(field)) {
      let acc: Bits | null = null;
      for (const rec of keys) {
        const b = this.lists(rec, [code]);
        acc = acc ? acc.and(b) : b;
        if (acc.isEmpty()) break;
      }
      if (acc) out = out.or(acc);
    }
    return out;
  }

  private folder(path: string): Bits {
    const wanted = normalize(path);
    const match = this.seg.cols.folders.map((f) => {
      const n = normalize(f);
      return n === wanted || n.startsWith(`${wanted}/`);
    });
    return this.where((i) => match[this.seg.cols.folder[i] as number] === true);
  }

  private where(test: (ord: number) => boolean): Bits {
    const bits = new Bits(this.n);
    for (let i = 0; i < this.n; i++) if (test(i)) bits.set(i);
    return bits;
  }
}

export function evaluate(q: Query, seg: SegmentInput): Bits {
  return new Evaluator(seg).run(q);
}

