import { QuerySyntaxError } from './query-types';

export const TEXT_OPERATORS = ['from', 'to', 'subject', 'body', 'filename'] as const;
const VALUE_OPERATORS = ['folder', 'has', 'before', 'after'] as const;
export type Operator =
  | (typeof TEXT_OPERATORS)[number]
  | (typeof VALUE_OPERATORS)[number]
  | 'size>'
  | 'size<';

export type LexToken =
  | { type: 'word'; text: string; pos: number; end: number }
  | { type: 'phrase'; text: string; pos: number; end: number }
  | { type: 'op'; op: Operator; pos: number; end: number }
  | { type: 'lparen' | 'rparen' | 'or' | 'not'; pos: number; end: number };

const NAMED: readonly string[] = [...TEXT_OPERATORS, ...VALUE_OPERATORS];
// Operators people bring from other mail search tools.
const HINTS: Record<string, string> = {
  cc: "'to:', which covers To, Cc and Bcc",
  bcc: "'to:', which covers To, Cc and Bcc",
  in: "'folder:'",
  file: "'filename:'",
  attachment: "'filename:' or 'has:attachment'",
  size: "'size>' or 'size<', e.g. size>5MB",
  larger: "'size>'",
  smaller: "'size<'",
};
const QUOTES = '"\u201c\u201d';
const BOUNDARY = /[\s()"\u201c\u201d]/;

/** Optimal string alignment distance: typos are mostly one edit or one swap away. */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number): number => d[i]?.[j] ?? Infinity;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, at(i - 2, j - 2) + 1);
      (d[i] as number[])[j] = best;
    }
  }
  return at(a.length, b.length);
}

/** A suggestion for an unknown `name:`; without one the word is ordinary text ("re:", "note:"). */
function suggestion(name: string): string | null {
  const hint = HINTS[name];
  if (hint) return hint;
  const allowed = name.length >= 6 ? 2 : 1;
  const near = NAMED.find((op) => distance(name, op) <= allowed);
  return near ? `'${near}:'` : null;
}

/** A known operator at the start of a word, with its length; throws on a likely typo. */
function operatorAt(word: string, pos: number): { op: Operator; length: number } | null {
  const size = /^size([<>])/i.exec(word);
  if (size) return { op: `size${size[1] as '<' | '>'}`, length: 5 };
  const named = /^(\p{L}+):(?!\/\/)/u.exec(word);
  if (!named?.[1]) return null;
  const name = named[1].toLowerCase();
  if (NAMED.includes(name)) return { op: name as Operator, length: name.length + 1 };
  const hint = suggestion(name);
  if (hint) throw new QuerySyntaxError(`Unknown operator '${named[1]}:'. Did you mean ${hint}?`, pos);
  return null;
}

function wordEnd(input: string, from: number): number {
  let i = from;
  while (i < input.length && !BOUNDARY.test(input[i] as string)) i++;
  return i;
}

/**
 * Splits a query into tokens. The token right after an operator is always its value, so
 * `from:OR` searches for "or" and `subject:-draft` for "draft".
 */
export function lex(input: string): LexToken[] {
  const tokens: LexToken[] = [];
  let i = 0;
  let valueNext = false;
  while (i < input.length) {
    const c = input[i] as string;
    const isValue = valueNext;
    valueNext = false;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '(' || c === ')') {
      tokens.push({ type: c === '(' ? 'lparen' : 'rparen', pos: i, end: i + 1 });
      i++;
    } else if (QUOTES.includes(c)) {
      const close = [...QUOTES].map((q) => input.indexOf(q, i + 1)).filter((n) => n >= 0);
      if (close.length === 0) throw new QuerySyntaxError(`Unclosed quote at position ${i}`, i);
      const end = Math.min(...close) + 1;
      tokens.push({ type: 'phrase', text: input.slice(i + 1, end - 1), pos: i, end });
      i = end;
    } else if (!isValue && c === '-' && i + 1 < input.length && !/[\s)]/.test(input[i + 1] as string)) {
      tokens.push({ type: 'not', pos: i, end: i + 1 });
      i++;
    } else {
      const end = wordEnd(input, i);
      const word = input.slice(i, end);
      const op = isValue ? null : operatorAt(word, i);
      if (op) {
        tokens.push({ type: 'op', op: op.op, pos: i, end: i + op.length });
        valueNext = true;
        i += op.length;
      } else {
        tokens.push(!isValue && word === 'OR' ? { type: 'or', pos: i, end } : { type: 'word', text: word, pos: i, end });
        i = end;
      }
    }
  }
  return tokens;
}
