/**
 * A segment: an immutable index of some of an archive's messages (index-store.ts has the
 * design). Its messages are numbered by ordinal in result order, newest first, and everything
 * else refers to them by ordinal: posting lists, per-message columns, result summaries.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { TimeSlice } from '../time-slice';
import { ByteReader, ByteWriter, FIELD_CODES, TermRecordWriter, readTermRecords, type FieldCode, type TermRecord } from './index-codec';
import { indexTermsInSlices, termKey, type FieldTerms, type IndexField, type IndexableMessage } from './index-terms';

/** What the indexer needs of one archived message. */
export interface IndexEntry {
  sha256: string;
  receivedAt: Date;
  folder: string;
  size: number;
  hasAttachments: boolean;
  subject: string;
  from: { name: string; address: string } | null;
  /** The other From addresses, when the header names several (indexed, not shown in results). */
  moreFrom?: { name: string; address: string }[];
  /** To, Cc and Bcc. */
  to: { name: string; address: string }[];
  /** Every name the message lists: attachments, inline images, what attached messages hold. */
  attachmentNames: string[];
  body: string;
  /** The body's other alternatives where they say more than `body` (ingest/alternatives.ts). */
  alternativeText?: string;
  attachmentText: string[];
  /**
   * Archives the same ingest indexes this message into (a journal report's participants): the
   * first copy's terms are kept for the others. One, or unset, keeps nothing.
   */
  copies?: number;
}

/** What of an entry is indexed, field by field. */
export function indexable(e: IndexEntry): IndexableMessage {
  return { subject: e.subject, from: [e.from, ...(e.moreFrom ?? [])], to: e.to, attachmentNames: e.attachmentNames, body: [e.body, e.alternativeText ?? ''], attachmentText: e.attachmentText };
}

/** The terms of a batch's entries, tokenized with the event loop served in between. */
export async function termsOfEntries(entries: readonly IndexEntry[]): Promise<FieldTerms[][]> {
  const out: FieldTerms[][] = [];
  for (const e of entries) out.push(await recentTerms.of(e));
  return out;
}

/** Terms kept for copies still to come, at most this many in all (copies whose index call never comes). */
const RECENT_TERMS = 200_000;

/**
 * The terms of a message that other archives are about to index too: a journal report files its
 * message into every participant's archive, and each archive's writer tokenized the same text
 * again (three times per report in the journal benchmark). Kept until every copy took them, and
 * only for messages that have copies: terms kept for nobody lived long enough to reach V8's old
 * space, which a crawl (one archive per message) then had to collect in full collections. Keyed
 * by the message's hash and the lengths of what is tokenized, so that two entries that differ in
 * text never share.
 */
class RecentTerms {
  private readonly byKey = new Map<string, { terms: Promise<FieldTerms[]>; count: number; left: number }>();
  private total = 0;

  of(e: IndexEntry): Promise<FieldTerms[]> {
    if ((e.copies ?? 1) <= 1) return indexTermsInSlices(indexable(e));
    const key = `${e.sha256}|${e.subject.length}|${e.body.length}|${e.alternativeText?.length ?? 0}|${e.attachmentText.reduce((n, t) => n + t.length, 0)}`;
    const known = this.byKey.get(key);
    if (known) {
      if (--known.left <= 0) this.drop(key);
      return known.terms;
    }
    const entry = { terms: indexTermsInSlices(indexable(e)), count: 0, left: (e.copies ?? 1) - 1 };
    this.byKey.set(key, entry);
    void entry.terms.then((fields) => this.counted(key, entry, fields), () => this.drop(key));
    return entry.terms;
  }

  private counted(key: string, entry: { count: number }, fields: FieldTerms[]): void {
    if (this.byKey.get(key) !== entry) return;
    entry.count = fields.reduce((n, f) => n + f.terms.length, 0);
    this.total += entry.count;
    for (const k of this.byKey.keys()) {
      if (this.total <= RECENT_TERMS) break;
      this.drop(k);
    }
  }

  private drop(key: string): void {
    const entry = this.byKey.get(key);
    if (!entry) return;
    this.byKey.delete(key);
    this.total -= entry.count;
  }
}
const recentTerms = new RecentTerms();

/** What a result shows, kept with the index so that a page of results needs no other lookup. */
export interface Summary {
  sha: string;
  subject: string;
  from: { name: string; address: string } | null;
  folder: string;
  size: number;
  att: boolean;
  /** receivedAt, epoch ms. */
  at: number;
  /** The start of the body text, for snippets. */
  text: string;
}

/** Per-message values by ordinal: the sort key and what filters read. */
export interface Columns {
  n: number;
  /** receivedAt in seconds (clamped to 0…2^32-1). */
  date: Uint32Array;
  /** Unique within the archive, larger for later ingests; breaks ties of equal dates. */
  docNo: Uint32Array;
  size: Uint32Array;
  /** Bit 0: has attachments. */
  flags: Uint8Array;
  folder: Uint32Array;
  folders: string[];
}

export const SUBJECT_CHARS = 300;
export const EXCERPT_CHARS = 600;
export const COLUMN_CHUNK = 4096;
/** date, docNo, size, folder (4 bytes each), flags (1). */
export const COLUMN_BYTES = 17;
/** Summaries per stored block (`1d|` documents); segments written before the meta said so hold 16. */
export const DOC_BLOCK = 32;
export const LEGACY_DOC_BLOCK = 16;
const CODE_OF: Record<IndexField, FieldCode> = Object.fromEntries(
  (['subject', 'from', 'to', 'filename', 'body', 'attachment'] as const).map((f) => [f, termKey(f, '')[0] as FieldCode]),
) as Record<IndexField, FieldCode>;

export const toSeconds = (d: Date) => Math.min(0xffffffff, Math.max(0, Math.floor(d.getTime() / 1000)));

/** Result order: newer first, then the later ingest first. Negative when a comes first. */
export function compareKeys(dateA: number, docA: number, dateB: number, docB: number): number {
  return dateB - dateA || docB - docA;
}

/** First ordinal strictly after (date, docNo) in result order: binary search over the columns. */
export function ordinalAfter(cols: Columns, date: number, docNo: number): number {
  let lo = 0;
  let hi = cols.n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareKeys(cols.date[mid] as number, cols.docNo[mid] as number, date, docNo) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First ordinal with date < `seconds` (dates descend with the ordinal). */
export function ordinalBeforeDate(cols: Columns, seconds: number): number {
  let lo = 0;
  let hi = cols.n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((cols.date[mid] as number) >= seconds) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function summaryOf(e: IndexEntry): Summary {
  return {
    sha: e.sha256,
    subject: e.subject.slice(0, SUBJECT_CHARS),
    from: e.from ? { name: e.from.name.slice(0, 200), address: e.from.address.slice(0, 320) } : null,
    folder: e.folder,
    size: e.size,
    att: e.hasAttachments,
    at: e.receivedAt.getTime(),
    text: excerpt(e.body),
  };
}

function excerpt(body: string): string {
  const text = body.slice(0, EXCERPT_CHARS * 4).replace(/\s+/g, ' ').trim();
  if (text.length <= EXCERPT_CHARS) return text;
  const cut = text.lastIndexOf(' ', EXCERPT_CHARS);
  return text.slice(0, cut > EXCERPT_CHARS / 2 ? cut : EXCERPT_CHARS);
}

/** A segment built in memory: columns, summaries by ordinal, term records in term order. */
export interface SegmentData {
  columns: Columns;
  summaries: Summary[];
  records: TermRecord[];
}

export class ColumnsBuilder {
  private readonly folderIndex = new Map<string, number>();
  readonly cols: Columns;

  constructor(n: number) {
    this.cols = { n, date: new Uint32Array(n), docNo: new Uint32Array(n), size: new Uint32Array(n), flags: new Uint8Array(n), folder: new Uint32Array(n), folders: [] };
  }

  set(ord: number, date: number, docNo: number, size: number, hasAttachments: boolean, folder: string): void {
    let f = this.folderIndex.get(folder);
    if (f === undefined) {
      f = this.cols.folders.length;
      this.cols.folders.push(folder);
      this.folderIndex.set(folder, f);
    }
    const c = this.cols;
    c.date[ord] = date;
    c.docNo[ord] = docNo;
    c.size[ord] = Math.min(size, 0xffffffff);
    c.flags[ord] = hasAttachments ? 1 : 0;
    c.folder[ord] = f;
  }
}

/**
 * Word pairs ("memory barrier", phrase lookups) are stored apart from words, sorted before
 * them, so that the words a prefix covers are consecutive and few.
 */
const PAIR_MARK = '\u0001';
export const storedTerm = (term: string) => (term.includes(' ') ? PAIR_MARK + term : term);

/** Grows typed arrays of postings (term id, field, ordinal) without a per-posting object. */
class Postings {
  term = new Uint32Array(1 << 16);
  code = new Uint8Array(1 << 16);
  ord = new Uint32Array(1 << 16);
  n = 0;

  push(term: number, code: number, ord: number): void {
    if (this.n === this.term.length) {
      const grow = <T extends Uint32Array | Uint8Array>(a: T): T => {
        const b = new (a.constructor as new (n: number) => T)(a.length * 2);
        b.set(a);
        return b;
      };
      this.term = grow(this.term);
      this.code = grow(this.code);
      this.ord = grow(this.ord);
    }
    this.term[this.n] = term;
    this.code[this.n] = code;
    this.ord[this.n++] = ord;
  }
}

/** Builds a segment from a batch of messages; `docNos[i]` numbers `entries[i]`, `terms[i]` is its `termsOfEntries`. */
export async function buildSegment(entries: readonly IndexEntry[], docNos: readonly number[], terms: readonly FieldTerms[][]): Promise<SegmentData> {
  const order = entries.map((e, i) => ({ e, date: toSeconds(e.receivedAt), docNo: docNos[i] as number, fields: terms[i] as FieldTerms[] }));
  order.sort((a, b) => compareKeys(a.date, a.docNo, b.date, b.docNo));
  const columns = new ColumnsBuilder(order.length);
  const ids = new Map<string, number>();
  const allTerms: string[] = [];
  const postings = new Postings();
  const slice = new TimeSlice();
  for (const [ord, { e, date, docNo, fields }] of order.entries()) {
    if (slice.spent) await slice.yield();
    columns.set(ord, date, docNo, e.size, e.hasAttachments, e.folder);
    for (const { field, terms: fieldTerms } of fields) {
      const code = FIELD_CODES.indexOf(CODE_OF[field]);
      for (const raw of fieldTerms) {
        // Looked up as tokenized (the tokenizer's strings, hashed once), marked once per distinct term.
        let id = ids.get(raw);
        if (id === undefined) {
          id = allTerms.length;
          ids.set(raw, id);
          allTerms.push(storedTerm(raw));
        }
        postings.push(id, code, ord);
      }
    }
  }
  return { columns: columns.cols, summaries: order.map(({ e }) => summaryOf(e)), records: recordsOf(allTerms, postings) };
}

/**
 * Groups postings by (term in term order, field) with a counting sort, which keeps each
 * group's ordinals in the ascending order they were added in, and encodes every list into one
 * buffer the records point into.
 */
function recordsOf(terms: string[], p: Postings): TermRecord[] {
  const sorted = terms.map((_, i) => i).sort((a, b) => byTerm(terms[a] as string, terms[b] as string));
  const rank = new Uint32Array(terms.length);
  sorted.forEach((id, r) => (rank[id] = r));
  const k = FIELD_CODES.length;
  const start = new Uint32Array(terms.length * k + 1);
  for (let i = 0; i < p.n; i++) {
    const g = (rank[p.term[i] as number] as number) * k + (p.code[i] as number) + 1;
    start[g] = (start[g] as number) + 1;
  }
  for (let g = 1; g < start.length; g++) start[g] = (start[g] as number) + (start[g - 1] as number);
  const fill = start.slice(0, -1);
  const ords = new Uint32Array(p.n);
  for (let i = 0; i < p.n; i++) {
    const g = (rank[p.term[i] as number] as number) * k + (p.code[i] as number);
    const at = fill[g] as number;
    fill[g] = at + 1;
    ords[at] = p.ord[i] as number;
  }
  const w = new ByteWriter();
  const spans: number[] = [];
  for (let g = 0; g < terms.length * k; g++) {
    const from = start[g] as number;
    const to = start[g + 1] as number;
    spans.push(w.length);
    let prev = -1;
    for (let i = from; i < to; i++) {
      w.varint((ords[i] as number) - prev);
      prev = ords[i] as number;
    }
  }
  spans.push(w.length);
  const buf = w.result();
  return sorted.map((id, r) => {
    const lists: TermRecord['lists'] = {};
    for (let c = 0; c < k; c++) {
      const a = spans[r * k + c] as number;
      const b = spans[r * k + c + 1] as number;
      if (b > a) lists[FIELD_CODES[c] as FieldCode] = buf.subarray(a, b);
    }
    return { term: terms[id] as string, lists };
  });
}

/** Term order: JavaScript string order, the same wherever a segment is read. */
export const byTerm = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export function encodeColumns(cols: Columns, from = 0, to = cols.n): Buffer {
  const k = to - from;
  const out = Buffer.alloc(k * COLUMN_BYTES);
  let p = 0;
  for (const arr of [cols.date, cols.docNo, cols.size]) {
    for (let i = from; i < to; i++, p += 4) out.writeUInt32LE(arr[i] as number, p);
  }
  for (let i = from; i < to; i++) out[p++] = cols.flags[i] as number;
  for (let i = from; i < to; i++, p += 4) out.writeUInt32LE(cols.folder[i] as number, p);
  return out;
}

/** Decodes a chunk written by `encodeColumns` into `cols` at ordinal `from`. */
export function decodeColumnsInto(cols: Columns, buf: Buffer, from: number): void {
  const k = buf.length / COLUMN_BYTES;
  let p = 0;
  for (const arr of [cols.date, cols.docNo, cols.size]) {
    for (let i = 0; i < k; i++, p += 4) arr[from + i] = buf.readUInt32LE(p);
  }
  for (let i = 0; i < k; i++) cols.flags[from + i] = buf[p++] as number;
  for (let i = 0; i < k; i++, p += 4) cols.folder[from + i] = buf.readUInt32LE(p);
}

export function emptyColumns(n: number, folders: string[]): Columns {
  return { n, date: new Uint32Array(n), docNo: new Uint32Array(n), size: new Uint32Array(n), flags: new Uint8Array(n), folder: new Uint32Array(n), folders };
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * A block of summaries as stored: `s`, their count, each SHA-256 as its 32 bytes, then the rest
 * as JSON deflated at level 6; or, when a hash is not one (never from ingest), and in blocks
 * written before, the whole JSON deflated at level 1 (`d`). As hex inside the JSON a hash took about
 * 51 bytes after deflate, which cannot take it below its 32; with 32 a block instead of 16 and
 * level 6, the corpus's summaries take 16 % fewer bytes.
 */
export function encodeSummaries(summaries: readonly Summary[]): { s: Buffer } | { d: Buffer } {
  if (!summaries.every((x) => SHA256_HEX.test(x.sha))) return { d: deflateRawSync(Buffer.from(JSON.stringify(summaries)), { level: 1 }) };
  const w = new ByteWriter(summaries.length * 32 + 8);
  w.varint(summaries.length);
  for (const x of summaries) w.bytes(Buffer.from(x.sha, 'hex'));
  w.bytes(deflateRawSync(Buffer.from(JSON.stringify(summaries.map(({ sha: _, ...rest }) => rest))), { level: 6 }));
  return { s: w.result() };
}

export function decodeSummaries(doc: Readonly<Record<string, unknown>>): Summary[] {
  if (!doc.s) return JSON.parse(inflateRawSync(doc.d as Buffer).toString('utf8')) as Summary[];
  const r = new ByteReader(doc.s as Buffer);
  const shas = Array.from({ length: r.varint() }, () => r.bytes(32).toString('hex'));
  const rest = JSON.parse(inflateRawSync(r.buf.subarray(r.pos)).toString('utf8')) as Omit<Summary, 'sha'>[];
  return rest.map((x, i) => ({ sha: shas[i] as string, ...x }));
}

/** A stored block's bytes (what a partition of the segment counts). */
export const summaryBytes = (doc: Readonly<Record<string, unknown>>) => ((doc.s ?? doc.d) as Buffer).length;

/** A small segment as one compressed buffer: columns, summaries and every term record. */
export function encodePacked(seg: SegmentData): Buffer {
  const w = new ByteWriter();
  w.varint(seg.columns.n);
  w.string(JSON.stringify(seg.columns.folders));
  const cols = encodeColumns(seg.columns);
  w.varint(cols.length);
  w.bytes(cols);
  w.string(JSON.stringify(seg.summaries));
  const records = new TermRecordWriter(w);
  for (const rec of seg.records) records.write(rec);
  return deflateRawSync(w.result(), { level: 1 });
}

export function decodePacked(buf: Buffer): SegmentData {
  const raw = inflateRawSync(buf);
  const r = new ByteReader(raw);
  const n = r.varint();
  const columns = emptyColumns(n, JSON.parse(r.string()));
  const colBytes = r.bytes(r.varint());
  decodeColumnsInto(columns, Buffer.from(colBytes.buffer, colBytes.byteOffset, colBytes.length), 0);
  const summaries = JSON.parse(r.string()) as Summary[];
  const records = [...readTermRecords(raw.subarray(r.pos))];
  return { columns, summaries, records };
}

/** Rough encoded size, to choose between a packed and a bucketed segment. */
export function estimateBytes(seg: SegmentData): number {
  let n = seg.columns.n * COLUMN_BYTES + seg.summaries.reduce((s, x) => s + x.text.length + x.subject.length + 150, 0);
  for (const rec of seg.records) {
    n += rec.term.length + 2;
    for (const code of FIELD_CODES) n += rec.lists[code]?.length ?? 0;
  }
  return n;
}

