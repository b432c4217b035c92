/**
 * What the indexer stores and how queries find it.
 *
 * Postings are keyed by archive and key, where a key is a term behind a one-letter field code
 * ("s:budget", "f:alice@contoso.com"). A field-restricted lookup is one key; an unrestricted one
 * is `$in` over the six field keys; a prefix lookup is a key range per field. All of them are
 * point or range reads on an (archive, key) index, which MongoDB and FerretDB both serve without
 * scanning, and no term is stored twice just to serve "any field".
 */
import type { Field } from './query-types';
import { DEFAULT_MAX_TERMS, tokenize } from './tokenize';

/**
 * Cap on distinct keys per message. Small fields are indexed first; body and attachment text
 * share what is left, so the first tens of kilobytes of each are searchable and one 50 MB
 * attachment cannot write millions of postings.
 */
export const MAX_TERMS_PER_MESSAGE = DEFAULT_MAX_TERMS;
/** Shorter prefixes would each read a large part of the term index. */
export const MIN_PREFIX_LENGTH = 2;

const FIELD_CODES = {
  subject: 's',
  from: 'f',
  to: 't',
  filename: 'n',
  body: 'b',
  attachment: 'a',
} as const;
export type IndexField = keyof typeof FIELD_CODES;

const INDEX_FIELDS: Record<Field | 'any', readonly IndexField[]> = {
  any: ['subject', 'from', 'to', 'filename', 'body', 'attachment'],
  subject: ['subject'],
  from: ['from'],
  to: ['to'],
  filename: ['filename'],
  body: ['body'],
};

export interface Mailbox {
  name?: string | null;
  address?: string | null;
}

/** A message as the indexer sees it; `body` and `attachmentText` are plain text, not HTML. */
export interface IndexableMessage {
  subject?: string | null;
  body?: string | null;
  from?: Mailbox | null;
  to?: readonly Mailbox[] | null;
  cc?: readonly Mailbox[] | null;
  bcc?: readonly Mailbox[] | null;
  attachmentNames?: readonly string[] | null;
  attachmentText?: readonly string[] | null;
}

export interface FieldTerms {
  field: IndexField;
  terms: string[];
}

export function termKey(field: IndexField, term: string): string {
  return `${FIELD_CODES[field]}:${term}`;
}

/** The keys any of which holds `term` in `field` (several for 'any'). */
export function keysFor(field: Field | 'any', term: string): string[] {
  return INDEX_FIELDS[field].map((f) => termKey(f, term));
}

export function prefixTooShort(prefix: string): string | null {
  return Array.from(prefix).length < MIN_PREFIX_LENGTH
    ? `'${prefix}*' is too short: type at least ${MIN_PREFIX_LENGTH} characters before *`
    : null;
}

/**
 * Exclusive upper bound of the keys starting with `s`: its last code point plus one. Appending
 * '\uffff' would miss keys continuing with characters beyond the BMP, which sort above it in
 * MongoDB's UTF-8 byte order.
 */
function successor(s: string): string {
  const last = s.codePointAt(s.length - 1) ?? 0;
  const isLowSurrogate = last >= 0xdc00 && last <= 0xdfff;
  const cp = isLowSurrogate ? (s.codePointAt(s.length - 2) ?? 0) : last;
  const head = s.slice(0, s.length - (cp > 0xffff ? 2 : 1));
  const next = cp + 1 === 0xd800 ? 0xe000 : cp + 1;
  return head + String.fromCodePoint(next);
}

/** Key range of every term starting with `prefix` (a normalised term), optionally in one field. */
export function prefixRange(prefix: string, field?: IndexField): { $gte: string; $lt: string } {
  const problem = prefixTooShort(prefix);
  if (problem) throw new RangeError(problem);
  const key = field ? termKey(field, prefix) : prefix;
  return { $gte: key, $lt: successor(key) };
}

export function prefixRanges(field: Field | 'any', prefix: string): { $gte: string; $lt: string }[] {
  return INDEX_FIELDS[field].map((f) => prefixRange(prefix, f));
}

function mailboxTexts(boxes: readonly (Mailbox | null | undefined)[]): string[] {
  return boxes.flatMap((b) => (b ? [b.name ?? '', b.address ?? ''].filter((t) => t.length > 0) : []));
}

function nonEmpty(...texts: (string | null | undefined)[]): string[] {
  return texts.filter((t): t is string => typeof t === 'string' && t.length > 0);
}

/**
 * Terms per field, at most `maxTerms` in total. Each recipient, attachment name and attachment
 * is tokenized on its own so no phrase spans two of them.
 */
export function indexTerms(msg: IndexableMessage, maxTerms = MAX_TERMS_PER_MESSAGE): FieldTerms[] {
  const attachmentText = nonEmpty(...(msg.attachmentText ?? []));
  const sources: [IndexField, string[]][] = [
    ['subject', nonEmpty(msg.subject)],
    ['from', mailboxTexts([msg.from])],
    ['to', mailboxTexts([...(msg.to ?? []), ...(msg.cc ?? []), ...(msg.bcc ?? [])])],
    ['filename', nonEmpty(...(msg.attachmentNames ?? []))],
    ['body', nonEmpty(msg.body)],
    ['attachment', attachmentText],
  ];
  const out: FieldTerms[] = [];
  let left = maxTerms;
  for (const [field, texts] of sources) {
    if (texts.length === 0 || left <= 0) continue;
    // Body and attachments split the remaining budget; whatever the body leaves over is not lost.
    const budget = field === 'body' && attachmentText.length > 0 ? Math.ceil(left / 2) : left;
    const terms = tokenize(texts, { maxTerms: budget });
    if (terms.length > 0) out.push({ field, terms });
    left -= terms.length;
  }
  return out;
}

/** The posting keys of a message: `indexTerms` with each term behind its field code. */
export function indexKeys(msg: IndexableMessage, maxTerms = MAX_TERMS_PER_MESSAGE): string[] {
  return indexTerms(msg, maxTerms).flatMap(({ field, terms }) => terms.map((t) => termKey(field, t)));
}
