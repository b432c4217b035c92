/**
 * Query language → typed tree.
 *
 * Grammar (web-search convention):
 *   query   := and
 *   and     := or*                       implicit AND between items
 *   or      := primary ("OR" primary)*   OR (upper case only) binds tighter than AND:
 *                                        `a b OR c` is a AND (b OR c)
 *   primary := "-" primary               exclusion (of a word, phrase, operator or group)
 *            | "(" and ")" | "phrase" | word | word* | op value | size>n | size<n
 * Words inside a field value use the same tokenizer as the index: a compound ("report.pdf",
 * an address) is one term, text that splits into several tokens is a phrase, and
 * `from:(alice OR bob)` applies the field to every word of the group.
 * Words with nothing searchable ("&", "!!!") are dropped; a query left with nothing is an error.
 */
import { prefixTooShort } from './index-terms';
import { describeQuery } from './query-describe';
import { lex, TEXT_OPERATORS } from './query-lexer';
import type { LexToken, Operator } from './query-lexer';
import { QuerySyntaxError } from './query-types';
import type { Field, Query } from './query-types';
import { folderPath, parseIsoDate, parseSize } from './query-values';
import { queryWord, termsForPhrase } from './tokenize';

export { QuerySyntaxError } from './query-types';
export type { Field, Query } from './query-types';
export { describeQuery };
export { queryHelp } from './query-help';

export const MAX_QUERY_LENGTH = 2000;
const MAX_NESTING = 20;

const EXAMPLES: Record<Exclude<Operator, 'size>' | 'size<'>, string> = {
  from: 'alice@contoso.com',
  to: 'bob',
  subject: 'budget',
  body: 'deadline',
  filename: 'report.pdf',
  folder: 'Inbox/Projects',
  has: 'attachment',
  before: '2024-02-01',
  after: '2024-01-31',
};

function isTextOperator(op: Operator): op is Field {
  return (TEXT_OPERATORS as readonly string[]).includes(op);
}

/** Exclusion; excluding an exclusion gives the item back. */
function negate(item: Query | null): Query | null {
  if (item === null) return null;
  return item.kind === 'not' ? item.item : { kind: 'not', item };
}

/** Flattens nested groups of the same kind and drops repeated items ("budget budget"). */
function combine(kind: 'and' | 'or', parts: (Query | null)[]): Query | null {
  const unique = new Map<string, Query>();
  for (const q of parts.flatMap((p) => (p === null ? [] : p.kind === kind ? p.items : [p]))) {
    const key = describeQuery(q);
    if (!unique.has(key)) unique.set(key, q);
  }
  const items = [...unique.values()];
  if (items.length <= 1) return items[0] ?? null;
  return { kind, items };
}

function wordNode(text: string, field: Field | 'any', pos: number): Query | null {
  const base = text.replace(/\*+$/, '');
  const prefix = base.length < text.length;
  const star = base.indexOf('*');
  if (star >= 0) {
    throw new QuerySyntaxError(`* only works at the end of a word, e.g. invoic* (position ${pos + star})`, pos + star);
  }
  const word = queryWord(base);
  if (word.kind === 'none') {
    if (!prefix) return null;
    throw new QuerySyntaxError(prefixTooShort(base) ?? `Nothing searchable in '${text}'`, pos);
  }
  if (!prefix) {
    return word.kind === 'term'
      ? { kind: 'term', field, value: word.value, prefix: false }
      : { kind: 'phrase', field, terms: word.terms, raw: base };
  }
  if (word.kind === 'phrase') {
    throw new QuerySyntaxError(`* works on a single word, and '${text}' is several`, pos);
  }
  const tooShort = prefixTooShort(word.value);
  if (tooShort) throw new QuerySyntaxError(tooShort, pos);
  return { kind: 'term', field, value: word.value, prefix: true };
}

function phraseNode(text: string, field: Field | 'any', pos: number): Query {
  if (text.trim() === '') throw new QuerySyntaxError(`Empty quotes at position ${pos}`, pos);
  const terms = termsForPhrase(text);
  if (terms.length === 0) {
    throw new QuerySyntaxError(`Nothing searchable inside the quotes at position ${pos}`, pos);
  }
  return { kind: 'phrase', field, terms, raw: text };
}

class Parser {
  private i = 0;
  private depth = 0;

  constructor(private readonly tokens: LexToken[]) {}

  parse(): Query | null {
    const q = this.and('any');
    const stray = this.peek();
    if (stray) throw new QuerySyntaxError(`Unexpected ')' at position ${stray.pos}`, stray.pos);
    return q;
  }

  private peek(): LexToken | undefined {
    return this.tokens[this.i];
  }

  private next(): LexToken | undefined {
    return this.tokens[this.i++];
  }

  private and(field: Field | 'any'): Query | null {
    const items: (Query | null)[] = [];
    for (let t = this.peek(); t && t.type !== 'rparen'; t = this.peek()) items.push(this.or(field));
    return combine('and', items);
  }

  private or(field: Field | 'any'): Query | null {
    const items = [this.primary(field)];
    while (this.peek()?.type === 'or') {
      const or = this.next() as LexToken;
      const after = this.peek();
      if (!after || after.type === 'or' || after.type === 'rparen') {
        throw new QuerySyntaxError(`OR at position ${or.pos} needs a search term on both sides`, or.pos);
      }
      items.push(this.primary(field));
    }
    return combine('or', items);
  }

  private primary(field: Field | 'any'): Query | null {
    const t = this.next();
    if (!t || t.type === 'rparen') {
      const pos = t?.pos ?? this.tokens.at(-1)?.end ?? 0;
      throw new QuerySyntaxError(`Unexpected ${t ? "')'" : 'end of query'} at position ${pos}`, pos);
    }
    switch (t.type) {
      case 'or':
        throw new QuerySyntaxError(`OR at position ${t.pos} needs a search term on both sides`, t.pos);
      case 'not':
        return negate(this.primary(field));
      case 'lparen':
        return this.group(t, field);
      case 'word':
        return wordNode(t.text, field, t.pos);
      case 'phrase':
        return phraseNode(t.text, field, t.pos);
      case 'op':
        return this.operator(t);
    }
  }

  private group(open: LexToken, field: Field | 'any'): Query | null {
    if (++this.depth > MAX_NESTING) {
      throw new QuerySyntaxError(`Too many nested parentheses (at most ${MAX_NESTING})`, open.pos);
    }
    if (this.peek()?.type === 'rparen') throw new QuerySyntaxError(`Empty parentheses at position ${open.pos}`, open.pos);
    const inner = this.and(field);
    if (this.next()?.type !== 'rparen') throw new QuerySyntaxError(`Unclosed parenthesis at position ${open.pos}`, open.pos);
    this.depth--;
    return inner;
  }

  private operator(t: Extract<LexToken, { type: 'op' }>): Query | null {
    const v = this.peek();
    const value = v?.pos === t.end ? v : undefined;
    if (t.op === 'size>' || t.op === 'size<') return this.size(t.op, value, t.pos);
    if (value?.type === 'lparen' && isTextOperator(t.op)) return this.primary(t.op);
    if (value?.type !== 'word' && value?.type !== 'phrase') {
      throw new QuerySyntaxError(`${t.op}: needs a value right after the colon, e.g. ${t.op}:${EXAMPLES[t.op]}`, t.pos);
    }
    this.i++;
    const text = value.text;
    if (isTextOperator(t.op)) {
      const q = value.type === 'phrase' ? phraseNode(text, t.op, value.pos) : wordNode(text, t.op, value.pos);
      if (!q) throw new QuerySyntaxError(`Nothing searchable in '${t.op}:${text}'`, t.pos);
      return q;
    }
    return valueNode(t.op, text, value.pos);
  }

  private size(op: 'size>' | 'size<', value: LexToken | undefined, pos: number): Query {
    const bytes = value?.type === 'word' ? parseSize(value.text) : null;
    if (bytes === null) throw new QuerySyntaxError(`${op} needs a number with optional KB/MB, e.g. ${op}5MB`, value?.pos ?? pos);
    this.i++;
    return { kind: 'size', op: op === 'size>' ? '>' : '<', bytes };
  }
}

function valueNode(op: 'folder' | 'has' | 'before' | 'after', text: string, pos: number): Query {
  if (op === 'has') {
    if (/^attachments?$/i.test(text)) return { kind: 'hasAttachment' };
    throw new QuerySyntaxError(`Unknown value '${text}' for has: (use has:attachment)`, pos);
  }
  if (op === 'folder') {
    const path = folderPath(text);
    if (path === null) throw new QuerySyntaxError(`folder: needs a folder name, e.g. folder:"Sent Items"`, pos);
    return { kind: 'folder', path };
  }
  const date = parseIsoDate(text);
  if (!date) throw new QuerySyntaxError(`Invalid date '${text}' for ${op}: (use YYYY-MM-DD)`, pos);
  return { kind: 'date', op, date };
}

/** Parses a search box query; throws `QuerySyntaxError` with a message meant for the user. */
export function parseQuery(input: string): Query {
  if (input.length > MAX_QUERY_LENGTH) {
    throw new QuerySyntaxError(`The query is too long (at most ${MAX_QUERY_LENGTH} characters)`, MAX_QUERY_LENGTH);
  }
  const q = new Parser(lex(input)).parse();
  if (q) return q;
  if (input.trim() === '') return { kind: 'all' };
  throw new QuerySyntaxError('Nothing to search for: add a word, a "phrase" or an operator such as from:', 0);
}
