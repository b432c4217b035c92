/**
 * Segments on disk. A packed segment (a small ingest batch) is one compressed document. A
 * bucketed segment is many small documents, written in `_id` order and cut into partitions of
 * at most PART_ROWS rows / PART_BYTES bytes (a table each on FerretDB):
 *   0meta          counts, folder names, the first term of every bucket, the first id of every partition
 *   1d|<block>     result summaries, DOC_BLOCK per document (as the meta says), compressed
 *   2c|<chunk>     columns, COLUMN_CHUNK ordinals per document
 *   3b|<bucket>    term records in term order, about BUCKET_BYTES per document before compression
 * A term is found with the directory (cached) and one lookup of its bucket; a prefix reads the
 * few consecutive buckets its terms sort into.
 */
import { inflateRawSync } from 'node:zlib';
import type { Store } from '../store';
import { getDoc, insertDocs, readPart, segmentPart, freshPart, type IdRange, type IndexDoc, type IndexLayout } from '../store/postings';
import { cached, type Pool } from './index-cache';
import { pad, type WritePart } from './index-bucket-writer';
import { decodeCounts, decodeStrings, readTermRecords, type TermRecord } from './index-codec';
import { COLUMN_BYTES, COLUMN_CHUNK, LEGACY_DOC_BLOCK, byTerm, decodeColumnsInto, decodePacked, decodeSummaries, emptyColumns, type Columns, type SegmentData, type Summary } from './index-segment';

/**
 * A prefix that stands for more words than this in one segment is refused as too broad, whatever
 * the archive's size: each bucket's directory entry says how many terms it holds. (The posting
 * lists of the words it stands for are read, as a word's are: their size is the size of the answer.)
 */
export const MAX_PREFIX_WORDS = 4096;
/** Segments written before buckets counted their terms: a prefix spanning more buckets is refused. */
export const MAX_PREFIX_BUCKETS = 24;

export interface IndexCtx {
  store: Pick<Store, 'searchDb'>;
  layout: IndexLayout;
  archiveId: string;
  key: string;
}

/** A segment as the manifest lists it. */
export interface SegInfo {
  id: string;
  n: number;
  kind: 'packed' | 'bucketed';
  parts: number;
  bytes: number;
  /** Written by a merge that left out every deletion numbered up to this (index-deletes.ts). */
  applied?: number;
}

/** A deletion as the manifest lists it: a list of docNos (`n` of them) stored under `id`. */
export interface TombInfo {
  id: string;
  n: number;
  /** Its batch number: deletions are ordered with the batches they may refer to. */
  seq: number;
}

export class PrefixTooBroadError extends Error {
  constructor(readonly prefix: string) {
    super(`Too many different words start with '${prefix}': type a few more letters before *`);
    this.name = 'PrefixTooBroadError';
  }
}

/** Term records as a segment holds them for a merge: decoded (packed), or a bucket's bytes. */
export type RecordBlock = readonly TermRecord[] | Buffer;

/** A segment's data, however it is stored. */
export interface SegmentView {
  info: SegInfo;
  columns(): Promise<Columns>;
  /** Records of the exact terms and of every term starting with one of the prefixes. */
  records(terms: readonly string[], prefixes: readonly string[]): Promise<TermRecord[]>;
  summaries(ords: readonly number[]): Promise<Map<number, Summary>>;
  /**
   * For merging: every record in term order, every summary in ordinal order, a stored block at a
   * time (a merge reads hundreds of thousands of records: not an await for each). A bucketed
   * segment's records come as the bucket's bytes, read in place (TermRecordWalker).
   */
  recordBlocks(): AsyncGenerator<RecordBlock>;
  summaryBlocks(): AsyncGenerator<readonly Summary[]>;
}

/** Buckets are stored deflated (`z`, index-bucket-writer.ts); those written before, as they are (`t`). */
const bucketBytes = (doc: IndexDoc): Buffer => (doc.z ? inflateRawSync(doc.z as Buffer) : (doc.t as Buffer));
const cacheKey = (ctx: IndexCtx, seg: SegInfo, what: string) => `${ctx.store.searchDb.databaseName}|${ctx.key}|${seg.id}|${what}`;

/** Writes a segment's partitions to the archive's index. */
export const partWriter = (ctx: IndexCtx, segId: string): WritePart => (partition, docs, sizes) =>
  insertDocs(ctx.store, segmentPart(ctx.layout, ctx.key, segId, partition), docs, { sizes });

interface Meta {
  n: number;
  folders: string[];
  dir: string[];
  /** Terms in each bucket of `dir`; null in segments written before they were counted. */
  dirTerms: number[] | null;
  bounds: string[];
  docBlocks: number;
  /** Summaries per block. */
  docBlock: number;
  chunks: number;
}

/** Whether buckets start…end hold more words than a prefix may stand for (the first may hold a few that sort before it). */
function tooBroad(meta: Meta, start: number, end: number): boolean {
  if (!meta.dirTerms) return end - start + 1 > MAX_PREFIX_BUCKETS;
  let words = 0;
  for (let b = start; b <= end; b++) words += meta.dirTerms[b] ?? 0;
  return words > MAX_PREFIX_WORDS;
}

/** Thrown when a segment's documents are gone (dropped after a merge): the search starts over. */
export class SegmentGoneError extends Error {
  constructor(segId: string) {
    super(`index segment ${segId} is no longer there`);
    this.name = 'SegmentGoneError';
  }
}

/** The last index i with sorted[i] <= value (0 when none). */
function floorIndex(sorted: readonly string[], value: string): number {
  return Math.max(0, partitionPoint(sorted.length, (i) => byTerm(sorted[i] as string, value) <= 0) - 1);
}

/** How many of the first `n` indexes `before` holds for; it must hold for a prefix of them (binary search). */
function partitionPoint(n: number, before: (i: number) => boolean): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (before(mid)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The records of a bucket for these terms and prefixes. Records are in term order, so reading
 * stops at the first term past all of them: on average half a bucket is decoded per lookup.
 */
function lookUp(bytes: Uint8Array, wanted: { terms: Set<string>; prefixes: string[] }): TermRecord[] {
  const out: TermRecord[] = [];
  const last = [...wanted.terms].reduce((a, t) => (byTerm(t, a) > 0 ? t : a), '');
  const pastAll = (term: string) => byTerm(term, last) > 0 && wanted.prefixes.every((p) => byTerm(term, p) > 0 && !term.startsWith(p));
  for (const rec of readTermRecords(bytes)) {
    if (wanted.terms.has(rec.term) || wanted.prefixes.some((p) => rec.term.startsWith(p))) out.push(rec);
    else if (pastAll(rec.term)) break;
  }
  return out;
}

/** Partitions a pass over a whole segment keeps read (it goes forward; columns may be read in parallel). */
const PASS_PARTS = 3;

class BucketedSegment implements SegmentView {
  /**
   * A view opened to read the segment front to back (a merge) reads it a partition at a time:
   * each partition read serves the meta document, the columns, the summaries and the records in
   * it, instead of a lookup each (on FerretDB a lookup by `_id` reads the table up to the row: a
   * merge of 45-message batches read each batch's one table four times).
   */
  private readonly pass = new Map<number, Promise<IndexDoc[]>>();

  constructor(
    private readonly ctx: IndexCtx,
    readonly info: SegInfo,
    private readonly keep: boolean,
    private readonly whole: boolean,
  ) {}

  private part(p: number) {
    return segmentPart(this.ctx.layout, this.ctx.key, this.info.id, p);
  }

  /** Partition `p`'s documents; `ids`: its range, where one collection holds every partition. */
  private partDocs(p: number, ids?: IdRange): Promise<IndexDoc[]> {
    const known = this.pass.get(p);
    if (known) return known;
    const docs = readPart(this.ctx.store, this.part(p), ids);
    docs.catch(() => this.pass.delete(p));
    this.pass.set(p, docs);
    for (const k of this.pass.keys()) if (this.pass.size > PASS_PARTS) this.pass.delete(k);
    return docs;
  }

  /**
   * A document of partition `p`: looked up alone, or (reading the segment whole from FerretDB's
   * tables) from the partition read whole. MongoDB finds an `_id` in its index.
   */
  private async lookup(p: number, id: string): Promise<IndexDoc | null> {
    if (!this.whole || this.ctx.layout === 'shared') return getDoc(this.ctx.store, this.part(p), id);
    return (await this.partDocs(p)).find((d) => d._id === id) ?? null;
  }

  /** This segment's `what`, through the cache (kept there unless the view was opened not to). */
  private cached<T>(what: string, load: () => Promise<{ value: T; bytes: number }>, pool?: Pool): Promise<T> {
    return cached(cacheKey(this.ctx, this.info, what), load, this.keep, pool);
  }

  private async doc(id: string, meta: Meta): Promise<IndexDoc> {
    const doc = await this.lookup(floorIndex(meta.bounds, id), id);
    if (!doc) throw new SegmentGoneError(this.info.id);
    return doc;
  }

  meta(): Promise<Meta> {
    return this.cached('meta', async () => {
      const doc = await this.lookup(0, '0meta');
      if (!doc) throw new SegmentGoneError(this.info.id);
      const value: Meta = { n: doc.n as number, folders: doc.folders as string[], dir: decodeStrings(doc.dir as Buffer), dirTerms: doc.dirTerms ? decodeCounts(doc.dirTerms as Buffer) : null, bounds: doc.bounds as string[], docBlocks: doc.docBlocks as number, docBlock: (doc.docBlock as number | undefined) ?? LEGACY_DOC_BLOCK, chunks: doc.chunks as number };
      return { value, bytes: (doc.dir as Buffer).length * 2 + (value.dirTerms?.length ?? 0) * 8 + value.bounds.length * 20 + 200 };
    });
  }

  columns(): Promise<Columns> {
    return this.cached('cols', async () => {
      const meta = await this.meta();
      const cols = emptyColumns(meta.n, meta.folders);
      await Promise.all(Array.from({ length: meta.chunks }, async (_, i) => {
        const doc = await this.doc(`2c|${pad(i)}`, meta);
        decodeColumnsInto(cols, doc.c as Buffer, i * COLUMN_CHUNK);
      }));
      return { value: cols, bytes: meta.n * COLUMN_BYTES };
    });
  }

  async records(terms: readonly string[], prefixes: readonly string[]): Promise<TermRecord[]> {
    const meta = await this.meta();
    if (meta.dir.length === 0) return [];
    // Per bucket, the terms and prefixes looked up in it.
    const buckets = new Map<number, { terms: Set<string>; prefixes: string[] }>();
    const bucket = (b: number) => buckets.get(b) ?? buckets.set(b, { terms: new Set(), prefixes: [] }).get(b)!;
    for (const t of terms) bucket(floorIndex(meta.dir, t)).terms.add(t);
    for (const p of prefixes) {
      const start = floorIndex(meta.dir, p);
      let end = start;
      // Terms starting with p sort together: the bucket holding p, then those whose first term starts with p.
      while (end + 1 < meta.dir.length && (meta.dir[end + 1] as string).startsWith(p)) end++;
      if (tooBroad(meta, start, end)) throw new PrefixTooBroadError(p);
      for (let b = start; b <= end; b++) bucket(b).prefixes.push(p);
    }
    const entries = [...buckets];
    const stored = await Promise.all(entries.map(([b]) => this.cached(`b${b}`, async () => {
      const doc = await this.doc(`3b|${pad(b)}`, meta);
      // A copy: the driver's buffer may be a view of its whole reply.
      const kept: IndexDoc = doc.z ? { _id: doc._id, z: Buffer.from(doc.z as Buffer) } : { _id: doc._id, t: Buffer.from(doc.t as Buffer) };
      return { value: kept, bytes: ((kept.z ?? kept.t) as Buffer).length + 100 };
    }, 'buckets')));
    return stored.flatMap((doc, i) => lookUp(bucketBytes(doc), entries[i]![1]));
  }

  async summaries(ords: readonly number[]): Promise<Map<number, Summary>> {
    const meta = await this.meta();
    const blocks = [...new Set(ords.map((o) => Math.floor(o / meta.docBlock)))];
    const out = new Map<number, Summary>();
    await Promise.all(blocks.map(async (b) => {
      const block = await this.cached(`d${b}`, async () => {
        const value = decodeSummaries(await this.doc(`1d|${pad(b)}`, meta));
        // As held in memory: the strings, the hash in hex, the object (its stored bytes no longer say: the compression differs by form).
        return { value, bytes: value.reduce((n, x) => n + x.text.length + x.subject.length + 300, 0) };
      });
      block.forEach((s, i) => out.set(b * meta.docBlock + i, s));
    }));
    return out;
  }

  private async *stream(kind: string): AsyncGenerator<IndexDoc> {
    const meta = await this.meta();
    for (let p = 0; p < meta.bounds.length; p++) {
      const next = meta.bounds[p + 1];
      if (next !== undefined && next <= kind) continue;
      if ((meta.bounds[p] as string) > `${kind}\uffff`) return;
      // In the shared layout (MongoDB) a partition is the range of ids the meta document bounds.
      const ids = this.ctx.layout === 'shared' ? { from: meta.bounds[p] as string, to: next } : undefined;
      for (const doc of await this.partDocs(p, ids)) if (doc._id.startsWith(kind)) yield doc;
      // Read to its end; only a kind's last partition may hold the next kind's first documents.
      if (next !== undefined && next <= `${kind}\uffff`) this.pass.delete(p);
    }
  }

  async *recordBlocks(): AsyncGenerator<RecordBlock> {
    for await (const doc of this.stream('3b|')) yield bucketBytes(doc);
  }

  async *summaryBlocks(): AsyncGenerator<readonly Summary[]> {
    for await (const doc of this.stream('1d|')) yield decodeSummaries(doc);
  }
}

/**
 * The records of `sorted` (in term order, as a segment holds them) for these terms and prefixes,
 * in term order, found by binary search: a search looks into every packed segment, and while an
 * archive is being written there are a few dozen of them, thousands of terms each.
 */
export function findRecords(sorted: readonly TermRecord[], terms: readonly string[], prefixes: readonly string[]): TermRecord[] {
  const found = new Set<number>();
  for (const t of terms) {
    const i = firstAtOrAfter(sorted, t);
    if (sorted[i]?.term === t) found.add(i);
  }
  for (const p of prefixes) {
    for (let i = firstAtOrAfter(sorted, p); i < sorted.length && (sorted[i] as TermRecord).term.startsWith(p); i++) found.add(i);
  }
  return [...found].sort((a, b) => a - b).map((i) => sorted[i] as TermRecord);
}

/** The first index whose term sorts at or after `value` (sorted.length when none does). */
const firstAtOrAfter = (sorted: readonly TermRecord[], value: string) => partitionPoint(sorted.length, (i) => byTerm((sorted[i] as TermRecord).term, value) < 0);

class PackedSegment implements SegmentView {
  constructor(
    readonly info: SegInfo,
    private readonly data: SegmentData,
  ) {}

  async columns(): Promise<Columns> {
    return this.data.columns;
  }

  async records(terms: readonly string[], prefixes: readonly string[]): Promise<TermRecord[]> {
    return findRecords(this.data.records, terms, prefixes);
  }

  async summaries(ords: readonly number[]): Promise<Map<number, Summary>> {
    return new Map(ords.map((o) => [o, this.data.summaries[o] as Summary]));
  }

  async *recordBlocks(): AsyncGenerator<RecordBlock> {
    yield this.data.records;
  }

  async *summaryBlocks(): AsyncGenerator<readonly Summary[]> {
    yield this.data.summaries;
  }
}

/**
 * A segment for reading; packed ones are decoded once and cached. `keep: false` (merges, runs
 * over whole archives) uses what is cached but adds nothing; `whole` (merges) reads all of it, in
 * order.
 */
export async function openSegment(ctx: IndexCtx, info: SegInfo, { keep = true, whole = false } = {}): Promise<SegmentView> {
  if (info.kind === 'bucketed') return new BucketedSegment(ctx, info, keep, whole);
  const data = await cached(cacheKey(ctx, info, 'packed'), async () => {
    const doc = await getDoc(ctx.store, freshPart(ctx.layout, ctx.key), info.id);
    if (!doc) throw new SegmentGoneError(info.id);
    const z = doc.z as Buffer;
    return { value: decodePacked(z), bytes: z.length * 4 + info.n * 1200 };
  }, keep);
  return new PackedSegment(info, data);
}
