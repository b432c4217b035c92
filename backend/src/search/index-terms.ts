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
import { tokenize, tokenizeInSlices } from './tokenize';

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

/**
 * A message as the indexer sees it; `body` and `attachmentText` are plain text, not HTML. Every
 * character of them is indexed: the caps on a message's stored text (ingest/text-limits.ts) are
 * what bounds a message's terms, and a message they cut says so.
 */
export interface IndexableMessage {
  subject?: string | null;
  /** The body: its plain text and the text of its other alternatives, each a text of its own. */
  body?: string | readonly string[] | null;
  from?: Mailbox | readonly (Mailbox | null)[] | null;
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

function sources(msg: IndexableMessage): [IndexField, string[]][] {
  const body = typeof msg.body === 'string' || msg.body == null ? [msg.body] : msg.body;
  return [
    ['subject', nonEmpty(msg.subject)],
    ['from', mailboxTexts(Array.isArray(msg.from) ? msg.from : [msg.from as Mailbox | null])],
    ['to', mailboxTexts([...(msg.to ?? []), ...(msg.cc ?? []), ...(msg.bcc ?? [])])],
    ['filename', nonEmpty(...(msg.attachmentNames ?? []))],
    ['body', nonEmpty(...body)],
    ['attachment', nonEmpty(...(msg.attachmentText ?? []))],
  ];
}

/**
 * Terms per field. Each recipient, attachment name, attachment and body alternative is
 * tokenized on its own so no phrase spans two of them.
 */
export function indexTerms(msg: IndexableMessage): FieldTerms[] {
  return sources(msg).flatMap(([field, texts]) => {
    const terms = tokenize(texts, { maxTerms: Infinity });
    return terms.length > 0 ? [{ field, terms }] : [];
  });
}

/** `indexTerms` with the event loop served while long texts are tokenized (the indexer's path). */
export async function indexTermsInSlices(msg: IndexableMessage): Promise<FieldTerms[]> {
  const out: FieldTerms[] = [];
  for (const [field, texts] of sources(msg)) {
    const terms = await tokenizeInSlices(texts, { maxTerms: Infinity });
    if (terms.length > 0) out.push({ field, terms });
  }
  return out;
}

/** The posting keys of a message: `indexTerms` with each term behind its field code. */
export function indexKeys(msg: IndexableMessage): string[] {
  return indexTerms(msg).flatMap(({ field, terms }) => terms.map((t) => termKey(field, t)));
}
